//! `kapture`: add one customer, validate or import a file of them, or run the
//! sandbox. Credentials come from flags or KAPTURE_TOKEN and
//! KAPTURE_SUBDOMAIN / KAPTURE_BASE_URL; `--sandbox` works against an
//! in-process sandbox instead (nothing leaves the machine). Exit statuses:
//! `kapture_crm_cli::output::ExitStatus`.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use kapture_crm_cli::args::{Cli, Command};
use kapture_crm_cli::commands;
use kapture_crm_cli::output::{ExitStatus, fail};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions(args) = &cli.command {
        clap_complete::generate(
            args.shell,
            &mut Cli::command(),
            "kapture",
            &mut std::io::stdout(),
        );
        return ExitStatus::Done.into();
    }
    if let Err(e) = kapture_crm_cli::logging::install(cli.verbose, cli.log_file.as_deref()) {
        return fail(&e).into();
    }
    let runtime = match commands::runtime_for(&cli.command) {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")).into(),
    };
    runtime.block_on(commands::run(cli.command)).into()
}
