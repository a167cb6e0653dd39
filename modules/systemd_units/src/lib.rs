//! kolla_container's systemd units, as kolla-ansible 22.2.0 manages them: every
//! container that is not a one-shot gets `kolla-<name>-container.service` in
//! /etc/systemd/system (22.2's text byte for byte, [`render`]), written atomically
//! when it changed, then systemd reloads and enables it; starts, stops and
//! restarts go through systemd and wait for the unit's state.
//!
//! Where 22.2 differs, on purpose:
//! - it polls ListUnits every 5 s, so every start, stop or restart costs at least
//!   5 s; here the wait follows systemd's job (systemctl waits for its JobRemoved)
//!   and then the unit's state every 20 ms, so a start costs what the engine needs;
//! - a unit it has just installed and enabled is not yet wanted by
//!   multi-user.target (it enables after its reload), so once stopped systemd
//!   unloads it, ListUnits stops listing it and 22.2 waits out the whole
//!   `client_timeout` (120 s by default) in every first recreate; `systemctl show`
//!   loads the unit it asks about, so here the stop ends when the unit is inactive;
//! - it swallows every D-Bus error and a wait that timed out on stop; here each is
//!   an [`Error`] naming the unit, the state reached and the seconds waited.
//!
//! # systemctl rather than D-Bus from Rust
//!
//! Measured on this project's size-tuned profile (opt-level z, LTO, static, stripped),
//! three probes that start, stop or restart a unit and wait for its state
//! (same JSON output, same glibc):
//!
//! | probe | binary | added |
//! |---|---|---|
//! | baseline (arguments, serde_json) | 1 147 008 B | |
//! | `systemctl` + `systemctl show` polls | 1 202 048 B | +54 KiB |
//! | zbus 5.19 blocking API (async-io), Subscribe + JobRemoved | 2 275 320 B | +1.08 MiB |
//!
//! Wall time in the systemd test node (tests/env/nodes), unit of 22.2's text over
//! the kolla-test/service image, three rounds each, medians (ms) on the shared
//! 2-core machine under load:
//!
//! | | start | restart | stop |
//! |---|---|---|---|
//! | systemctl | 161 | 2291 | 2640 |
//! | zbus | 239 | 2939 | 2142 |
//!
//! The engine's own start and stop dominate; the two are within each other's noise.
//! zbus would add a megabyte to a binary copied to every host on every task for no
//! time gained, so systemd is driven through `systemctl`, which every host that
//! has systemd as init has (`connect` says so when it is missing). systemctl also
//! words its failures for operators ("Job for ... failed because ... See
//! systemctl status ..."), which the errors here pass on.

mod error;
mod systemctl;
mod unit;

pub use error::Error;
pub use systemctl::{available, Systemd};
pub use unit::{render, service_name, UnitSpec};
