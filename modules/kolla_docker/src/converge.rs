//! What to do to a container, given what is wanted and what is there: a pure
//! function, so every transition is unit-tested without a daemon; the actions
//! run the steps.

/// The state a task asks for (`state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Running.
    Running,
    /// Created or stopped.
    Exited,
    /// Running, then paused.
    Paused,
}

impl Target {
    /// The `state` option's value; the spec's choices leave nothing else.
    pub fn from_state(state: &str) -> Target {
        match state {
            "exited" => Target::Exited,
            "paused" => Target::Paused,
            _ => Target::Running,
        }
    }
}

/// One change to the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stop it (before a removal, or for `exited`).
    Stop,
    /// Remove it, so it can be created anew.
    Remove,
    /// Create it from the task's definition.
    Create,
    /// Start it.
    Start,
    /// Pause it.
    Pause,
    /// Unpause it.
    Unpause,
}

/// Docker's status of a container is one of these for the purpose of converging.
fn running(status: &str) -> bool {
    matches!(status, "running" | "restarting")
}

/// The steps from `current` (Docker's `State.Status`, None when there is no
/// container) to `target`. `recreate`: the container differs in a way only a
/// new one fixes. `detach: false` means a one-shot run whose output is
/// collected: it always runs, and a finished one runs again from scratch.
pub fn plan(current: Option<&str>, recreate: bool, target: Target, detach: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut status = current;
    if let Some(s) = current {
        if recreate || (!detach && !running(s)) {
            if running(s) || s == "paused" {
                steps.push(Step::Stop);
            }
            steps.push(Step::Remove);
            status = None;
        }
    }
    let status = match status {
        Some(s) => s,
        None => {
            steps.push(Step::Create);
            "created"
        }
    };
    let target = if detach { target } else { Target::Running };
    match target {
        Target::Running if running(status) => {}
        Target::Running if status == "paused" => steps.push(Step::Unpause),
        Target::Running => steps.push(Step::Start),
        Target::Paused if status == "paused" => {}
        Target::Paused if running(status) => steps.push(Step::Pause),
        Target::Paused => steps.extend([Step::Start, Step::Pause]),
        Target::Exited if running(status) || status == "paused" => steps.push(Step::Stop),
        Target::Exited => {}
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::Step::*;
    use super::Target::*;
    use super::*;

    #[test]
    fn a_missing_container_is_created_and_brought_to_its_state() {
        assert_eq!(plan(None, false, Running, true), [Create, Start]);
        assert_eq!(plan(None, false, Exited, true), [Create]);
        assert_eq!(plan(None, false, Paused, true), [Create, Start, Pause]);
        assert_eq!(plan(None, true, Running, true), [Create, Start]);
    }

    #[test]
    fn a_matching_container_only_changes_state() {
        assert_eq!(plan(Some("running"), false, Running, true), []);
        assert_eq!(plan(Some("restarting"), false, Running, true), []);
        assert_eq!(plan(Some("exited"), false, Running, true), [Start]);
        assert_eq!(plan(Some("created"), false, Running, true), [Start]);
        assert_eq!(plan(Some("paused"), false, Running, true), [Unpause]);
        assert_eq!(plan(Some("running"), false, Exited, true), [Stop]);
        assert_eq!(plan(Some("paused"), false, Exited, true), [Stop]);
        assert_eq!(plan(Some("exited"), false, Exited, true), []);
        assert_eq!(plan(Some("running"), false, Paused, true), [Pause]);
        assert_eq!(plan(Some("paused"), false, Paused, true), []);
        assert_eq!(plan(Some("exited"), false, Paused, true), [Start, Pause]);
    }

    #[test]
    fn a_differing_container_is_replaced() {
        assert_eq!(
            plan(Some("running"), true, Running, true),
            [Stop, Remove, Create, Start]
        );
        assert_eq!(
            plan(Some("paused"), true, Running, true),
            [Stop, Remove, Create, Start]
        );
        assert_eq!(
            plan(Some("exited"), true, Running, true),
            [Remove, Create, Start]
        );
        assert_eq!(plan(Some("exited"), true, Exited, true), [Remove, Create]);
    }

    #[test]
    fn one_shot_runs_always_run_afresh() {
        assert_eq!(
            plan(Some("exited"), false, Exited, false),
            [Remove, Create, Start]
        );
        assert_eq!(plan(Some("running"), false, Exited, false), []);
        assert_eq!(plan(None, false, Paused, false), [Create, Start]);
    }
}
