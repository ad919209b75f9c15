//! `kapture-crm-sandbox [--port N] [--token T] [--faults SPEC]`: runs the
//! sandbox in the foreground and prints one line that scripts in any language
//! can read:
//!
//! ```text
//! export KAPTURE_BASE_URL=http://127.0.0.1:8080 KAPTURE_TOKEN=sandbox-...
//! ```

use std::process::ExitCode;

use kapture_crm_sandbox::{Duplicates, Faults, Sandbox, SandboxConfig};

const USAGE: &str = "usage: kapture-crm-sandbox [--port N] [--token T] [--faults SPEC]
                           [--no-merge | --duplicates merge|separate|refuse]

  --port N       port on 127.0.0.1 (default 0: a free one)
  --token T      the token clients must send (default: a random one)
  --faults SPEC  e.g. rate_limit=0.1,unavailable=0.1,drop_after=0.02,seed=7,latency_ms=5
                 (also server_error, drop_before, malformed, html, retry_after=N|none)
  --no-merge     every add makes a new customer (a double send shows as two)
  --duplicates M merge (default: an add with a known phone or email updates that
                 customer), separate (as --no-merge), or refuse (answers
                 Lead already exists, Customer ID :N, ... and stores nothing)

Prints `export KAPTURE_BASE_URL=... KAPTURE_TOKEN=...` on one line, then serves until
interrupted. GET /sandbox/customers lists what was stored.";

fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1)) {
        Ok(Some(config)) => config,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("kapture-crm-sandbox: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("kapture-crm-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let sandbox = match Sandbox::start(config).await {
            Ok(sandbox) => sandbox,
            Err(e) => {
                eprintln!("kapture-crm-sandbox: cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        // `export`: `eval` hands the variables to the shell's children too.
        println!(
            "export KAPTURE_BASE_URL={} KAPTURE_TOKEN={}",
            sandbox.url(),
            sandbox.token()
        );
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<SandboxConfig>, String> {
    let mut config = SandboxConfig::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value()?;
                config.port = v
                    .parse()
                    .map_err(|_| format!("--port: expected a port number, got {v:?}"))?;
            }
            "--token" => config.token = Some(value()?),
            "--faults" => {
                config.faults = value()?
                    .parse::<Faults>()
                    .map_err(|e| format!("--faults: {e}"))?;
            }
            "--no-merge" => config.no_merge = true,
            "--duplicates" => {
                config.duplicates = value()?
                    .parse::<Duplicates>()
                    .map_err(|e| format!("--duplicates: {e}"))?;
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(config))
}
