//! `kapture import FILE`: the command around the import engine
//! (`crate::import`): options from the flags, the client, Ctrl-C, the
//! summary and the exit status.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kapture_crm::bulk::BulkOptions;
use kapture_crm::settings;

use crate::args::ImportArgs;
use crate::commands::input::{country_code, input};
use crate::import;
use crate::output::{ExitStatus, Output, fail, fail_as, print_json};
use crate::problem::Problem;
use crate::target::client;

/// `--concurrency`, `--rate` and its scope, checked by the core under the
/// flags' names.
fn bulk_options(args: &ImportArgs) -> Result<BulkOptions, Problem> {
    // The message without the class of the error: a usage error says only
    // what is wrong with the flag.
    let usage = |e: kapture_crm::Error| Problem::usage(e.detail().unwrap_or_default());
    let mut options = BulkOptions::new(None, false, None).map_err(usage)?;
    options.concurrency =
        settings::concurrency_named("--concurrency", args.concurrency).map_err(usage)?;
    options.rate = args
        .rate
        .map(|rate| settings::rate_named("--rate", rate))
        .transpose()
        .map_err(usage)?;
    options.upsert = args
        .upsert
        .as_deref()
        .map(|key| kapture_crm::MatchOn::parse("--upsert", key))
        .transpose()
        .map_err(usage)?;
    let limiter = args.rate_limiter.clone().or_else(|| limiter_from_env(args));
    options = options
        .with_shared_rate(
            args.rate_scope.as_deref(),
            limiter.as_deref(),
            ("--rate-scope", "--rate-limiter", "--rate"),
        )
        .map_err(usage)?;
    Ok(options)
}

/// Where `--rate` is shared when the command line names no limiter: the
/// URL in `KAPTURE_RATE_LIMITER` (kept off the command line, which other
/// users see in `ps`, since it may hold the Redis password). Only for a run
/// with `--rate` and no `--rate-scope` (`--rate-scope process` keeps the
/// rate to this run).
fn limiter_from_env(args: &ImportArgs) -> Option<String> {
    if args.rate.is_none() || args.rate_scope.is_some() {
        return None;
    }
    std::env::var(ENV_RATE_LIMITER)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// The environment variable of [`limiter_from_env`].
const ENV_RATE_LIMITER: &str = "KAPTURE_RATE_LIMITER";

pub async fn import(args: ImportArgs) -> ExitStatus {
    let output = args.output.output;
    let options = match input(&args.file).and_then(|(format, dialect, rows)| {
        Ok(import::Options {
            input: args.file.file.clone(),
            format,
            dialect,
            rows,
            country_code: country_code(&args.country_code)?,
            bulk: bulk_options(&args)?,
            dry_run: args.dry_run,
            resume: !args.no_resume,
            retry_unknown: args.retry_unknown,
            reconcile: args.reconcile,
            allow_duplicates: args.allow_duplicates,
            progress_every: 2.0,
            journal: args.target.sandbox.then(|| {
                std::env::temp_dir().join(format!(
                    "kapture-sandbox-{}-{:016x}.kapture-journal",
                    std::process::id(),
                    fastrand::u64(..)
                ))
            }),
            crm: None,
            source: None,
        })
    }) {
        Ok(options) => options,
        Err(e) => return fail_as(output, &e),
    };
    let mut options = options;
    let (client, _sandbox) = if args.dry_run {
        // No sending; with credentials, the CRM's journal says what would
        // be skipped.
        if !args.target.sandbox
            && let Ok((client, _)) = client(&args.target)
        {
            options.crm = Some(client.config().clone());
        }
        (None, None)
    } else {
        match client(&args.target) {
            Ok((client, sandbox)) => {
                options.crm = Some(client.config().clone());
                (Some(client), sandbox)
            }
            Err(e) => return fail_as(output, &e),
        }
    };
    // Ctrl-C: stop taking rows, finish what is in flight, journal, summarise.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "kapture: interrupted; finishing the requests in flight (Ctrl-C again to quit now)"
            );
            flag.store(true, Ordering::SeqCst);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let temporary_journal = options.journal.clone();
    let result = import::run(client, options, stop).await;
    if let Some(path) = temporary_journal {
        let _ = std::fs::remove_file(path);
    }
    match result {
        Ok(summary) => {
            match output {
                Output::Text => {
                    let _ = summary.print(&mut std::io::stdout());
                }
                Output::Json => print_json(&summary.to_json()),
            }
            if summary.journal_failed {
                let why = summary.stopped.as_deref().unwrap_or_default();
                eprintln!("kapture: {why}");
                return ExitStatus::JournalUnwritable;
            }
            if let Some(why) = &summary.stopped {
                // An authentication failure stopped sending (or the engine
                // failed): the rows not sent are journaled, a resume sends them.
                return fail(why);
            }
            if summary.interrupted {
                ExitStatus::Interrupted
            } else if summary.failed_total() > 0 || !summary.unknown.is_empty() {
                ExitStatus::Failed
            } else {
                ExitStatus::Done
            }
        }
        Err(e) => fail_as(output, &e),
    }
}
