//! `kolla_toolbox`: run an Ansible module (mysql_db, openstack.cloud.*, uri,
//! rabbitmq_user...) inside the running `kolla_toolbox` container, through
//! ansible-runner as the toolbox's user, and return that module's result as
//! ours. The task's arguments reach the container only as an uploaded file;
//! check and diff mode pass through; the inner task's secrets never appear
//! in our result or our failure messages.

use docker_client::Options;
use kolla_toolbox::{
    args::{self, Args},
    engine::Engine,
    error::ToolboxError,
    report,
    secrets::Secrets,
    toolbox,
};

fn main() {
    ansible_module::run(args::spec(), |module| {
        let args =
            Args::from_module(module).map_err(|e| ansible_module::Failure::new(e.to_string()))?;
        module
            .hide_values(Secrets::collect([&args.inner_args(), &args.extra_vars()]).into_values());
        let outcome = run(&args, module.check_mode(), module.diff_mode());
        report::report(outcome)
    })
}

/// Connects to the engine and runs the task.
fn run(args: &Args, check: bool, diff: bool) -> Result<toolbox::Ran, ToolboxError> {
    let options = Options {
        api_version: args.api_version.clone(),
        client_timeout: Some(args.timeout_secs()),
        container_engine: Some(args.container_engine),
        ..Default::default()
    };
    let engine = Engine {
        client: docker_client::connect(&options.settings())?,
    };
    let rt = docker_client::runtime().map_err(ToolboxError::Runtime)?;
    rt.block_on(toolbox::run(&engine, args, check, diff))
}
