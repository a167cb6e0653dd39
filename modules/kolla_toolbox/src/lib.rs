//! kolla_toolbox: run an Ansible module inside the `kolla_toolbox` container
//! through ansible-runner, as kolla-ansible 22.2.0's module does.

pub mod args;
pub mod engine;
pub mod error;
pub mod events;
pub mod playbook;
pub mod report;
pub mod secrets;
pub mod tar;
pub mod toolbox;
