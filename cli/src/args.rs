//! The command line as clap reads it: every command's arguments, with the
//! help text and exit codes `--help` prints.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use kapture_crm::settings::{CLI_CONCURRENCY, CLI_MAX_RETRIES};

use crate::output::Output;
use crate::rows::Format;

/// `--format`: how the CLI names the core's [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Jsonl,
    /// .xlsx, .xlsm, .xls or .ods.
    Workbook,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Csv => Format::Csv,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Workbook => Format::Workbook,
        }
    }
}

/// Printed at the end of every `--help`.
pub const AFTER_HELP: &str = "\
Environment:
  KAPTURE_TOKEN         API token (or KAPTURE_USERNAME with KAPTURE_PASSWORD)
  KAPTURE_SUBDOMAIN     your Kapture subdomain (acme -> https://acme.kapturecrm.com)
  KAPTURE_BASE_URL      a base URL instead of a subdomain
  KAPTURE_LOG           off, error, warn, info or debug (-v and -vv win over it)

Exit codes:
  0    done: every row added (or found, or valid)
  1    some rows failed or are unknown; find: no such customer; add: the call failed
  2    usage or setup error, another import holds the file, or an
       authentication failure stopped the import
  3    import: the journal could not be written (a full disk); the summary
       is printed, and a run with space to spare resumes
  130  interrupted (Ctrl-C)";

#[derive(Parser)]
#[command(
    name = "kapture",
    version,
    about = "Push customers into Kapture CRM",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log what the client does on stderr: -v retries and slow-downs, -vv
    /// every attempt (phones and emails masked, never the token).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Append log lines to this file instead of stderr (at info without -v).
    #[arg(long, value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,
}

#[derive(Args)]
pub struct OutputArgs {
    /// text for people, or json: one document on stdout for scripts (keys
    /// in the README).
    #[arg(long, value_enum, default_value_t = Output::Text, value_name = "FORMAT")]
    pub output: Output,
}

#[derive(Subcommand)]
pub enum Command {
    /// Add one customer and print the reply as JSON.
    #[command(after_help = AFTER_HELP)]
    Add(AddArgs),
    /// Check every row of a file without sending anything.
    #[command(after_help = AFTER_HELP)]
    Validate(ValidateArgs),
    /// Add every row of a CSV or JSON-lines file; resumable.
    #[command(after_help = AFTER_HELP)]
    Import(Box<ImportArgs>),
    /// Look a customer up (Get Customer) and print it as JSON; exit 0 found,
    /// 1 not found, 2 error.
    #[command(after_help = AFTER_HELP)]
    Find(FindArgs),
    /// Run the local Kapture-compatible sandbox in the foreground.
    #[command(after_help = AFTER_HELP)]
    Sandbox(SandboxArgs),
    /// Print a shell completion script: kapture completions bash >
    /// /etc/bash_completion.d/kapture
    Completions(CompletionsArgs),
}

#[derive(Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args)]
pub struct TargetArgs {
    /// API token (default: KAPTURE_TOKEN). Other users can read a process's
    /// flags: prefer KAPTURE_TOKEN or --token-file.
    #[arg(long, conflicts_with = "token_file")]
    pub token: Option<String>,
    /// Read the API token from a file (`-` for standard input); surrounding
    /// whitespace and the final newline are ignored.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Kapture user name, with --password-file, instead of a token
    /// (default: KAPTURE_USERNAME).
    #[arg(long, conflicts_with_all = ["token", "token_file"])]
    pub username: Option<String>,
    /// Read the password for --username from a file (`-` for standard
    /// input; default: KAPTURE_PASSWORD). There is no --password flag:
    /// other users can read a process's flags.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["token", "token_file"])]
    pub password_file: Option<PathBuf>,
    /// An extra header on every request, 'Name: value' (repeatable), e.g.
    /// --header 'x-api-key: ...'; Authorization cannot be set this way.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Your Kapture subdomain (default: KAPTURE_SUBDOMAIN).
    #[arg(long, conflicts_with = "base_url")]
    pub subdomain: Option<String>,
    /// Base URL instead of a subdomain (default: KAPTURE_BASE_URL).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Work against a sandbox started in this process.
    #[arg(long, conflicts_with_all = ["token", "token_file", "username", "password_file", "subdomain", "base_url"])]
    pub sandbox: bool,
    /// Retries of what cannot have reached Kapture (0 to 100).
    #[arg(long, default_value_t = CLI_MAX_RETRIES as f64)]
    pub max_retries: f64,
    /// Seconds one attempt may take (default 30); --reconcile waits this
    /// long after the last send before looking rows up.
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
}

#[derive(Args)]
pub struct AddArgs {
    /// The customer's name (customer_info.customer_name).
    #[arg(long)]
    pub name: Option<String>,
    /// The customer's phone (customer_info.phone); name plus phone or email
    /// is required.
    #[arg(long)]
    pub phone: Option<String>,
    /// The customer's email (customer_info.email_id).
    #[arg(long)]
    pub email: Option<String>,
    /// A request in the vendor's JSON shape, from a file or `-` for
    /// standard input (--name, --phone and --email override its fields).
    #[arg(long, alias = "json", value_name = "FILE")]
    pub request: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct FileArgs {
    /// A workbook (.xlsx, .xlsm, .xls, .ods), a CSV (any delimiter, UTF-8
    /// or UTF-16 with a BOM, Excel's exports) or a JSON-lines file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// csv, jsonl or workbook (default: from the extension; a workbook is
    /// always read as one, whatever its name).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// A workbook's sheet: its name, or its position from 1 (default: the
    /// first).
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,
    /// A workbook's header row, as the sheet numbers it (default: the first
    /// row naming at least two known columns; title rows above are skipped).
    #[arg(long, value_name = "N")]
    pub header_row: Option<u64>,
    /// A column that is not data, skipped (repeatable). Serial-number
    /// columns (Sr No, S.No, #) are skipped without it.
    #[arg(long = "ignore", value_name = "HEADER")]
    pub ignores: Vec<String>,
    /// Rename a column: --map 'Mobile No=phone' (repeatable). Headers
    /// already match fields ignoring case, spaces, underscores and hyphens,
    /// and a few aliases (Mobile No, E-mail, Date of Birth...).
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub maps: Vec<String>,
    /// Layout of the dob and next_follow_up_date cells, e.g. %d/%m/%Y
    /// (default: the vendor's YYYY-MM-DD, sent as it is); a date-time
    /// cell may add HH:MM[:SS] (24 h or AM/PM). Repeatable: each column
    /// keeps the first format that reads it; `dob=%d/%m/%Y` gives one
    /// field its own.
    #[arg(long = "date-format", value_name = "[FIELD=]FORMAT")]
    pub date_formats: Vec<String>,
    /// CSV delimiter: , ; | or tab (default: told from the header row).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Encoding of a file that is not UTF-8 and has no byte-order mark,
    /// e.g. latin1 or windows-1252 (default: UTF-8; a BOM is always obeyed).
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,
}

#[derive(Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub file: FileArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Requests in flight at most (1 to 1024).
    #[arg(long, default_value_t = CLI_CONCURRENCY as f64)]
    pub concurrency: f64,
    /// Requests per second at most, 0.01 to 1000000 (the pace also drops on
    /// 429/503).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Read and check everything, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Refuse to run when a journal exists (default: resume from it).
    #[arg(long)]
    pub no_resume: bool,
    /// Send again rows whose outcome is unknown (check the CRM first).
    #[arg(long, conflicts_with = "reconcile")]
    pub retry_unknown: bool,
    /// After sending, look up every row whose outcome is unknown (by phone,
    /// else email): found ones are recorded as added, the others sent again.
    #[arg(long)]
    pub reconcile: bool,
    /// Send rows with the same customer_code, phone or email as an earlier row.
    #[arg(long)]
    pub allow_duplicates: bool,
    /// Add or update: look each row's customer up by its phone or email and
    /// update it when Kapture has it (its contacts' ids filled), add it
    /// otherwise; a duplicate refusal naming the customer becomes an update.
    #[arg(long, value_name = "phone|email")]
    pub upsert: Option<String>,
    /// `machine`: --rate is shared by every run on this machine that sends
    /// to the same CRM with this scope (a state file, no server); `process`
    /// (the default): this run alone.
    #[arg(long, value_name = "process|machine")]
    pub rate_scope: Option<String>,
    /// redis://host:6379/0: --rate is shared by every run, on any machine,
    /// naming this Redis (with a password: redis://:PASSWORD@host/0; better
    /// given in KAPTURE_RATE_LIMITER, which `ps` does not show).
    #[arg(long, value_name = "URL")]
    pub rate_limiter: Option<String>,
    /// Country code assumed for phones written without one, when telling
    /// duplicates apart (+91 98450 12345 = 098450 12345 = 9845012345).
    #[arg(long, default_value = kapture_crm::formats::DEFAULT_COUNTRY_CODE, value_name = "DIGITS")]
    pub country_code: String,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("by").required(true).multiple(true).args(["phone", "email", "customer_id"])))]
pub struct FindArgs {
    /// Look up by phone.
    #[arg(long)]
    pub phone: Option<String>,
    /// Look up by email.
    #[arg(long)]
    pub email: Option<String>,
    /// Look up by Kapture's customer id.
    #[arg(long)]
    pub customer_id: Option<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0: any free one; the URL is printed).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The token the sandbox accepts (default: a random one, printed).
    #[arg(long)]
    pub token: Option<String>,
    /// Faults to inject, e.g.
    /// rate_limit=0.1,unavailable=0.1,drop_after=0.02,seed=7
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// Every add without a customer id makes a new customer (the
    /// same-phone-or-email merge is the sandbox's assumption, not Kapture's).
    #[arg(long, conflicts_with = "duplicates")]
    pub no_merge: bool,
    /// What an add with a known phone or email does: merge (update that
    /// customer; the default), separate (as --no-merge), or refuse (answer
    /// as a duplicate reply reads in public material, "Lead already exists,
    /// Customer ID :N, ...", and store nothing).
    #[arg(long, value_name = "merge|separate|refuse")]
    pub duplicates: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Step 10: every argument of every command says what it is for.
    #[test]
    fn every_argument_has_help() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_name() != "help" {
                    check(sub, &format!("{path} {}", sub.get_name()), missing);
                }
                if sub.get_about().is_none() && sub.get_name() != "help" {
                    missing.push(format!("{path} {} (about)", sub.get_name()));
                }
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "kapture", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
        Cli::command().debug_assert();
    }
}
