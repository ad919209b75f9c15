//! One file per command; [`run`] picks the one asked for.

pub mod add;
pub mod find;
pub mod import;
pub mod input;
pub mod sandbox;
pub mod validate;

use crate::args::Command;
use crate::output::ExitStatus;

/// Runs `command` to its exit status.
pub async fn run(command: Command) -> ExitStatus {
    match command {
        Command::Add(args) => add::add(args).await,
        Command::Validate(args) => validate::validate(args).await,
        Command::Import(args) => import::import(*args).await,
        Command::Find(args) => find::find(args).await,
        Command::Sandbox(args) => sandbox::sandbox(args).await,
        Command::Completions(_) => ExitStatus::Done,
    }
}

/// One worker thread for the client's commands: the core's calls cost
/// less CPU on one thread than spread over several, whose workers hand
/// replies to each other and sleep and wake in turn (`kapture_crm::runtime`
/// says more). Not a single-threaded runtime: the
/// command's own future runs on the calling thread, apart from the worker,
/// and it journals each outcome and fsyncs every 512 rows there; on one
/// thread, a slow disk's fsync would stop every call in flight. The
/// sandbox, a server, gets a worker per core.
pub fn runtime_for(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if !matches!(command, Command::Sandbox(_)) {
        builder.worker_threads(1);
    }
    builder.enable_all().build()
}
