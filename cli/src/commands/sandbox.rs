//! `kapture sandbox`: the local Kapture-compatible server, in the foreground.

use kapture_crm_sandbox::{Duplicates, Faults, Sandbox, SandboxConfig};

use crate::args::SandboxArgs;
use crate::output::{ExitStatus, fail};

pub async fn sandbox(args: SandboxArgs) -> ExitStatus {
    let faults = match args.faults.as_deref().map(str::parse::<Faults>).transpose() {
        Ok(faults) => faults.unwrap_or_default(),
        Err(e) => return fail(&format!("--faults: {e}")),
    };
    let duplicates = match args.duplicates.as_deref().map(str::parse::<Duplicates>) {
        None => Duplicates::default(),
        Some(Ok(duplicates)) => duplicates,
        Some(Err(e)) => return fail(&format!("--duplicates: {e}")),
    };
    let sandbox = match Sandbox::start(SandboxConfig {
        port: args.port,
        token: args.token,
        faults,
        no_merge: args.no_merge,
        duplicates,
        ..SandboxConfig::default()
    })
    .await
    {
        Ok(sandbox) => sandbox,
        Err(e) => return fail(&format!("cannot start the sandbox: {e}")),
    };
    println!("{}", sandbox.export_line());
    let _ = tokio::signal::ctrl_c().await;
    ExitStatus::Done
}
