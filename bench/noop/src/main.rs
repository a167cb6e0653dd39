//! A binary module that validates no arguments and changes nothing: what
//! any binary module costs per task before it does its own work.

use ansible_module::{ArgSpec, Response};

fn main() {
    ansible_module::run(ArgSpec::new("noop"), |_| Ok(Response::new(false)))
}
