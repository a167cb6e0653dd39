//! The Docker API calls kolla_docker makes, one method each. Containers and
//! images come back as inspect JSON (Docker's own field names), which is what
//! the field table reads.

use crate::error::{Context, KdError};
use crate::fields::Want;
use crate::libpod;
use bollard::auth::DockerCredentials;
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::{ContainerCreateBody, VolumeCreateRequest};
use bollard::query_parameters as q;
use docker_client::{Client, DaemonError};
use futures_util::StreamExt;
use serde_json::Value;

/// The daemon, as the actions use it.
pub struct Engine {
    /// The connection.
    pub client: Client,
}

/// What `kolla_set_configs --check` said.
pub struct ExecResult {
    /// Its exit code.
    pub code: i64,
    /// Its output, stdout and stderr together.
    pub output: String,
}

/// The client with each request's path (and, given one, its body) replaced:
/// bollard sends typed Docker API calls only, and its request modifier is its
/// one way to another endpoint that keeps its transport, TLS and timeout (as
/// `docker_client::Client::get_json` does for GETs).
fn at(d: bollard::Docker, path: &'static str, body: Option<Vec<u8>>) -> bollard::Docker {
    d.with_request_modifier(move |mut request| {
        let mut parts = request.uri().clone().into_parts();
        parts.path_and_query = Some(http::uri::PathAndQuery::from_static(path));
        if let Ok(uri) = http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
        if let Some(body) = &body {
            *request.body_mut() = bollard::body_full(body.clone().into());
        }
        request
    })
}

fn to_json<T: serde::Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// None for a 404, the value otherwise.
fn found<T>(r: Result<T, DaemonError>) -> Result<Option<T>, DaemonError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

impl Engine {
    fn d(&self) -> bollard::Docker {
        self.client.docker()
    }

    /// `docker inspect NAME`, None when no container has exactly that name.
    pub async fn container(&self, name: &str) -> Result<Option<Value>, KdError> {
        let r = self
            .client
            .call(|d| async move {
                d.inspect_container(name, None::<q::InspectContainerOptions>)
                    .await
            })
            .await;
        let info = found(r).ctx(|| format!("cannot inspect container {name}"))?;
        // The daemon also resolves ID prefixes; only an exact name counts.
        Ok(info
            .map(to_json)
            .filter(|v| v["Name"].as_str() == Some(&format!("/{name}"))))
    }

    /// One inspect request; None when the daemon has no such object (404).
    async fn inspect<T, F, Fut>(
        &self,
        op: impl FnOnce() -> String,
        request: F,
    ) -> Result<Option<T>, KdError>
    where
        F: FnOnce(bollard::Docker) -> Fut,
        Fut: std::future::Future<Output = Result<T, bollard::errors::Error>>,
    {
        found(self.client.call(request).await).ctx(op)
    }

    /// `docker image inspect IMAGE`, None when not present locally.
    pub async fn image(&self, image: &str) -> Result<Option<Value>, KdError> {
        let info = self
            .inspect(
                || format!("cannot inspect image {image}"),
                |d| async move { d.inspect_image(image).await },
            )
            .await?;
        Ok(info.map(to_json))
    }

    /// The cgroup namespace mode the daemon gives containers that do not choose
    /// one: private on cgroup v2 hosts, host on cgroup v1. A local daemon's host
    /// is this host, which answers without the slow `/info` request.
    pub async fn default_cgroupns(&self) -> Result<String, KdError> {
        let v2 = if self.client.is_local() {
            std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
        } else {
            let info = self
                .client
                .call(|d| async move { d.info().await })
                .await
                .ctx(|| "cannot read the daemon's information".into())?;
            info.cgroup_version
                .map(|v| to_json(v) == "2")
                .unwrap_or(false)
        };
        Ok(if v2 { "private" } else { "host" }.into())
    }

    /// Creates the container `want` describes: through podman's own (libpod)
    /// API when it carries podman's request, through the Docker API otherwise.
    pub async fn create(&self, name: &str, want: &Want) -> Result<(), KdError> {
        match &want.spec {
            Some(spec) => self.create_libpod(name, spec).await,
            None => self.create_docker(name, &want.body).await,
        }
    }

    /// `POST /containers/create`.
    async fn create_docker(&self, name: &str, body: &ContainerCreateBody) -> Result<(), KdError> {
        let opts = q::CreateContainerOptions {
            name: Some(name.to_string()),
            ..Default::default()
        };
        self.client
            .call(|d| {
                let (opts, body) = (opts.clone(), body.clone());
                async move { d.create_container(Some(opts), body).await }
            })
            .await
            .ctx(|| format!("cannot create container {name}"))?;
        Ok(())
    }

    /// `POST /libpod/containers/create` with podman's SpecGenerator; a service
    /// that turns out not to serve the libpod API is named as such.
    async fn create_libpod(&self, name: &str, spec: &Value) -> Result<(), KdError> {
        let body = serde_json::to_vec(spec).unwrap_or_default();
        let r = self
            .client
            .call(|d| async move {
                // The typed create sends and reads what libpod's does (a JSON
                // body; `Id` and `Warnings` back) once path and body are podman's.
                at(d, libpod::CREATE, Some(body))
                    .create_container(None::<q::CreateContainerOptions>, Default::default())
                    .await
            })
            .await;
        let e = match r {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        // Only a refusal can mean a missing API; it costs a ping then, never before.
        if let DaemonError::Api { status, message } = &e {
            if !self.serves_libpod().await {
                return Err(KdError::NoLibpod {
                    name: name.to_string(),
                    daemon: self.client.engine.daemon(),
                    host: self.client.host.clone(),
                    endpoint: libpod::CREATE,
                    status: *status,
                    message: message.clone(),
                });
            }
        }
        Err(e).ctx(|| format!("cannot create container {name} (POST {})", libpod::CREATE))
    }

    /// Whether the service answers libpod's ping.
    async fn serves_libpod(&self) -> bool {
        self.client
            .call(|d| async move { at(d, libpod::PING, None).ping().await })
            .await
            .is_ok()
    }

    /// Starts the container.
    pub async fn start(&self, name: &str) -> Result<(), KdError> {
        self.client
            .call(|d| async move {
                d.start_container(name, None::<q::StartContainerOptions>)
                    .await
            })
            .await
            .ctx(|| format!("cannot start container {name}"))
    }

    /// Stops the container, killing it after `timeout` seconds.
    pub async fn stop(&self, name: &str, timeout: i64) -> Result<(), KdError> {
        let opts = q::StopContainerOptions {
            t: Some(timeout.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
            ..Default::default()
        };
        let r = self
            .client
            .call(move |d| async move { d.stop_container(name, Some(opts)).await })
            .await;
        match r {
            // 304: already stopped; 404: removed by someone else since we looked, so not running.
            Err(e) if e.status() == Some(304) || e.is_not_found() => Ok(()),
            r => r.ctx(|| format!("cannot stop container {name}")),
        }
    }

    /// Pauses the container.
    pub async fn pause(&self, name: &str) -> Result<(), KdError> {
        self.client
            .call(|d| async move { d.pause_container(name).await })
            .await
            .ctx(|| format!("cannot pause container {name}"))
    }

    /// Unpauses the container.
    pub async fn unpause(&self, name: &str) -> Result<(), KdError> {
        self.client
            .call(|d| async move { d.unpause_container(name).await })
            .await
            .ctx(|| format!("cannot unpause container {name}"))
    }

    /// Force-removes the container; a container gone meanwhile counts as removed.
    pub async fn remove(&self, name: &str) -> Result<(), KdError> {
        let force = Some(q::RemoveContainerOptions {
            force: true,
            ..Default::default()
        });
        match self
            .client
            .call(move |d| async move { d.remove_container(name, force).await })
            .await
        {
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => {
                // Docker may fail to clean up the filesystem after the container is gone,
                // or someone else may be removing it right now (409 "already in progress"):
                // either way the container ends up gone, which is what was asked for.
                let concurrent = e.to_string().contains("already in progress");
                for _ in 0..if concurrent { 100 } else { 1 } {
                    if self.container(name).await?.is_none() {
                        return Ok(());
                    }
                    if concurrent {
                        // Nothing else runs on this single-threaded runtime meanwhile.
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                }
                Err(e).ctx(|| format!("cannot remove container {name}"))
            }
            Ok(()) => Ok(()),
        }
    }

    /// Waits for the container to exit and returns its exit code.
    pub async fn wait(&self, name: &str) -> Result<i64, KdError> {
        let mut stream = self
            .d()
            .wait_container(name, None::<q::WaitContainerOptions>);
        let mut code = 0;
        while let Some(item) = stream.next().await {
            match item {
                Ok(r) => code = r.status_code,
                // bollard reports a non-zero exit as an error carrying the code.
                Err(bollard::errors::Error::DockerContainerWaitError { code: c, .. }) => code = c,
                Err(e) => {
                    return Err(self.client.error(e))
                        .ctx(|| format!("cannot wait for container {name}"))
                }
            }
        }
        Ok(code)
    }

    /// The container's standard output or standard error so far.
    pub async fn logs(&self, name: &str, stdout: bool) -> Result<String, KdError> {
        let opts = q::LogsOptions {
            stdout,
            stderr: !stdout,
            ..Default::default()
        };
        let mut stream = self.d().logs(name, Some(opts));
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            let chunk = item
                .map_err(|e| self.client.error(e))
                .ctx(|| format!("cannot read the logs of container {name}"))?;
            out.extend_from_slice(&chunk.into_bytes());
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Runs a command as root in the container and returns its exit code and output.
    pub async fn exec(&self, name: &str, cmd: &[&str]) -> Result<ExecResult, DaemonError> {
        let opts = CreateExecOptions {
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            user: Some("root".to_string()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let job = self
            .client
            .call(|d| {
                let opts = opts.clone();
                async move { d.create_exec(name, opts).await }
            })
            .await?;
        let id = job.id.as_str();
        let started = self
            .client
            .call(|d| async move { d.start_exec(id, None).await })
            .await?;
        let mut output = Vec::new();
        if let StartExecResults::Attached {
            output: mut out, ..
        } = started
        {
            while let Some(chunk) = out.next().await {
                let chunk = chunk.map_err(|e| self.client.error(e))?;
                output.extend_from_slice(&chunk.into_bytes());
            }
        }
        let inspect = self
            .client
            .call(|d| async move { d.inspect_exec(id).await })
            .await?;
        Ok(ExecResult {
            code: inspect.exit_code.unwrap_or(-1),
            output: String::from_utf8_lossy(&output).into_owned(),
        })
    }

    /// Pulls `repo:tag`; the error text of a failed pull comes back as `Err(message)`.
    pub async fn pull(
        &self,
        repo: &str,
        tag: &str,
        credentials: Option<DockerCredentials>,
    ) -> Result<Result<(), String>, KdError> {
        let opts = q::CreateImageOptions {
            from_image: Some(repo.to_string()),
            tag: Some(tag.to_string()),
            ..Default::default()
        };
        let mut stream = self.d().create_image(Some(opts), None, credentials);
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        return Ok(Err(e));
                    }
                }
                Err(e) => match self.client.error(e) {
                    DaemonError::Api { message, .. } => return Ok(Err(message)),
                    DaemonError::Other(bollard::errors::Error::DockerStreamError { error }) => {
                        return Ok(Err(error))
                    }
                    other => {
                        return Err(other).ctx(|| format!("cannot pull {repo}:{tag}"));
                    }
                },
            }
        }
        Ok(Ok(()))
    }

    /// The digest the registry serves for `image`; a refusal comes back as `Err(message)`.
    pub async fn registry_digest(
        &self,
        image: &str,
        credentials: Option<DockerCredentials>,
    ) -> Result<Result<Option<String>, String>, KdError> {
        let r = self
            .client
            .call(|d| {
                let credentials = credentials.clone();
                async move { d.inspect_registry_image(image, credentials).await }
            })
            .await;
        match r {
            Ok(found) => Ok(Ok(found.descriptor.digest)),
            Err(DaemonError::Api { message, .. }) => Ok(Err(message)),
            Err(e) => Err(e).ctx(|| format!("cannot ask the registry about {image}")),
        }
    }

    /// Removes an image by reference.
    pub async fn remove_image(&self, image: &str) -> Result<(), DaemonError> {
        self.client
            .call(|d| async move {
                d.remove_image(image, None::<q::RemoveImageOptions>, None)
                    .await
            })
            .await
            .map(drop)
    }

    /// Whether the named volume exists.
    pub async fn volume_exists(&self, name: &str) -> Result<bool, KdError> {
        let info = self
            .inspect(
                || format!("cannot inspect volume {name}"),
                |d| async move { d.inspect_volume(name).await },
            )
            .await?;
        Ok(info.is_some())
    }

    /// Creates a local volume; `managed` labels it `kolla_managed=true`, as 22.2 does.
    pub async fn create_volume(&self, name: &str, managed: bool) -> Result<(), KdError> {
        let labels = managed
            .then(|| std::iter::once(("kolla_managed".to_string(), "true".to_string())).collect());
        let req = VolumeCreateRequest {
            name: Some(name.to_string()),
            driver: Some("local".into()),
            labels,
            ..Default::default()
        };
        self.client
            .call(|d| {
                let req = req.clone();
                async move { d.create_volume(req).await }
            })
            .await
            .map(drop)
            .ctx(|| format!("cannot create volume {name}"))
    }

    /// Removes a volume.
    pub async fn remove_volume(&self, name: &str) -> Result<(), DaemonError> {
        self.client
            .call(|d| async move { d.remove_volume(name, None::<q::RemoveVolumeOptions>).await })
            .await
    }
}
