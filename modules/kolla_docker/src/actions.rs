//! The actions' handlers. Each asks the daemon only what it needs, changes
//! nothing in check mode, and records `changed` as it goes so a failure
//! half-way still says whether something was changed.

use crate::action::Action;
use crate::args::Task;
use crate::converge::{self, Step, Target};
use crate::docker::Engine;
use crate::error::{ArgsError, Context, KdError};
use crate::failure;
use crate::fields::{self, Ctx, Difference, Profile, Want};
use crate::parse;
use crate::supervisor::Units;
use bollard::auth::DockerCredentials;
use serde_json::{json, Map, Value};

const CONFIG_CHECK: &[&str] = &["/usr/local/bin/kolla_set_configs", "--check"];

/// What a run did, whether it ended well or not.
pub struct Outcome {
    /// Whether something changed (or would have, in check mode).
    pub changed: bool,
    /// Extra top-level result keys.
    pub result: Map<String, Value>,
    /// The reference's boolean answer.
    pub answer: Option<bool>,
    /// Differences found.
    pub differences: Option<Vec<Difference>>,
    /// Why it stopped, if it failed.
    pub error: Option<KdError>,
}

/// Runs `task` against the daemon its options name.
pub fn execute(task: &Task, check: bool) -> Outcome {
    let failed = |e: KdError| Outcome {
        changed: false,
        result: Map::new(),
        answer: None,
        differences: None,
        error: Some(e),
    };
    let rt = match docker_client::runtime() {
        Ok(rt) => rt,
        Err(e) => return failed(e.into()),
    };
    // The client is set up inside the runtime, where its connector lives.
    let _runtime = rt.enter();
    let client = match docker_client::connect(&task.opts.connection.settings()) {
        Ok(c) => c,
        Err(e) => return failed(e.into()),
    };
    let units = match Units::for_task(task) {
        Ok(u) => u,
        Err(e) => return failed(e),
    };
    let mut w = Worker {
        task,
        engine: Engine { client },
        units,
        check,
        changed: false,
        result: Map::new(),
        answer: None,
        differences: None,
    };
    let error = rt.block_on(w.dispatch()).err();
    Outcome {
        changed: w.changed,
        result: w.result,
        answer: w.answer,
        differences: w.differences,
        error,
    }
}

/// One run of the module: options, daemon, and what happened so far.
struct Worker<'a> {
    /// The task.
    pub task: &'a Task,
    /// The daemon.
    pub engine: Engine,
    /// systemd, when it supervises the task's container.
    pub units: Option<Units>,
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

/// What remove_volume and remove_image remove.
#[derive(Clone, Copy)]
enum Unused {
    Volume,
    Image,
}

impl Unused {
    fn noun(self) -> &'static str {
        match self {
            Unused::Volume => "volume",
            Unused::Image => "image",
        }
    }
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
    /// Runs the task's action.
    async fn dispatch(&mut self) -> Result<(), KdError> {
        match self.task.action {
            Action::CompareContainer => self.compare_container().await,
            Action::CompareImage => self.compare_image().await,
            Action::CreateVolume => self.create_volume().await,
            Action::EnsureImage => self.ensure_image().await,
            Action::GetContainerEnv => self.get_container_env().await,
            Action::GetContainerState => self.get_container_state().await,
            Action::PullImage => self.pull_image().await,
            Action::RecreateOrRestartContainer => self.recreate_or_restart_container().await,
            Action::RemoveContainer => self.remove_container().await,
            Action::RemoveImage => self.remove_image().await,
            Action::RemoveVolume => self.remove_volume().await,
            Action::RestartContainer => self.restart_container().await,
            Action::StartContainer => self.start_container().await,
            Action::StopContainer => self.stop_container().await,
            Action::StopAndRemoveContainer => self.stop_and_remove_container().await,
        }
    }

    /// The image, which required_if guarantees for the image actions.
    fn image(&self) -> &'a str {
        self.task.opts.image.as_deref().unwrap_or_default()
    }

    fn name(&self) -> &'a str {
        self.task.name()
    }

    /// The container, which must exist.
    async fn existing(&self) -> Result<Found, KdError> {
        self.container()
            .await?
            .ok_or_else(|| KdError::NoContainer(self.name().to_string()))
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
        let image = match (image, &want.body.image) {
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
            if cgroupns_supported && want.host().cgroupns_mode.is_none() && found.is_some() {
                Some(self.engine.default_cgroupns().await?)
            } else {
                None
            };
        Ok(Ctx {
            image,
            base,
            cgroupns_supported,
            default_cgroupns,
            podman: self.task.engine() == docker_client::Engine::Podman,
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

    fn absent(&self) -> Difference {
        Difference::absent(&self.task.params["state"])
    }

    /// `kolla_set_configs --check` in the container: Some(what it said) when
    /// its configuration is stale, None when current.
    async fn config_stale(&self, found: &Found) -> Result<Option<String>, KdError> {
        // 22.2's podman worker: a container that does not run cannot say, so it is stale.
        if self.task.engine() == docker_client::Engine::Podman && !found.running() {
            return Ok(Some("container not running during config check".into()));
        }
        match self.engine.exec(self.name(), CONFIG_CHECK).await {
            // The container cannot run it (stopped, restarting): treat as stale.
            Err(e) if e.is_client_error() => {
                Ok(Some("container unavailable for config check".into()))
            }
            Err(e) => Err(e).ctx(|| "cannot run kolla_set_configs --check".into()),
            Ok(r) => match r.code {
                0 => Ok(None),
                1 => Ok(Some(r.output)),
                137 => Ok(Some("container exited abruptly during config check".into())),
                code => Err(KdError::ConfigCheck {
                    code,
                    output: r.output,
                }),
            },
        }
    }

    async fn compare_container(&mut self) -> Result<(), KdError> {
        let want = Want::new(&self.task.params)?;
        let mut failures = Vec::new();
        let diffs = match self.container().await? {
            None => {
                failures.push(failure::missing(self.name()));
                vec![self.absent()]
            }
            Some(found) => {
                let ctx = self.context(&want, Some(&found), None).await?;
                let mut d = fields::differences(&want, &found.info, &ctx);
                failures.extend(failure::of_differences(
                    &d,
                    &found.info,
                    &self.task.params,
                    &ctx,
                ));
                // 15.6 asks kolla_set_configs only of an otherwise equal container; 22.2 always.
                let ask = d.is_empty() || self.task.profile == Profile::KollaContainer;
                if ask {
                    if let Some(output) = self.config_stale(&found).await? {
                        failures.push(failure::stale_config(output));
                        d.push(Difference::stale_config());
                    }
                }
                if self.units.as_ref().is_some_and(|u| u.changed(self.task)) {
                    failures.push(failure::systemd_unit());
                    d.push(Difference::stale_unit());
                }
                d
            }
        };
        self.changed = !diffs.is_empty();
        self.answer = Some(self.changed);
        if self.task.profile == Profile::KollaContainer && !failures.is_empty() {
            self.result
                .insert("comparison_failures".into(), Value::Array(failures));
        }
        self.record(diffs);
        Ok(())
    }

    async fn compare_image(&mut self) -> Result<(), KdError> {
        let Some(found) = self.container().await? else {
            self.answer = Some(true);
            return Ok(());
        };
        let Some(image) = self.task.opts.image.as_deref() else {
            // Nothing to compare against: the container's own image is what it is.
            self.answer = Some(false);
            self.record(Vec::new());
            return Ok(());
        };
        let want = Want::new(&self.task.params)?;
        let ctx = Ctx {
            image: self.engine.image(image).await?,
            podman: self.task.engine() == docker_client::Engine::Podman,
            ..Default::default()
        };
        let mut diffs = fields::differences(&want, &found.info, &ctx);
        diffs.retain(|d| d.name == "image");
        self.answer = Some(!diffs.is_empty());
        self.record(diffs);
        Ok(())
    }

    async fn create_volume(&mut self) -> Result<(), KdError> {
        self.ensure_volume(self.name()).await
    }

    /// Creates the named volume if missing; 22.2 labels the volumes it makes `kolla_managed`.
    async fn ensure_volume(&mut self, name: &str) -> Result<(), KdError> {
        if !self.engine.volume_exists(name).await? {
            if !self.check {
                let managed = self.task.profile == Profile::KollaContainer;
                self.engine.create_volume(name, managed).await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    /// 22.2 creates the named volumes of `volumes` before the container, so they carry its label.
    async fn create_container_volumes(&mut self) -> Result<(), KdError> {
        if self.task.profile != Profile::KollaContainer {
            return Ok(());
        }
        let named: Vec<String> = self.task.params["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|v| v.split(':').next())
            .filter(|source| !source.is_empty() && !source.contains('/'))
            .map(str::to_string)
            .collect();
        for name in named {
            if named_volume_has_target(&name, &self.task.params["volumes"]) {
                self.ensure_volume(&name).await?;
            }
        }
        Ok(())
    }

    async fn remove_volume(&mut self) -> Result<(), KdError> {
        self.remove_unused(Unused::Volume).await
    }

    async fn remove_image(&mut self) -> Result<(), KdError> {
        self.remove_unused(Unused::Image).await
    }

    /// Removes the named volume or image if present; the daemon refuses (409)
    /// while a container uses it, which becomes the reference's message.
    async fn remove_unused(&mut self, kind: Unused) -> Result<(), KdError> {
        let (what, present) = match kind {
            Unused::Volume => (self.name(), self.engine.volume_exists(self.name()).await?),
            Unused::Image => {
                let image = self.image();
                let found = self.engine.image(&parse::image_name(image)).await?;
                (image, found.is_some())
            }
        };
        if !present {
            return Ok(());
        }
        if !self.check {
            let r = match kind {
                Unused::Volume => self.engine.remove_volume(what).await,
                Unused::Image => self.engine.remove_image(what).await,
            };
            match (r, kind) {
                (Err(e), Unused::Volume) if e.status() == Some(409) => {
                    return Err(KdError::VolumeInUse(what.to_string()))
                }
                (Err(e), Unused::Image) if e.status() == Some(409) => {
                    return Err(KdError::ImageInUse(what.to_string()))
                }
                (r, _) => r.ctx(|| format!("cannot remove {} {what}", kind.noun()))?,
            }
        }
        self.changed = true;
        Ok(())
    }

    async fn ensure_image(&mut self) -> Result<(), KdError> {
        if self
            .engine
            .image(&parse::image_name(self.image()))
            .await?
            .is_none()
        {
            self.pull_image().await?;
        }
        Ok(())
    }

    async fn get_container_env(&mut self) -> Result<(), KdError> {
        let found = self.existing().await?;
        for kv in found.info["Config"]["Env"].as_array().into_iter().flatten() {
            let kv = kv.as_str().unwrap_or_default();
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            self.result.insert(k.to_string(), json!(v));
        }
        Ok(())
    }

    async fn get_container_state(&mut self) -> Result<(), KdError> {
        let found = self.existing().await?;
        if let Value::Object(state) = &found.info["State"] {
            self.result.extend(state.clone());
        }
        Ok(())
    }

    fn credentials(&self) -> Option<DockerCredentials> {
        let a = &self.task.opts;
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
        let image = self.image();
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
        let image = self.image();
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
                    registry: self.task.opts.auth_registry.clone().unwrap_or_default(),
                    user: self.task.opts.auth_username.clone().unwrap_or_default(),
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
        self.remove_unit()?;
        if self.container().await?.is_some() {
            if !self.check {
                self.engine.remove(self.name()).await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    /// Deletes the container's unit, as 22.2's remove_container does.
    fn remove_unit(&mut self) -> Result<(), KdError> {
        if let Some(units) = &self.units {
            if self.check {
                self.changed |= units.exists(self.task);
            } else {
                self.changed |= units.remove(self.task)?;
            }
        }
        Ok(())
    }

    /// Writes the container's unit if it is missing or differs; `changed` when it was.
    fn install_unit(&mut self) -> Result<(), KdError> {
        if let Some(units) = &self.units {
            if self.check {
                self.changed |= units.changed(self.task);
            } else {
                self.changed |= units.install(self.task)?;
            }
        }
        Ok(())
    }

    /// Stops the container: through its unit when it has one, else through the engine.
    async fn stop_now(&self) -> Result<(), KdError> {
        match &self.units {
            Some(units) if units.exists(self.task) => units.stop(self.task),
            _ => {
                self.engine
                    .stop(self.name(), self.task.graceful_timeout())
                    .await
            }
        }
    }

    /// Starts the container: through its (installed) unit under systemd.
    async fn start_now(&mut self) -> Result<(), KdError> {
        if self.units.is_some() {
            self.install_unit()?;
            if let Some(units) = &self.units {
                return units.start(self.task);
            }
        }
        self.engine.start(self.name()).await
    }

    async fn stop(&mut self, found: &Found) -> Result<(), KdError> {
        if found.running() || found.status() == "paused" {
            if !self.check {
                self.stop_now().await?;
            }
            self.changed = true;
        }
        Ok(())
    }

    async fn stop_container(&mut self) -> Result<(), KdError> {
        match self.container().await? {
            Some(found) => self.stop(&found).await,
            None if self.task.opts.ignore_missing => Ok(()),
            None => Err(KdError::NoContainerToStop(self.name().to_string())),
        }
    }

    async fn stop_and_remove_container(&mut self) -> Result<(), KdError> {
        if let Some(found) = self.container().await? {
            self.stop(&found).await?;
            self.remove_container().await?;
        }
        Ok(())
    }

    async fn restart_container(&mut self) -> Result<(), KdError> {
        if self.container().await?.is_none() {
            return Err(KdError::NoContainer(self.name().to_string()));
        }
        self.changed = true;
        if self.check {
            return Ok(());
        }
        if self.units.is_some() {
            self.install_unit()?;
            if let Some(units) = &self.units {
                return units.restart(self.task);
            }
        }
        self.engine
            .stop(self.name(), self.task.graceful_timeout())
            .await?;
        self.engine.start(self.name()).await
    }

    /// Creates the container if it is missing or must be replaced (`recreate`)
    /// and brings it to the wanted state, as `converge::plan` says.
    async fn converge(
        &mut self,
        want: &Want,
        found: Option<&Found>,
        recreate: bool,
    ) -> Result<(), KdError> {
        let target = Target::from_state(self.task.opts.state.as_str());
        let detach = self.task.opts.detach;
        let name = self.name();
        for step in converge::plan(found.map(Found::status), recreate, target, detach) {
            if !self.check {
                match step {
                    Step::Stop => self.stop_now().await?,
                    Step::Remove => {
                        self.remove_unit()?;
                        self.engine.remove(name).await?
                    }
                    Step::Create => {
                        self.create_container_volumes().await?;
                        self.engine.create(name, want).await?
                    }
                    Step::Start => self.start_now().await?,
                    Step::Pause => self.engine.pause(name).await?,
                    Step::Unpause => self.engine.unpause(name).await?,
                }
            }
            self.changed = true;
        }
        // 22.2 leaves a changed unit of an unchanged container alone (a new
        // restart_policy is then never applied); it is rewritten here.
        self.install_unit()?;
        if !detach {
            self.collect_run().await?;
        }
        Ok(())
    }

    /// Pulls the wanted image when it is not present; its inspect afterwards.
    async fn present_image(&mut self) -> Result<Option<Value>, KdError> {
        let full = parse::image_name(self.image());
        if let Some(image) = self.engine.image(&full).await? {
            return Ok(Some(image));
        }
        self.pull_image().await?;
        self.engine.image(&full).await
    }

    async fn start_container(&mut self) -> Result<(), KdError> {
        let want = Want::new(&self.task.params)?;
        // Reached without an image only from recreate_or_restart_container.
        if want.body.image.is_none() {
            return Err(ArgsError::NeedImage.into());
        }
        let image = self.present_image().await?;
        let found = self.container().await?;
        let recreate = match &found {
            Some(f) => {
                let diffs = self.differences(&want, f, Some(image)).await?;
                let recreate = diffs.iter().any(|d| d.recreate);
                self.record(diffs);
                recreate
            }
            None => {
                self.record(vec![self.absent()]);
                false
            }
        };
        self.converge(&want, found.as_ref(), recreate).await
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
        if self.task.opts.remove_on_exit {
            self.remove_unit()?;
            self.engine.remove(name).await?;
        }
        if rc != 0 {
            return Err(KdError::NonZeroExit { rc, stdout, stderr });
        }
        Ok(())
    }

    async fn recreate_or_restart_container(&mut self) -> Result<(), KdError> {
        let want = Want::new(&self.task.params)?;
        let Some(found) = self.container().await? else {
            return self.start_container().await;
        };
        let strategy = self
            .task
            .opts
            .environment
            .get("KOLLA_CONFIG_STRATEGY")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let diffs = self.differences(&want, &found, None).await?;
        let differs = !diffs.is_empty();
        self.record(diffs);
        if strategy == "COPY_ONCE" || differs {
            if want.body.image.is_none() {
                return Err(ArgsError::NeedImage.into());
            }
            // Pull before stopping: a failed pull must leave the old container running.
            self.present_image().await?;
            self.converge(&want, Some(&found), true).await?;
        } else if strategy == "COPY_ALWAYS" {
            self.restart_container().await?;
        }
        Ok(())
    }
}

/// Whether a `volumes` entry naming `source` mounts it somewhere (`name:/path`),
/// rather than being an anonymous `/path` volume.
fn named_volume_has_target(source: &str, volumes: &Value) -> bool {
    volumes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|v| v.split_once(':').is_some_and(|(s, _)| s == source))
}
