//! `kolla_docker`: kolla-ansible's container module. It starts, compares,
//! recreates, restarts, stops and removes containers, pulls and removes
//! images, and creates and removes volumes, through the Docker API. Options
//! and results follow kolla-ansible 15.6.0's module; beyond it, it supports
//! check and diff mode, names what differs, and speaks TLS to remote daemons.

use kolla_docker::{actions, args, report, Profile};

fn main() {
    let profile = Profile::KollaDocker;
    ansible_module::run(args::spec(profile), |module| {
        let task = args::Task::parse(profile, module)?;
        let outcome = actions::execute(&task, module.check_mode());
        report::respond(&task, outcome)
    })
}
