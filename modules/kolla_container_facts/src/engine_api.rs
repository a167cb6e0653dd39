//! The paths each engine answers 22.2's questions on. kolla-ansible 22.2
//! reads docker through the Docker SDK (Docker's API) and podman through
//! podman-py, which speaks podman's own libpod API: its inspect data and
//! volume entries have libpod's shape, so podman is asked on those paths too.

use docker_client::Engine;

/// One engine's endpoints.
#[derive(Debug, Clone, Copy)]
pub struct EngineApi(pub Engine);

impl EngineApi {
    /// libpod answers on versioned paths only; 4.0.0 is the oldest libpod API
    /// podman 4 and 5 serve (their `MinAPIVersion`). Docker's unversioned
    /// paths are its own current API.
    fn prefix(self) -> &'static str {
        match self.0 {
            Engine::Docker => "",
            Engine::Podman => "/v4.0.0/libpod",
        }
    }
    /// The container list, running ones only unless `all`.
    pub fn containers(self, all: bool) -> String {
        format!("{}/containers/json?all={all}", self.prefix())
    }
    /// One container's inspect data, by name or id.
    pub fn container(self, name: &str) -> String {
        format!("{}/containers/{}/json", self.prefix(), encode(name))
    }
    /// The volume list.
    pub fn volumes(self) -> String {
        match self.0 {
            Engine::Docker => "/volumes".into(),
            Engine::Podman => format!("{}/volumes/json", self.prefix()),
        }
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a name
/// given by a task stays one path segment whatever it holds.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_per_engine() {
        let docker = EngineApi(Engine::Docker);
        let podman = EngineApi(Engine::Podman);
        assert_eq!(docker.containers(true), "/containers/json?all=true");
        assert_eq!(
            podman.containers(false),
            "/v4.0.0/libpod/containers/json?all=false"
        );
        assert_eq!(
            docker.container("glance_api"),
            "/containers/glance_api/json"
        );
        assert_eq!(
            podman.container("a/b?c"),
            "/v4.0.0/libpod/containers/a%2Fb%3Fc/json"
        );
        assert_eq!(docker.volumes(), "/volumes");
        assert_eq!(podman.volumes(), "/v4.0.0/libpod/volumes/json");
    }
}
