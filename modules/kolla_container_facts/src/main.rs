//! `kolla_container_facts`: facts about containers, as kolla-ansible's roles
//! read them.
//!
//! With `action` (kolla-ansible 22.2): `get_containers` (inspect data keyed
//! by name; running containers, or all with `args.get_all_containers`),
//! `get_containers_names`, `get_containers_state`, `get_containers_env` and
//! `get_volumes`, from Docker or podman (`container_engine`). Without it
//! (kolla-ansible 15.6): each running container's list entry under its name,
//! and the list of them under `_containers`.

mod actions;
mod args;
mod engine_api;
mod error;
mod legacy;

use ansible_module::Module;
use error::FactsError;

fn main() {
    ansible_module::run(args::spec(), |m: &Module| {
        let args: args::Args = m.parse()?;
        let settings = args.connection.settings();
        let rt = docker_client::runtime().map_err(FactsError::Runtime)?;
        let result = rt.block_on(async {
            let client = docker_client::connect(&settings)?;
            match args.action {
                None => legacy::running(&client, &args.name).await,
                Some(action) => {
                    actions::run(&client, action, &args.name, &args.action_args()).await
                }
            }
        });
        result.map_err(Into::into)
    })
}
