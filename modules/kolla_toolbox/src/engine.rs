//! The engine requests kolla_toolbox makes: find the running toolbox, run a
//! command in it, upload an archive into it.

use crate::error::{Context, ToolboxError};
use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::query_parameters as q;
use docker_client::Client;
use futures_util::StreamExt;
use std::time::Duration;

/// The container 22.2 runs modules in.
pub const CONTAINER: &str = "kolla_toolbox";

/// What a command in the toolbox printed and how it exited.
#[derive(Debug)]
pub struct Exec {
    /// Its exit code (-1 when the engine does not say).
    pub code: i64,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Exec {
    /// stdout and stderr together, for messages.
    pub fn output(&self) -> String {
        let mut all = self.stdout.trim_end().to_string();
        if !self.stderr.trim().is_empty() {
            if !all.is_empty() {
                all.push('\n');
            }
            all.push_str(self.stderr.trim_end());
        }
        all
    }
}

/// The engine, as kolla_toolbox uses it.
pub struct Engine {
    /// The connection.
    pub client: Client,
}

impl Engine {
    /// The toolbox container's id, if it exists and runs.
    pub async fn running_toolbox(&self) -> Result<String, ToolboxError> {
        let r = self
            .client
            .call(|d| async move {
                d.inspect_container(CONTAINER, None::<q::InspectContainerOptions>)
                    .await
            })
            .await;
        let info = match r {
            Ok(info) => info,
            Err(e) if e.is_not_found() => {
                return Err(ToolboxError::NoToolbox(format!(
                    "no container named {CONTAINER} on {}",
                    self.client.host
                )))
            }
            Err(e) => return Err(e).ctx(|| format!("cannot inspect the {CONTAINER} container")),
        };
        let state = info.state.as_ref();
        let running = state.and_then(|s| s.running).unwrap_or(false);
        // The engine also resolves id prefixes; only the exact name counts.
        let named = info.name.as_deref() == Some(&format!("/{CONTAINER}"));
        if !named {
            return Err(ToolboxError::NoToolbox(format!(
                "no container named {CONTAINER} on {}",
                self.client.host
            )));
        }
        if !running {
            let status = state
                .and_then(|s| s.status)
                .map(|s| s.to_string())
                .unwrap_or_else(|| "unknown".into());
            return Err(ToolboxError::NoToolbox(format!("its state is {status}")));
        }
        info.id
            .ok_or_else(|| ToolboxError::NoToolbox("the engine gave no container id".into()))
    }

    /// Runs `cmd` in the container as `user` with `env` (`NAME=value`),
    /// failing when it prints nothing for `idle` (the engine's own request
    /// timeout does not cover an attached stream).
    pub async fn exec(
        &self,
        id: &str,
        cmd: &[&str],
        user: &str,
        env: Vec<String>,
        idle: Duration,
    ) -> Result<Exec, ToolboxError> {
        let what = || format!("cannot run {} in {CONTAINER}", cmd[0]);
        let opts = CreateExecOptions {
            cmd: Some(cmd.iter().map(|s| s.to_string()).collect()),
            user: Some(user.to_string()),
            env: Some(env),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            ..Default::default()
        };
        let job = self
            .client
            .call(|d| async move { d.create_exec(id, opts).await })
            .await
            .ctx(what)?;
        let exec_id = job.id.as_str();
        let started = self
            .client
            .call(|d| async move { d.start_exec(exec_id, None).await })
            .await
            .ctx(what)?;
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        if let StartExecResults::Attached { mut output, .. } = started {
            loop {
                let next = tokio::time::timeout(idle, output.next())
                    .await
                    .map_err(|_| ToolboxError::Silent(idle.as_secs()))?;
                let Some(chunk) = next else { break };
                match chunk.map_err(|e| self.client.error(e)).ctx(what)? {
                    bollard::container::LogOutput::StdErr { message } => {
                        stderr.extend_from_slice(&message)
                    }
                    other => stdout.extend_from_slice(&other.into_bytes()),
                }
            }
        }
        let inspect = self
            .client
            .call(|d| async move { d.inspect_exec(exec_id).await })
            .await
            .ctx(what)?;
        Ok(Exec {
            code: inspect.exit_code.unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    /// Unpacks the tar archive `data` into `dir` of the container.
    pub async fn put_archive(
        &self,
        id: &str,
        dir: &str,
        data: Vec<u8>,
    ) -> Result<(), ToolboxError> {
        let opts = q::UploadToContainerOptions {
            path: dir.to_string(),
            ..Default::default()
        };
        self.client
            .call(|d| async move {
                d.upload_to_container(id, Some(opts), bollard::body_full(bytes::Bytes::from(data)))
                    .await
            })
            .await
            .ctx(|| format!("cannot upload the playbook into {CONTAINER}:{dir}"))
    }
}
