//! `kolla_set_configs`: the first step of every Kolla container.
//!
//! Without arguments it installs the files that config.json lists from the
//! read-only config mount into place, with their owners and modes, creates
//! `directories`, applies `permissions` and leaves the command line in
//! /run_command for the start wrapper. It keeps the image's own copy of each
//! file it replaces in /etc/kolla/defaults, so that an entry later removed
//! from config.json gets the image's file back. KOLLA_CONFIG_STRATEGY=COPY_ALWAYS
//! does this on every start; COPY_ONCE only on the container's first start
//! (marked by /configured), so a config change needs a new container.
//!
//! With `--check` it changes nothing and answers through its exit code, which
//! kolla_docker reads: 0 unchanged, 1 changed (config.json asking for
//! something the container lacks counts as changed, as in Kolla), 2 error.

use kolla_set_configs::{config, Layout, Started, Strategy, CONFIG_JSON};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: kolla_set_configs [--check]\n\
    Installs the files listed in $KOLLA_CONFIG_FILE (default /var/lib/kolla/config_files/config.json)\n\
    following $KOLLA_CONFIG_STRATEGY (COPY_ALWAYS or COPY_ONCE).\n\
    --check  change nothing; exit 0 if the installed files are current, 1 if not, 2 on error";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Kolla 2026.1 reads only the fixed path; the override serves images and tests that mount elsewhere.
    let config_path = std::env::var_os("KOLLA_CONFIG_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CONFIG_JSON));
    let layout = Layout::default();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => start(&config_path, &layout),
        ["--check"] => check(&config_path, &layout),
        ["--help"] | ["-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn start(config_path: &std::path::Path, layout: &Layout) -> ExitCode {
    let strategy = std::env::var("KOLLA_CONFIG_STRATEGY").unwrap_or_default();
    let outcome = config::load(config_path).and_then(|config| {
        let strategy = Strategy::parse(&strategy)?;
        kolla_set_configs::configure(&config, strategy, layout)
    });
    match outcome {
        Ok(Started::Configured) => ExitCode::SUCCESS,
        Ok(Started::AlreadyConfigured) => {
            eprintln!(
                "kolla_set_configs: COPY_ONCE and already configured: \
                 the config strategy prevents copying new configs"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("kolla_set_configs: ERROR: {e}");
            ExitCode::from(2)
        }
    }
}

fn check(config_path: &std::path::Path, layout: &Layout) -> ExitCode {
    let outcome =
        config::load(config_path).and_then(|config| kolla_set_configs::check(&config, layout));
    match outcome {
        Ok(stale) if stale.is_empty() => {
            println!("kolla_set_configs --check: configuration is current");
            ExitCode::SUCCESS
        }
        Ok(stale) => {
            println!("kolla_set_configs --check: changed: {}", stale.join(", "));
            ExitCode::from(1)
        }
        Err(e) if e.is_config() => {
            println!("kolla_set_configs --check: changed: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("kolla_set_configs --check: ERROR: {e}");
            ExitCode::from(2)
        }
    }
}
