//! `kolla_set_configs`: the first step of every Kolla container.
//!
//! Without arguments it installs the files that config.json lists from the
//! read-only config mount into place, with their owners and modes, applies the
//! `permissions` entries and leaves the command line in /run_command for the
//! start wrapper. KOLLA_CONFIG_STRATEGY=COPY_ALWAYS does this on every start;
//! COPY_ONCE only on the container's first start (marked by /configured), so a
//! config change needs a new container.
//!
//! With `--check` it changes nothing and answers through its exit code, which
//! kolla_docker reads: 0 unchanged, 1 changed, 2 error.

mod check;
mod config;
mod error;
mod install;
mod paths;

use error::Error;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEFAULT_CONFIG: &str = "/var/lib/kolla/config_files/config.json";
const RUN_COMMAND: &str = "/run_command";
const CONFIGURED: &str = "/configured";
const USAGE: &str = "usage: kolla_set_configs [--check]\n\
    Installs the files listed in $KOLLA_CONFIG_FILE (default /var/lib/kolla/config_files/config.json)\n\
    following $KOLLA_CONFIG_STRATEGY (COPY_ALWAYS or COPY_ONCE).\n\
    --check  change nothing; exit 0 if the installed files are current, 1 if not, 2 on error";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config_path = std::env::var_os("KOLLA_CONFIG_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG));
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => configure(&config_path).map(|()| ExitCode::SUCCESS),
        ["--check"] => check(&config_path),
        ["--help"] | ["-h"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("kolla_set_configs: ERROR: {e}");
        ExitCode::from(2)
    })
}

fn configure(config_path: &Path) -> Result<(), Error> {
    let strategy = std::env::var("KOLLA_CONFIG_STRATEGY").unwrap_or_default();
    match strategy.as_str() {
        "COPY_ALWAYS" => {}
        "COPY_ONCE" if Path::new(CONFIGURED).exists() => {
            eprintln!(
                "kolla_set_configs: COPY_ONCE and already configured, files left as they are"
            );
            return Ok(());
        }
        "COPY_ONCE" => {}
        other => return Err(Error::Strategy(other.to_string())),
    }
    let config = config::load(config_path)?;
    for file in &config.config_files {
        install::install(file)?;
    }
    for perm in &config.permissions {
        install::permissions(perm)?;
    }
    hostfs::write(
        Path::new(RUN_COMMAND),
        config.command.as_bytes(),
        &hostfs::Attrs {
            mode: Some(0o644),
            uid: None,
            gid: None,
        },
    )?;
    if strategy == "COPY_ONCE" {
        std::fs::write(CONFIGURED, b"")
            .map_err(error::io("cannot create", Path::new(CONFIGURED)))?;
    }
    Ok(())
}

fn check(config_path: &Path) -> Result<ExitCode, Error> {
    let config = config::load(config_path)?;
    let stale = check::stale(&config, Path::new(RUN_COMMAND))?;
    if stale.is_empty() {
        println!("kolla_set_configs --check: configuration is current");
        return Ok(ExitCode::SUCCESS);
    }
    println!("kolla_set_configs --check: changed: {}", stale.join(", "));
    Ok(ExitCode::from(1))
}
