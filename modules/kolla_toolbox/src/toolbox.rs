//! One task in the toolbox, in 22.2's steps: check the toolbox and its
//! ansible-runner, prepare a private data directory owned by the runner's
//! user, upload the inventory and playbook, run ansible-runner as that user,
//! read how the task ended, and remove the directory whatever happened.

use crate::args::Args;
use crate::engine::{Engine, Exec};
use crate::error::ToolboxError;
use crate::events::{self, Status};
use crate::playbook::{self, BASEDIR, PLAYBOOK, RUNNER};
use crate::tar;
use ansible_module::{Map, Value};
use std::time::Duration;

/// How the inner task ended: its status and the module's result.
pub struct Ran {
    /// The terminal event.
    pub status: Status,
    /// The inner module's result.
    pub result: Map<String, Value>,
}

/// Exit codes of the setup script, one per thing that can be wrong.
const NO_RUNNER: i64 = 100;

/// Run as root: checks ansible-runner, then makes `$1` and `$1/tmp`, private
/// to user `$2` (0700: the playbook inside holds the task's secrets).
/// Arguments are positional, so no value is ever parsed by the shell.
const SETUP: &str = r#"[ -x "$3" ] || exit 100
mkdir -p -m 0700 "$1" "$1/tmp" || exit 101
[ "$2" = root ] || chown "$2:" "$1" "$1/tmp" || exit 102"#;

/// Runs the task described by `args` in the running kolla_toolbox container.
pub async fn run(
    engine: &Engine,
    args: &Args,
    check: bool,
    diff: bool,
) -> Result<Ran, ToolboxError> {
    let id = engine.running_toolbox().await?;
    let idle = Duration::from_secs(args.timeout_secs());
    let user = args.exec_user();
    let pdd = playbook::new_pdd();
    let setup = engine
        .exec(
            &id,
            &["sh", "-c", SETUP, "sh", &pdd, user, RUNNER],
            "root",
            Vec::new(),
            idle,
        )
        .await?;
    match setup.code {
        0 => {}
        NO_RUNNER => return Err(ToolboxError::NoRunner),
        code => {
            // Whatever was made before the failure goes too.
            let _ = cleanup(engine, &id, &pdd, idle).await;
            return Err(ToolboxError::Setup {
                pdd,
                code,
                output: setup.output(),
            });
        }
    }
    let outcome = upload_and_run(engine, &id, &pdd, args, check, diff, idle).await;
    // 22.2 removes the directory in a `finally`; a failed removal must not hide the task's outcome.
    let _ = cleanup(engine, &id, &pdd, idle).await;
    let runner = outcome?;
    // 0: the task ran; 2: it failed or was unreachable, which the events say.
    if runner.code != 0 && runner.code != 2 {
        return Err(ToolboxError::Runner {
            code: runner.code,
            output: runner_text(&runner),
        });
    }
    let parsed = events::parse(&runner.stdout);
    let (status, result) = events::outcome(&parsed).map_err(|why| {
        let detail = if parsed.is_empty() {
            runner.output()
        } else {
            String::new()
        };
        ToolboxError::Events(if detail.is_empty() {
            why
        } else {
            format!("{why}: {detail}")
        })
    })?;
    Ok(Ran { status, result })
}

async fn upload_and_run(
    engine: &Engine,
    id: &str,
    pdd: &str,
    args: &Args,
    check: bool,
    diff: bool,
    idle: Duration,
) -> Result<Exec, ToolboxError> {
    let book = playbook::playbook(
        &args.module_name,
        args.inner_args(),
        args.extra_vars(),
        check,
    );
    let hosts = playbook::inventory(pdd);
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let data = tar::archive(
        &[
            ("inventory/hosts", hosts.as_bytes()),
            (&format!("project/{PLAYBOOK}"), book.as_bytes()),
        ],
        mtime,
    )
    .map_err(ToolboxError::Args)?;
    engine.put_archive(id, pdd, data).await?;

    let user = args.exec_user();
    let mut env = Vec::new();
    if user == crate::args::DEFAULT_USER {
        env.push(format!("HOME={BASEDIR}"));
    }
    if diff {
        env.push("ANSIBLE_DIFF_MODE=1".to_string());
    }
    let cmd = [
        RUNNER,
        "run",
        pdd,
        "--playbook",
        PLAYBOOK,
        "--rotate-artifacts",
        "1",
        "--json",
    ];
    engine.exec(id, &cmd, user, env, idle).await
}

async fn cleanup(
    engine: &Engine,
    id: &str,
    pdd: &str,
    idle: Duration,
) -> Result<Exec, ToolboxError> {
    engine
        .exec(id, &["rm", "-rf", "--", pdd], "root", Vec::new(), idle)
        .await
}

/// What a crashed runner said: its events' text when it printed events, else its raw output.
fn runner_text(runner: &Exec) -> String {
    let text = events::text(&events::parse(&runner.stdout));
    if text.is_empty() {
        runner.output()
    } else if runner.stderr.trim().is_empty() {
        text
    } else {
        format!("{text}\n{}", runner.stderr.trim_end())
    }
}
