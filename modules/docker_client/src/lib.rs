//! A container engine connection for the kolla modules: which engine
//! (`container_engine`: dockerd, or podman's API service), where it is
//! (`docker_host`, `DOCKER_HOST` / `CONTAINER_HOST`, or the engine's local
//! socket), which API version to speak, TLS with client certificates, and one
//! timeout for every request. Failures are typed and worded, naming the
//! engine, so an operator knows what to fix.

use bollard::{ClientVersion, Docker};
use std::future::Future;
use std::path::{Path, PathBuf};

pub use bollard;

/// Where the daemon is when neither `docker_host` nor `DOCKER_HOST` says otherwise.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// Where podman's Docker-compatible service listens (`podman system service`,
/// or the `podman.socket` unit Debian's package ships) when nothing says otherwise.
pub const PODMAN_DEFAULT_HOST: &str = "unix:///run/podman/podman.sock";

/// The container engine a task names (`container_engine`). Both are driven
/// through the Docker REST API: podman through its Docker-compatible service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// dockerd.
    #[default]
    Docker,
    /// podman's Docker-compatible API service.
    Podman,
}

impl Engine {
    /// The name kolla-ansible uses (`docker`, `podman`): the CLI in unit files and messages.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }
    /// The engine's socket when neither `docker_host` nor the environment names one.
    pub fn default_host(self) -> &'static str {
        match self {
            Engine::Docker => DEFAULT_HOST,
            Engine::Podman => PODMAN_DEFAULT_HOST,
        }
    }
    /// The engine as messages name it ("the Docker daemon", "the podman service").
    pub fn daemon(self) -> &'static str {
        match self {
            Engine::Docker => "the Docker daemon",
            Engine::Podman => "the podman service",
        }
    }
    /// The variable its own CLI reads the address from.
    pub fn host_variable(self) -> &'static str {
        match self {
            Engine::Docker => "DOCKER_HOST",
            Engine::Podman => "CONTAINER_HOST",
        }
    }
    /// Parses `docker` or `podman`.
    pub fn parse(text: &str) -> Option<Engine> {
        match text {
            "docker" => Some(Engine::Docker),
            "podman" => Some(Engine::Podman),
            _ => None,
        }
    }
}

/// The version bollard is given. Its requests carry no version in their path,
/// so the daemon answers in its own API version whatever this says.
const CLIENT_API: ClientVersion = ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// TLS settings of a TCP connection, as the kolla `tls_*` options give them.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// Use TLS and verify the daemon's certificate.
    pub verify: bool,
    /// Client certificate presented to the daemon (PEM).
    pub cert: Option<PathBuf>,
    /// Private key of the client certificate (PEM).
    pub key: Option<PathBuf>,
    /// CA certificate the daemon's certificate must chain to (PEM).
    pub cacert: Option<PathBuf>,
}

/// How to reach the daemon.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `unix:///path`, `tcp://host:port`, `http://` or `https://`; None means `DOCKER_HOST` or the default.
    pub host: Option<String>,
    /// "auto" (or None), or a version such as "1.41", which is only checked for
    /// form: requests are answered in the daemon's own API version.
    pub api_version: Option<String>,
    /// Seconds every request may take.
    pub timeout: u64,
    /// TLS for TCP hosts.
    pub tls: Tls,
    /// The engine, which decides the default socket.
    pub engine: Engine,
}

/// The connection options every kolla container module takes, as the task
/// gives them; `settings` turns them into [`Settings`], so each module reads
/// them the same way.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Options {
    /// `docker_host`: the daemon address.
    pub docker_host: Option<String>,
    /// `api_version`: "auto" or a version.
    pub api_version: Option<String>,
    /// `client_timeout`: seconds per request, 120 when unset.
    pub client_timeout: Option<u64>,
    /// `tls_verify`: TLS to a TCP daemon.
    pub tls_verify: bool,
    /// `tls_cert`: client certificate.
    pub tls_cert: Option<String>,
    /// `tls_key`: client key.
    pub tls_key: Option<String>,
    /// `tls_cacert`: CA certificate.
    pub tls_cacert: Option<String>,
    /// `container_engine` (kolla_container, 22.2): docker when unset.
    pub container_engine: Option<Engine>,
}

/// Seconds a request may take when `client_timeout` is not given.
pub const DEFAULT_TIMEOUT: u64 = 120;

impl Options {
    /// The connection these options describe.
    pub fn settings(&self) -> Settings {
        Settings {
            host: self.docker_host.clone(),
            api_version: self.api_version.clone(),
            timeout: self.client_timeout.unwrap_or(DEFAULT_TIMEOUT),
            tls: Tls {
                verify: self.tls_verify,
                cert: self.tls_cert.clone().map(Into::into),
                key: self.tls_key.clone().map(Into::into),
                cacert: self.tls_cacert.clone().map(Into::into),
            },
            engine: self.container_engine.unwrap_or_default(),
        }
    }
}

impl Settings {
    /// The daemon address in effect: the option, then the environment
    /// (`DOCKER_HOST` for docker, `CONTAINER_HOST` for podman, as their own
    /// clients read), then the engine's local socket.
    pub fn effective_host(&self) -> String {
        let variable = self.engine.host_variable();
        self.host
            .clone()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var(variable).ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| self.engine.default_host().to_string())
    }
}

/// A client for one daemon.
#[derive(Debug, Clone)]
pub struct Client {
    /// The bollard handle.
    docker: Docker,
    /// The daemon address, for messages.
    pub host: String,
    /// Seconds each request may take, for messages.
    pub timeout: u64,
    /// The engine behind the address, for messages and engine-specific paths.
    pub engine: Engine,
}

/// Why no connection could be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The address has a scheme we cannot speak.
    #[error("unsupported docker_host {0:?}: use unix:///path/to/docker.sock, tcp://HOST:PORT or https://HOST:PORT")]
    BadHost(String),
    /// `api_version` is neither "auto" nor a version number.
    #[error("invalid api_version {0:?}: use auto or a version such as 1.41")]
    BadApiVersion(String),
    /// The local socket does not exist.
    #[error("{}", no_socket_message(*.engine, .host))]
    NoSocket {
        /// The engine expected there.
        engine: Engine,
        /// The socket address.
        host: String,
    },
    /// A TLS file is missing.
    #[error("There is no file at \"{}\" ({option})", path.display())]
    MissingFile {
        /// The option naming the file.
        option: &'static str,
        /// The path given.
        path: PathBuf,
    },
    /// A TLS file exists but cannot be read.
    #[error("Permission denied for file at \"{}\" ({option}): {source}", path.display())]
    UnreadableFile {
        /// The option naming the file.
        option: &'static str,
        /// The path given.
        path: PathBuf,
        /// The read error.
        source: std::io::Error,
    },
    /// TLS asked of a build without it.
    #[error("TLS to {0} is not available: this module was built without the tls feature")]
    NoTls(String),
    /// Only one half of the client certificate pair was given.
    #[error("tls_cert and tls_key must be given together")]
    HalfCertificate,
    /// bollard refused the settings (e.g. unparsable certificates).
    #[error("cannot set up the connection to {} at {host}: {source}", engine.daemon())]
    Setup {
        /// The engine.
        engine: Engine,
        /// The daemon address.
        host: String,
        /// bollard's reason.
        source: bollard::errors::Error,
    },
}

/// A request to the daemon that failed, classified for callers and operators.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Nothing answered at the address (no daemon, refused, TLS handshake failed, permission denied).
    #[error("cannot reach {} at {host}: {detail}", engine.daemon())]
    Unreachable {
        /// The engine.
        engine: Engine,
        /// The daemon address.
        host: String,
        /// What the transport said.
        detail: String,
    },
    /// The daemon did not answer in time.
    #[error("{} at {host} did not answer within {secs} s (raise client_timeout if it is busy)", engine.daemon())]
    Timeout {
        /// The engine.
        engine: Engine,
        /// The daemon address.
        host: String,
        /// The timeout in effect.
        secs: u64,
    },
    /// The daemon answered with an error status.
    #[error("{message}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// The daemon's message.
        message: String,
    },
    /// Anything else bollard reports (bad JSON, stream errors).
    #[error("Docker API error: {0}")]
    Other(bollard::errors::Error),
    /// A raw request's answer was not the JSON asked for.
    #[error("{} at {host} answered {path} with something that is not JSON: {detail}", engine.daemon())]
    NotJson {
        /// The engine.
        engine: Engine,
        /// The daemon address.
        host: String,
        /// The request path.
        path: String,
        /// The parser's complaint.
        detail: String,
    },
}

fn no_socket_message(engine: Engine, host: &str) -> String {
    match engine {
        Engine::Docker => format!(
            "the Docker socket {host} does not exist: is dockerd running on this host? \
             (set docker_host or DOCKER_HOST to reach another daemon)"
        ),
        Engine::Podman => format!(
            "the podman socket {host} does not exist: is podman's API service running on this host \
             (podman.socket, or `podman system service`)? (set docker_host or CONTAINER_HOST to reach another)"
        ),
    }
}

impl DaemonError {
    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            DaemonError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
    /// A 404 from the daemon.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
    /// A 4xx from the daemon.
    pub fn is_client_error(&self) -> bool {
        matches!(self.status(), Some(400..=499))
    }
}

impl Client {
    /// Classifies a bollard error from a request to this daemon.
    pub fn error(&self, e: bollard::errors::Error) -> DaemonError {
        use bollard::errors::Error as B;
        match e {
            B::DockerResponseServerError {
                status_code: 400,
                message,
            } if message.contains("HTTP request to an HTTPS server") => DaemonError::Unreachable {
                engine: self.engine,
                host: self.host.clone(),
                detail: "the daemon expects TLS: set tls_verify, tls_cacert, tls_cert and tls_key"
                    .into(),
            },
            B::DockerResponseServerError {
                status_code,
                message,
            } => DaemonError::Api {
                status: status_code,
                message,
            },
            B::RequestTimeoutError => DaemonError::Timeout {
                engine: self.engine,
                host: self.host.clone(),
                secs: self.timeout,
            },
            e @ (B::IOError { .. }
            | B::HyperResponseError { .. }
            | B::HyperLegacyError { .. }
            | B::HttpClientError { .. }
            | B::SocketNotFoundError(_)) => DaemonError::Unreachable {
                engine: self.engine,
                host: self.host.clone(),
                detail: ansible_module::error_chain(&e),
            },
            other => DaemonError::Other(other),
        }
    }

    /// Runs one request and classifies its error.
    pub async fn call<T, F, Fut>(&self, request: F) -> Result<T, DaemonError>
    where
        F: FnOnce(Docker) -> Fut,
        Fut: Future<Output = Result<T, bollard::errors::Error>>,
    {
        request(self.docker()).await.map_err(|e| self.error(e))
    }

    /// GETs `path_and_query` (e.g. `/containers/json?all=1`, or podman's
    /// `/libpod/...`) and returns the body as the engine sent it.
    ///
    /// bollard has typed calls only, and a typed round trip drops what its
    /// models lack (podman's libpod fields, new Docker keys) and the nulls the
    /// engine sends. Its one public way to a raw body is a streamed endpoint,
    /// so this sends `export_container`'s GET with the URI's path replaced
    /// (the request modifier runs after bollard builds the request, and keeps
    /// its transport, TLS and timeout).
    pub async fn get_json(&self, path_and_query: &str) -> Result<serde_json::Value, DaemonError> {
        use futures_util::StreamExt;
        let target: http::uri::PathAndQuery =
            path_and_query
                .parse()
                .map_err(|e: http::uri::InvalidUri| DaemonError::NotJson {
                    engine: self.engine,
                    host: self.host.clone(),
                    path: path_and_query.to_string(),
                    detail: format!("invalid request path: {e}"),
                })?;
        let docker = self.docker().with_request_modifier(move |mut request| {
            let mut parts = request.uri().clone().into_parts();
            parts.path_and_query = Some(target.clone());
            if let Ok(uri) = http::Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
            request
        });
        let mut body = docker.export_container("-");
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk.map_err(|e| self.error(e))?);
        }
        serde_json::from_slice(&bytes).map_err(|e| DaemonError::NotJson {
            engine: self.engine,
            host: self.host.clone(),
            path: path_and_query.to_string(),
            detail: e.to_string(),
        })
    }

    /// A handle for one request.
    pub fn docker(&self) -> Docker {
        self.docker.clone()
    }

    /// Whether the daemon is reached through a local socket.
    pub fn is_local(&self) -> bool {
        self.host.starts_with("unix://")
    }
}

fn parse_version(text: &str) -> Option<ClientVersion> {
    let (major, minor) = text.trim().trim_start_matches('v').split_once('.')?;
    Some(ClientVersion {
        major_version: major.parse().ok()?,
        minor_version: minor.parse().ok()?,
    })
}

#[cfg_attr(not(feature = "tls"), allow(dead_code))]
fn readable(option: &'static str, path: &Path) -> Result<(), ConnectError> {
    if !path.is_file() {
        return Err(ConnectError::MissingFile {
            option,
            path: path.to_path_buf(),
        });
    }
    std::fs::File::open(path)
        .map(drop)
        .map_err(|source| ConnectError::UnreadableFile {
            option,
            path: path.to_path_buf(),
            source,
        })
}

/// Builds the client without talking to the daemon yet.
fn build(settings: &Settings, host: &str, version: &ClientVersion) -> Result<Docker, ConnectError> {
    let timeout = settings.timeout;
    let setup = |source| ConnectError::Setup {
        engine: settings.engine,
        host: host.to_string(),
        source,
    };
    if let Some(path) = host.strip_prefix("unix://") {
        if !Path::new(path).exists() {
            return Err(ConnectError::NoSocket {
                engine: settings.engine,
                host: host.to_string(),
            });
        }
        return Docker::connect_with_unix(host, timeout, version).map_err(setup);
    }
    let tcp = ["tcp://", "http://", "https://"]
        .iter()
        .any(|p| host.starts_with(p));
    if !tcp {
        return Err(ConnectError::BadHost(host.to_string()));
    }
    let tls = &settings.tls;
    if !(tls.verify || host.starts_with("https://")) {
        return Docker::connect_with_http(host, timeout, version).map_err(setup);
    }
    #[cfg(feature = "tls")]
    return connect_tls(tls, host, timeout, version, setup);
    #[cfg(not(feature = "tls"))]
    Err(ConnectError::NoTls(host.to_string()))
}

/// TLS with the daemon's certificate verified and our client certificate presented.
#[cfg(feature = "tls")]
fn connect_tls(
    tls: &Tls,
    host: &str,
    timeout: u64,
    version: &ClientVersion,
    setup: impl Fn(bollard::errors::Error) -> ConnectError,
) -> Result<Docker, ConnectError> {
    // bollard's TLS connector wants a CA file and a client pair; an empty CA
    // file means "the system roots only" and an absent pair means "no client
    // certificate", both as Docker's own client behaves.
    let cacert = match &tls.cacert {
        Some(p) => {
            readable("tls_cacert", p)?;
            p.clone()
        }
        None => PathBuf::from("/dev/null"),
    };
    let (cert, key) = match (&tls.cert, &tls.key) {
        (Some(c), Some(k)) => {
            readable("tls_cert", c)?;
            readable("tls_key", k)?;
            (c.clone(), k.clone())
        }
        (None, None) => (PathBuf::from("/nonexistent"), PathBuf::from("/nonexistent")),
        _ => return Err(ConnectError::HalfCertificate),
    };
    let addr = host.replacen("https://", "tcp://", 1);
    Docker::connect_with_ssl(&addr, &key, &cert, &cacert, timeout, version).map_err(setup)
}

/// Sets up the client; nothing is sent until the first request.
pub fn connect(settings: &Settings) -> Result<Client, ConnectError> {
    let host = settings.effective_host();
    let requested = settings
        .api_version
        .as_deref()
        .filter(|v| !v.is_empty() && *v != "auto");
    if let Some(v) = requested {
        parse_version(v).ok_or_else(|| ConnectError::BadApiVersion(v.to_string()))?;
    }
    let docker = build(settings, &host, &CLIENT_API)?;
    Ok(Client {
        docker,
        host,
        timeout: settings.timeout,
        engine: settings.engine,
    })
}

/// A single-threaded runtime: a module makes a few sequential requests.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        let v = parse_version("1.41").unwrap();
        assert_eq!((v.major_version, v.minor_version), (1, 41));
        assert!(parse_version("v1.24").is_some());
        assert!(parse_version("one").is_none());
        assert!(parse_version("1").is_none());
    }

    #[test]
    fn options_become_settings() {
        let o = Options {
            tls_verify: true,
            tls_cacert: Some("/ca.pem".into()),
            ..Default::default()
        };
        let s = o.settings();
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert!(s.tls.verify);
        assert_eq!(s.tls.cacert.as_deref(), Some(Path::new("/ca.pem")));
    }

    #[test]
    fn host_precedence() {
        let s = Settings {
            host: Some("tcp://127.0.0.1:2376".into()),
            ..Default::default()
        };
        assert_eq!(s.effective_host(), "tcp://127.0.0.1:2376");
    }

    #[test]
    fn engine_comes_from_container_engine() {
        let docker: Options = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(docker.settings().engine, Engine::Docker);
        let podman: Options =
            serde_json::from_value(serde_json::json!({"container_engine": "podman"})).unwrap();
        assert_eq!(podman.settings().engine, Engine::Podman);
        assert!(
            serde_json::from_value::<Options>(serde_json::json!({"container_engine": "lxc"}))
                .is_err()
        );
        assert_eq!(Engine::parse("podman"), Some(Engine::Podman));
        assert_eq!(Engine::parse("Docker"), None);
    }

    #[test]
    fn each_engine_has_its_own_default_socket_and_variable() {
        // The variables are read by effective_host; a name no test sets keeps
        // this test independent of the caller's DOCKER_HOST / CONTAINER_HOST.
        let given = Settings {
            host: Some("unix:///run/given.sock".into()),
            engine: Engine::Podman,
            ..Default::default()
        };
        assert_eq!(given.effective_host(), "unix:///run/given.sock");
        assert_eq!(Engine::Docker.default_host(), DEFAULT_HOST);
        assert_eq!(Engine::Podman.default_host(), PODMAN_DEFAULT_HOST);
        assert_eq!(Engine::Docker.host_variable(), "DOCKER_HOST");
        assert_eq!(Engine::Podman.host_variable(), "CONTAINER_HOST");
        let empty = Settings {
            host: Some(String::new()),
            engine: Engine::Podman,
            ..Default::default()
        };
        let expected = std::env::var("CONTAINER_HOST")
            .ok()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| PODMAN_DEFAULT_HOST.into());
        assert_eq!(empty.effective_host(), expected);
    }

    #[test]
    fn messages_name_the_engine() {
        let v = CLIENT_API;
        for (engine, says, not) in [
            (Engine::Docker, "dockerd", "podman"),
            (Engine::Podman, "podman", "dockerd"),
        ] {
            let s = Settings {
                engine,
                ..Default::default()
            };
            let e = build(&s, "unix:///nonexistent/engine.sock", &v).unwrap_err();
            let text = e.to_string();
            assert!(text.contains(says) && !text.contains(not), "{text}");
            assert!(text.contains(engine.host_variable()), "{text}");
            let c = connect(&Settings {
                host: Some("unix:///dev/null".into()),
                timeout: 5,
                engine,
                ..Default::default()
            })
            .unwrap();
            let slow = c
                .error(bollard::errors::Error::RequestTimeoutError)
                .to_string();
            assert!(slow.starts_with(engine.daemon()), "{slow}");
        }
        assert_eq!(Engine::Podman.daemon(), "the podman service");
    }

    #[test]
    fn bad_settings_fail_clearly() {
        let s = Settings {
            host: Some("ssh://x".into()),
            ..Default::default()
        };
        let v = CLIENT_API;
        assert!(matches!(
            build(&s, "ssh://x", &v),
            Err(ConnectError::BadHost(_))
        ));
        assert!(matches!(
            build(&s, "unix:///nonexistent/docker.sock", &v),
            Err(ConnectError::NoSocket { .. })
        ));
        let s = Settings {
            tls: Tls {
                verify: true,
                cacert: Some("/nonexistent/ca.pem".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let e = build(&s, "tcp://127.0.0.1:1", &v).unwrap_err();
        assert!(e.to_string().contains("There is no file at"), "{e}");
    }

    #[test]
    fn errors_are_classified() {
        use bollard::errors::Error as B;
        let settings = Settings {
            host: Some("unix:///dev/null".into()),
            timeout: 5,
            ..Default::default()
        };
        let c = connect(&settings).unwrap();
        let api = |status_code, message: &str| B::DockerResponseServerError {
            status_code,
            message: message.into(),
        };
        assert!(c.error(api(404, "No such container: x")).is_not_found());
        assert!(c.error(api(409, "in use")).is_client_error());
        let tls = c.error(api(
            400,
            "Client sent an HTTP request to an HTTPS server.\n",
        ));
        assert!(tls.to_string().contains("expects TLS"), "{tls}");
        let slow = c.error(B::RequestTimeoutError).to_string();
        assert!(
            slow.contains("within 5 s") && slow.contains("client_timeout"),
            "{slow}"
        );
    }
}
