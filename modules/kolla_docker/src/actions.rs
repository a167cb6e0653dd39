//! The fifteen actions. Each asks the daemon only what it needs, changes
//! nothing in check mode, and records `changed` as it goes so a failure
//! half-way still says whether something was changed.

use crate::args::Args;
use crate::docker::Engine;
use crate::error::{Context, KdError};
use crate::fields::{self, Ctx, Difference, Want};
use crate::parse;
use bollard::auth::DockerCredentials;
use serde_json::{json, Map, Value};

const CONFIG_CHECK: &[&str] = &["/usr/local/bin/kolla_set_configs", "--check"];

/// One run of the module: options, daemon, and what happened so far.
pub struct Worker<'a> {
    /// The merged options.
    pub args: &'a Args,
    /// The daemon.
    pub engine: Engine,
    /// Check mode: change nothing.
    pub check: bool,
    /// Whether something changed (or would have, in check mode).
    pub changed: bool,
    /// Extra top-level result keys (rc/stdout/stderr, env, state, differences).
    pub result: Map<String, Value>,
    /// The `result` key, the reference's boolean answer.
    pub answer: Option<bool>,
    /// Differences found, for `differences` and the diff.
    pub differences: Option<Vec<Difference>>,
}

/// A container the task acts on, as found.
struct Found {
    info: Value,
}

impl Found {
    fn status(&self) -> &str {
        self.info["State"]["Status"].as_str().unwrap_or_default()
    }
    fn running(&self) -> bool {
        matches!(self.status(), "running" | "restarting")
    }
}

impl<'a> Worker<'a> {
    /// Runs the action the options name.
    pub async fn dispatch(&mut self) -> Result<(), KdError> {
        match self.args.action.as_str() {
            "compare_container" => self.compare_container().await,
            "compare_image" => self.compare_image().await,
            "create_volume" => self.create_volume().await,
            "ensure_image" => self.ensure_image().await,
            "get_container_env" => self.get_container_env().await,
            "get_container_state" => self.get_container_state().await,
            "pull_image" => self.pull_image().await,
            "recreate_or_restart_container" => self.recreate_or_restart_container().await,
            "remove_container" => self.remove_container().await,
            "remove_image" => self.remove_image().await,
            "remove_volume" => self.remove_volume().await,
            "restart_container" => self.restart_container().await,
            "start_container" => self.start_container().await,
            "stop_container" => self.stop_container().await,
            "stop_and_remove_container" => self.stop_and_remove_container().await,
            // The spec's choices make this unreachable; say so rather than guess.
            other => Err(KdError::Args(crate::error::ArgsError::Unsupported(
                "action",
                other.to_string(),
            ))),
        }
    }

    fn name(&self) -> &'a str {
        self.args.name()
    }

    async fn container(&self) -> Result<Option<Found>, KdError> {
        Ok(self
            .engine
            .container(self.name())
            .await?
            .map(|info| Found { info }))
    }

    /// Image, labels and daemon facts the comparison needs beyond the container;
    /// `image` is the wanted image's inspect when the caller already has it.
    async fn context(
        &self,
        want: &Want,
        found: Option<&Found>,
        image: Option<Option<Value>>,
    ) -> Result<Ctx, KdError> {
        let image = match (image, &want.image) {
            (Some(known), _) => known,
            (None, Some(i)) => self.engine.image(i).await?,
            (None, None) => None,
        };
        let base = match (&image, found) {
            (Some(i), _) => Some(i.clone()),
            (None, Some(f)) => match f.info["Image"].as_str() {
                Some(id) => self.engine.image(id).await?,
                None => None,
            },
            (None, None) => None,
        };
        // Daemons with cgroup namespaces (API 1.41+) report the mode of every container.
        let cgroupns_supported =
            found.is_some_and(|f| f.info["HostConfig"].get("CgroupnsMode").is_some());
        let default_cgroupns =
            if cgroupns_supported && want.cgroupns_mode.is_none() && found.is_some() {
                Some(self.engine.default_cgroupns().await?)
            } else {
                None
            };
        Ok(Ctx {
            image,
            base,
            cgroupns_supported,
            default_cgroupns,
        })
    }

    async fn differences(
        &self,
        want: &Want,
        found: &Found,
        image: Option<Option<Value>>,
    ) -> Result<Vec<Difference>, KdError> {
        let ctx = self.context(want, Some(found), image).await?;
        Ok(fields::differences(want, &found.info, &ctx))
    }

    fn record(&mut self, diffs: Vec<Difference>) {
        self.differences.get_or_insert_with(Vec::new).extend(diffs);
    }

    fn absent(&self, want: &Want) -> Difference {
        Difference {
            name: "state".into(),
            before: json!("absent"),
            after: json!(want.state),
            recreate: true,
        }
    }

    /// `kolla_set_configs --check` in the container: true when its configuration is stale.
    async fn config_stale(&self) -> Result<bool, KdError> {
        match self.engine.exec(self.name(), CONFIG_CHECK).await {
            // The container cannot run it (stopped, restarting): treat as stale.
            Err(e) if e.is_client_error() => Ok(true),
            Err(e) => Err(e).ctx(|| "cannot run kolla_set_configs --check".into()),
            Ok(r) => match r.code {
                0 => Ok(false),
                1 | 137 => Ok(true),
                code => Err(KdError::ConfigCheck {
                    code,
                    output: r.output,
                }),
            },
        }
    }

    async fn compare_container(&mut self) -> Result<(), KdError> {
        let want = Want::from_args(self.args)?;
        let diffs = match self.container().await? {
            None => vec![self.absent(&want)],
            Some(found) => {
                let mut d = self.differences(&want, &found, None).await?;
                if d.is_empty() && self.config_stale().await? {
                    d.push(Difference {
                        name: "config".into(),
                        before: json!("stale"),
                        after: json!("current"),
                        recreate: false,
                    });
                }
                d
            }
        };
        self.changed = !diffs.is_empty();
        self.answer = Some(self.changed);
        self.record(diffs);
        Ok(())
    }

    async fn compare_image(&mut self) -> Result<(), KdError> {
        let Some(found) = self.container().await? else {
            self.answer = Some(true);
            return Ok(());
        };
        let Some(image) = self.args.image.as_deref() else {
            // Nothing to compare against: the container's own image is what it is.
            self.answer = Some(false);
            self.record(Vec::new());
            return Ok(());
        };
        let field = fields::FIELDS
            .iter()
            .find(|f| f.name == "image")
            .expect("the table has an image row");
        let want = Want::from_args(self.args)?;
        let ctx = Ctx {
            image: self.engine.image(image).await?,
            ..Default::default()
        };
        let mut diffs = fields::differences(&want, &found.info, &ctx);
        diffs.retain(|d| d.name == field.name);
        self.answer = Some(!diffs.is_empty());
        self.record(diffs);
        Ok(())
    }

    async fn create_volume(&mut self) -> Result<(), KdError> {
        if !self.engine.volume_exists(self.name()).await? {
            if !self.check {
                self.engine.create_volume(self.name()).await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    async fn remove_volume(&mut self) -> Result<(), KdError> {
        let name = self.name();
        if !self.engine.volume_exists(name).await? {
            return Ok(());
        }
        if !self.check {
            match self.engine.remove_volume(name).await {
                Err(e) if e.status() == Some(409) => {
                    return Err(KdError::VolumeInUse(name.to_string()))
                }
                r => r.ctx(|| format!("cannot remove volume {name}"))?,
            }
        }
        self.changed = true;
        Ok(())
    }

    async fn remove_image(&mut self) -> Result<(), KdError> {
        let image = self.args.image();
        if self
            .engine
            .image(&parse::image_name(image))
            .await?
            .is_none()
        {
            return Ok(());
        }
        if !self.check {
            match self.engine.remove_image(image).await {
                Err(e) if e.status() == Some(409) => {
                    return Err(KdError::ImageInUse(image.to_string()))
                }
                r => r.ctx(|| format!("cannot remove image {image}"))?,
            }
        }
        self.changed = true;
        Ok(())
    }

    async fn ensure_image(&mut self) -> Result<(), KdError> {
        if self
            .engine
            .image(&parse::image_name(self.args.image()))
            .await?
            .is_none()
        {
            self.pull_image().await?;
        }
        Ok(())
    }

    async fn get_container_env(&mut self) -> Result<(), KdError> {
        let found = self
            .container()
            .await?
            .ok_or_else(|| KdError::NoContainer(self.name().to_string()))?;
        for kv in found.info["Config"]["Env"].as_array().into_iter().flatten() {
            let kv = kv.as_str().unwrap_or_default();
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            self.result.insert(k.to_string(), json!(v));
        }
        Ok(())
    }

    async fn get_container_state(&mut self) -> Result<(), KdError> {
        let found = self
            .container()
            .await?
            .ok_or_else(|| KdError::NoContainer(self.name().to_string()))?;
        if let Value::Object(state) = &found.info["State"] {
            self.result.extend(state.clone());
        }
        Ok(())
    }

    fn credentials(&self) -> Option<DockerCredentials> {
        let a = self.args;
        a.auth_username.as_ref().filter(|u| !u.is_empty())?;
        Some(DockerCredentials {
            username: a.auth_username.clone(),
            password: a.auth_password.clone(),
            email: a.auth_email.clone(),
            serveraddress: a.auth_registry.clone(),
            ..Default::default()
        })
    }

    /// Pulls the image; `changed` when its ID changed.
    async fn pull_image(&mut self) -> Result<(), KdError> {
        let image = self.args.image();
        let full = parse::image_name(image);
        let (repo, tag) = parse::repo_tag(image);
        let local = self.engine.image(&full).await?;
        if self.check {
            // The registry's manifest tells, without pulling, whether the pull
            // would succeed and bring anything new.
            let digest = self
                .engine
                .registry_digest(&full, self.credentials())
                .await?
                .map_err(|message| self.pull_error(message))?;
            let have = |i: &Value| {
                let suffix = format!("@{}", digest.as_deref().unwrap_or("?"));
                i["RepoDigests"].as_array().is_some_and(|d| {
                    d.iter()
                        .any(|x| x.as_str().is_some_and(|x| x.ends_with(&suffix)))
                })
            };
            self.changed |= !local.as_ref().is_some_and(have);
            return Ok(());
        }
        let old = local.map(|i| i["Id"].clone());
        if let Err(message) = self.engine.pull(&repo, &tag, self.credentials()).await? {
            return Err(self.pull_error(message));
        }
        let new = self.engine.image(&full).await?.map(|i| i["Id"].clone());
        self.changed |= old != new;
        Ok(())
    }

    /// The daemon's words for a failed pull, turned into what the operator should check.
    fn pull_error(&self, message: String) -> KdError {
        let image = self.args.image();
        let (repo, tag) = parse::repo_tag(image);
        let m = message.to_ascii_lowercase();
        let denied = [
            "unauthorized",
            "authentication required",
            "denied",
            "no basic auth",
        ];
        if denied.iter().any(|d| m.contains(d)) {
            match self.credentials() {
                Some(_) => KdError::Login {
                    registry: self.args.auth_registry.clone().unwrap_or_default(),
                    user: self.args.auth_username.clone().unwrap_or_default(),
                    message,
                },
                None => KdError::PullDenied {
                    image: parse::image_name(image),
                    message,
                },
            }
        } else if m.contains("not found") || m.contains("manifest unknown") {
            KdError::ImageNotFound(format!("{repo}:{tag}"))
        } else {
            KdError::Pull(message)
        }
    }

    async fn remove_container(&mut self) -> Result<(), KdError> {
        if self.container().await?.is_some() {
            if !self.check {
                self.engine.remove(self.name()).await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    async fn stop(&mut self, found: &Found) -> Result<(), KdError> {
        if found.running() || found.status() == "paused" {
            if !self.check {
                self.engine
                    .stop(self.name(), self.args.graceful_timeout())
                    .await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    async fn stop_container(&mut self) -> Result<(), KdError> {
        match self.container().await? {
            Some(found) => self.stop(&found).await,
            None if self.args.ignore_missing => Ok(()),
            None => Err(KdError::NoContainerToStop(self.name().to_string())),
        }
    }

    async fn stop_and_remove_container(&mut self) -> Result<(), KdError> {
        if let Some(found) = self.container().await? {
            self.stop(&found).await?;
            if !self.check {
                self.engine.remove(self.name()).await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    async fn restart_container(&mut self) -> Result<(), KdError> {
        if self.container().await?.is_none() {
            return Err(KdError::NoContainer(self.name().to_string()));
        }
        if !self.check {
            self.engine
                .stop(self.name(), self.args.graceful_timeout())
                .await?;
            self.changed = true;
            self.engine.start(self.name()).await?;
        }
        self.changed = true;
        Ok(())
    }

    /// Stops and removes the container so it can be created anew.
    async fn discard(&mut self, found: &Found) -> Result<(), KdError> {
        self.stop(found).await?;
        if !self.check {
            self.engine.remove(self.name()).await?;
        }
        self.changed = true;
        Ok(())
    }

    async fn start_container(&mut self) -> Result<(), KdError> {
        let want = Want::from_args(self.args)?;
        let full = parse::image_name(self.args.image());
        let mut image = self.engine.image(&full).await?;
        if image.is_none() {
            self.pull_image().await?;
            image = self.engine.image(&full).await?;
        }
        let mut found = self.container().await?;
        if let Some(f) = &found {
            let diffs = self.differences(&want, f, Some(image)).await?;
            // A finished one-shot run is run again from scratch, so its output is its own.
            let rerun = !self.args.detach && !f.running();
            let recreate = rerun || diffs.iter().any(|d| d.recreate);
            self.record(diffs);
            if recreate {
                self.discard(f).await?;
                found = None;
            }
        } else {
            self.record(vec![self.absent(&want)]);
        }
        let created = found.is_none();
        if created {
            if !self.check {
                self.engine
                    .create(self.name(), fields::create_body(&want))
                    .await?;
            }
            self.changed = true;
        }
        self.converge_state(&want, found.as_ref()).await?;
        if !self.args.detach {
            self.collect_run().await?;
        }
        Ok(())
    }

    /// Brings a created or existing container to the wanted state.
    async fn converge_state(&mut self, want: &Want, found: Option<&Found>) -> Result<(), KdError> {
        let status = found.map(Found::status).unwrap_or("created");
        let name = self.name();
        // A non-detached container always runs: that is how its output is obtained.
        let target = if !self.args.detach {
            "running"
        } else {
            want.state.as_str()
        };
        let mut steps: Vec<&str> = Vec::new();
        match (target, status) {
            ("running", "running" | "restarting") => {}
            ("running", "paused") => steps.push("unpause"),
            ("running", _) => steps.push("start"),
            ("paused", "paused") => {}
            ("paused", "running" | "restarting") => steps.push("pause"),
            ("paused", _) => steps.extend(["start", "pause"]),
            ("exited", "running" | "restarting" | "paused") => steps.push("stop"),
            _ => {}
        }
        for step in steps {
            if !self.check {
                match step {
                    "start" => self.engine.start(name).await?,
                    "pause" => self.engine.pause(name).await?,
                    "unpause" => self.engine.unpause(name).await?,
                    _ => self.engine.stop(name, self.args.graceful_timeout()).await?,
                }
            }
            self.changed = true;
        }
        Ok(())
    }

    /// Waits for a non-detached container and returns its exit code and output.
    async fn collect_run(&mut self) -> Result<(), KdError> {
        if self.check {
            return Ok(());
        }
        let name = self.name();
        let rc = self.engine.wait(name).await?;
        let stdout = self.engine.logs(name, true).await?;
        let stderr = self.engine.logs(name, false).await?;
        self.result.insert("rc".into(), json!(rc));
        self.result.insert("stdout".into(), json!(stdout));
        self.result.insert("stderr".into(), json!(stderr));
        if self.args.remove_on_exit {
            self.engine.remove(name).await?;
        }
        if rc != 0 {
            return Err(KdError::NonZeroExit { rc, stdout, stderr });
        }
        Ok(())
    }

    async fn recreate_or_restart_container(&mut self) -> Result<(), KdError> {
        let want = Want::from_args(self.args)?;
        let Some(found) = self.container().await? else {
            return self.start_container().await;
        };
        let strategy = self
            .args
            .environment
            .get("KOLLA_CONFIG_STRATEGY")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let diffs = self.differences(&want, &found, None).await?;
        let differs = !diffs.is_empty();
        self.record(diffs);
        if strategy == "COPY_ONCE" || differs {
            // Pull before stopping: a failed pull must leave the old container running.
            if self
                .engine
                .image(&parse::image_name(self.args.image()))
                .await?
                .is_none()
            {
                self.pull_image().await?;
            }
            if want.image.is_none() {
                return Err(crate::error::ArgsError::NeedImage.into());
            }
            self.discard(&found).await?;
            if !self.check {
                self.engine
                    .create(self.name(), fields::create_body(&want))
                    .await?;
            }
            self.converge_state(&want, None).await?;
            if !self.args.detach {
                self.collect_run().await?;
            }
        } else if strategy == "COPY_ALWAYS" {
            self.restart_container().await?;
        }
        Ok(())
    }
}
