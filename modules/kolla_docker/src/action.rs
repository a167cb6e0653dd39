//! The actions, declared once: each variant's option name and the options it
//! requires. The argument spec's `choices` and `required_if` rules are derived
//! from this list and the dispatch in `actions.rs` is an exhaustive `match`,
//! so a new action is one line here plus its handler.

use crate::fields::Profile;

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal requires [$($req:literal),*],)*) => {
        /// What a task asks for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in the order the spec lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The option value that selects it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The options it cannot run without.
            pub fn requires(self) -> &'static [&'static str] {
                match self {
                    $(Action::$variant => &[$($req),*],)*
                }
            }
        }
    };
}

actions! {
    /// Says whether the container is missing, differs or has a stale configuration.
    CompareContainer = "compare_container" requires ["name"],
    /// Says whether the container runs another image than `image`.
    CompareImage = "compare_image" requires ["name"],
    /// Creates a named volume.
    CreateVolume = "create_volume" requires ["name"],
    /// Pulls the image when it is not present.
    EnsureImage = "ensure_image" requires ["image"],
    /// Returns the container's environment.
    GetContainerEnv = "get_container_env" requires ["name"],
    /// Returns Docker's State of the container.
    GetContainerState = "get_container_state" requires ["name"],
    /// Pulls the image.
    PullImage = "pull_image" requires ["image"],
    /// Recreates a differing container, or restarts it under COPY_ALWAYS.
    RecreateOrRestartContainer = "recreate_or_restart_container" requires ["name"],
    /// Removes the container.
    RemoveContainer = "remove_container" requires ["name"],
    /// Removes the image.
    RemoveImage = "remove_image" requires ["image"],
    /// Removes a named volume.
    RemoveVolume = "remove_volume" requires ["name"],
    /// Stops and starts the container.
    RestartContainer = "restart_container" requires ["name"],
    /// Creates (or recreates) the container and brings it to `state`.
    StartContainer = "start_container" requires ["image", "name"],
    /// Stops the container.
    StopContainer = "stop_container" requires ["name"],
    /// Stops and removes the container.
    StopAndRemoveContainer = "stop_and_remove_container" requires ["name"],
}

impl Action {
    /// The action a validated `action` option names (the spec's choices came from [`Action::ALL`]).
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The actions a module profile offers, in spec order.
    pub fn offered(profile: Profile) -> impl Iterator<Item = Action> {
        Action::ALL
            .iter()
            .copied()
            .filter(move |a| a.in_profile(profile))
    }

    /// Whether the profile offers it: kolla_container 22.2 dropped the two getters.
    pub fn in_profile(self, profile: Profile) -> bool {
        match profile {
            Profile::KollaDocker => true,
            Profile::KollaContainer => {
                !matches!(self, Action::GetContainerEnv | Action::GetContainerState)
            }
        }
    }

    /// Whether it may create or start a container, so who supervises it matters.
    pub fn makes_containers(self) -> bool {
        matches!(
            self,
            Action::StartContainer
                | Action::RecreateOrRestartContainer
                | Action::RestartContainer
                | Action::CompareContainer
        )
    }

    /// Whether the result carries the reference's boolean `result` key; the
    /// getters return their facts as top-level keys instead.
    pub fn answers(self) -> bool {
        !matches!(self, Action::GetContainerEnv | Action::GetContainerState)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
            assert!(!a.requires().is_empty(), "{a:?}");
        }
        assert_eq!(Action::from_name("start"), None);
        assert_eq!(Action::ALL.len(), 15);
    }

    #[test]
    fn profiles_choose_actions() {
        assert_eq!(Action::offered(Profile::KollaDocker).count(), 15);
        let container: Vec<_> = Action::offered(Profile::KollaContainer).collect();
        assert_eq!(container.len(), 13);
        assert!(!container.contains(&Action::GetContainerEnv));
    }
}
