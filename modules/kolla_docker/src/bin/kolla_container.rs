//! `kolla_container`: kolla-ansible 22.2's container module, the successor of
//! kolla_docker. The same library under the 22.2 profile: `container_engine`
//! (docker, or podman: created through its libpod API as 22.2 creates them,
//! read and driven through its Docker-compatible API), `restart_policy:
//! oneshot`, `comparison_failures`, volumes labelled `kolla_managed`.

use kolla_docker::{actions, args, report, Profile};

fn main() {
    let profile = Profile::KollaContainer;
    ansible_module::run(args::spec(profile), |module| {
        let task = args::Task::parse(profile, module)?;
        let outcome = actions::execute(&task, module.check_mode());
        report::respond(&task, outcome)
    })
}
