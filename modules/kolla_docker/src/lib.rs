//! kolla-ansible's container module as a library: the option table
//! (`fields`, with podman's own create request in `libpod`), the actions (`action`, handled in `actions`), the pure state
//! convergence (`converge`) and the result (`report`). The `kolla_docker`
//! binary is this library with the 15.6 profile; `kolla_container` (22.2) is
//! the same library with its own profile (`src/bin/kolla_container.rs`); who
//! keeps a container running is `supervisor`'s business.

pub mod action;
pub mod actions;
pub mod args;
pub mod converge;
mod docker;
pub mod error;
pub mod failure;
pub mod fields;
mod libpod;
mod parse;
mod podman;
pub mod report;
pub mod supervisor;

pub use fields::Profile;
