//! `kapture`: add one customer, validate or import a file of them, or run the
//! sandbox. Credentials come from flags or KAPTURE_TOKEN and
//! KAPTURE_SUBDOMAIN / KAPTURE_BASE_URL; `--sandbox` works against an
//! in-process sandbox instead (nothing leaves the machine).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use kapture_crm::settings;
use kapture_crm::{
    AddCustomerRequest, Client, ClientBuilder, ClientSettings, CustomerLookup, Error,
};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{Value, json};

use kapture_crm::bulk::BulkOptions;
use kapture_crm::rows::RowOptions;
use kapture_crm::settings::{CLI_CONCURRENCY, CLI_MAX_RETRIES};
use kapture_crm_cli::dialect::{self, Dialect};
use kapture_crm_cli::import;
use kapture_crm_cli::rows::{self, Format};

/// Printed at the end of every `--help`.
const AFTER_HELP: &str = "\
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
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log what the client does on stderr: -v retries and slow-downs, -vv
    /// every attempt (phones and emails masked, never the token).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Append log lines to this file instead of stderr (at info without -v).
    #[arg(long, value_name = "PATH", global = true)]
    log_file: Option<PathBuf>,
}

/// What goes to standard output.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    /// Lines for people.
    Text,
    /// One JSON document and nothing else (messages go to stderr).
    Json,
}

#[derive(Args)]
struct OutputArgs {
    /// text for people, or json: one document on stdout for scripts (keys
    /// in the README).
    #[arg(long, value_enum, default_value_t = Output::Text, value_name = "FORMAT")]
    output: Output,
}

#[derive(Subcommand)]
enum Command {
    /// Add one customer and print the reply as JSON.
    #[command(after_help = AFTER_HELP)]
    Add(AddArgs),
    /// Check every row of a file without sending anything.
    #[command(after_help = AFTER_HELP)]
    Validate(ValidateArgs),
    /// Add every row of a CSV or JSON-lines file; resumable.
    #[command(after_help = AFTER_HELP)]
    Import(ImportArgs),
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
struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Args)]
struct Target {
    /// API token (default: KAPTURE_TOKEN). Other users can read a process's
    /// flags: prefer KAPTURE_TOKEN or --token-file.
    #[arg(long, conflicts_with = "token_file")]
    token: Option<String>,
    /// Read the API token from a file (`-` for standard input); surrounding
    /// whitespace and the final newline are ignored.
    #[arg(long, value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// Kapture user name, with --password-file, instead of a token
    /// (default: KAPTURE_USERNAME).
    #[arg(long, conflicts_with_all = ["token", "token_file"])]
    username: Option<String>,
    /// Read the password for --username from a file (`-` for standard
    /// input; default: KAPTURE_PASSWORD). There is no --password flag:
    /// other users can read a process's flags.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["token", "token_file"])]
    password_file: Option<PathBuf>,
    /// An extra header on every request, 'Name: value' (repeatable), e.g.
    /// --header 'x-api-key: ...'; Authorization cannot be set this way.
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Your Kapture subdomain (default: KAPTURE_SUBDOMAIN).
    #[arg(long, conflicts_with = "base_url")]
    subdomain: Option<String>,
    /// Base URL instead of a subdomain (default: KAPTURE_BASE_URL).
    #[arg(long)]
    base_url: Option<String>,
    /// Work against a sandbox started in this process.
    #[arg(long, conflicts_with_all = ["token", "token_file", "username", "password_file", "subdomain", "base_url"])]
    sandbox: bool,
    /// Retries of what cannot have reached Kapture (0 to 100).
    #[arg(long, default_value_t = CLI_MAX_RETRIES as f64)]
    max_retries: f64,
    /// Seconds one attempt may take (default 30); --reconcile waits this
    /// long after the last send before looking rows up.
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
}

#[derive(Args)]
struct AddArgs {
    /// The customer's name (customer_info.customer_name).
    #[arg(long)]
    name: Option<String>,
    /// The customer's phone (customer_info.phone); name plus phone or email
    /// is required.
    #[arg(long)]
    phone: Option<String>,
    /// The customer's email (customer_info.email_id).
    #[arg(long)]
    email: Option<String>,
    /// A request in the vendor's JSON shape, from a file or `-` for
    /// standard input (--name, --phone and --email override its fields).
    #[arg(long, alias = "json", value_name = "FILE")]
    request: Option<PathBuf>,
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
struct FileArgs {
    /// The CSV (any delimiter, UTF-8 or UTF-16 with a BOM, Excel's exports)
    /// or JSON-lines file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// csv or jsonl (default: from the extension).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Rename a column: --map 'Mobile No=phone' (repeatable). Headers
    /// already match fields ignoring case, spaces, underscores and hyphens,
    /// and a few aliases (Mobile No, E-mail, Date of Birth...).
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    maps: Vec<String>,
    /// Layout of the dob and next_follow_up_date cells, e.g. %d/%m/%Y
    /// (default: the vendor's YYYY-MM-DD, sent as it is).
    #[arg(long, value_name = "FORMAT")]
    date_format: Option<String>,
    /// CSV delimiter: , ; | or tab (default: told from the header row).
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// Encoding of a file that is not UTF-8 and has no byte-order mark,
    /// e.g. latin1 or windows-1252 (default: UTF-8; a BOM is always obeyed).
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
}

#[derive(Args)]
struct ValidateArgs {
    #[command(flatten)]
    file: FileArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    file: FileArgs,
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    output: OutputArgs,
    /// Requests in flight at most (1 to 1024).
    #[arg(long, default_value_t = CLI_CONCURRENCY as f64)]
    concurrency: f64,
    /// Requests per second at most, 0.01 to 1000000 (the pace also drops on
    /// 429/503).
    #[arg(long)]
    rate: Option<f64>,
    /// Read and check everything, send nothing.
    #[arg(long)]
    dry_run: bool,
    /// Refuse to run when a journal exists (default: resume from it).
    #[arg(long)]
    no_resume: bool,
    /// Send again rows whose outcome is unknown (check the CRM first).
    #[arg(long, conflicts_with = "reconcile")]
    retry_unknown: bool,
    /// After sending, look up every row whose outcome is unknown (by phone,
    /// else email): found ones are recorded as added, the others sent again.
    #[arg(long)]
    reconcile: bool,
    /// Send rows with the same customer_code, phone or email as an earlier row.
    #[arg(long)]
    allow_duplicates: bool,
    /// Country code assumed for phones written without one, when telling
    /// duplicates apart (+91 98450 12345 = 098450 12345 = 9845012345).
    #[arg(long, default_value = kapture_crm::formats::DEFAULT_COUNTRY_CODE, value_name = "DIGITS")]
    country_code: String,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("by").required(true).multiple(true).args(["phone", "email", "customer_id"])))]
struct FindArgs {
    /// Look up by phone.
    #[arg(long)]
    phone: Option<String>,
    /// Look up by email.
    #[arg(long)]
    email: Option<String>,
    /// Look up by Kapture's customer id.
    #[arg(long)]
    customer_id: Option<String>,
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
struct SandboxArgs {
    /// Port on 127.0.0.1 (0: any free one; the URL is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The token the sandbox accepts (default: a random one, printed).
    #[arg(long)]
    token: Option<String>,
    /// Faults to inject, e.g.
    /// rate_limit=0.1,unavailable=0.1,drop_after=0.02,seed=7
    #[arg(long, value_name = "SPEC")]
    faults: Option<String>,
    /// Every add without a customer id makes a new customer (the
    /// same-phone-or-email merge is the sandbox's assumption, not Kapture's).
    #[arg(long)]
    no_merge: bool,
}

/// Exit codes: 0 all done; 1 some rows failed or are unknown; 2 usage or
/// setup errors, another import holds the file, or an authentication failure
/// stopped the import; 3 the journal could not be written (a full disk);
/// 130 interrupted.
fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Completions(args) = &cli.command {
        clap_complete::generate(
            args.shell,
            &mut Cli::command(),
            "kapture",
            &mut std::io::stdout(),
        );
        return ExitCode::SUCCESS;
    }
    if let Err(e) = kapture_crm_cli::logging::install(cli.verbose, cli.log_file.as_deref()) {
        return fail(&e);
    }
    let runtime = match runtime_for(&cli.command) {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async {
        match cli.command {
            Command::Add(args) => add(args).await,
            Command::Validate(args) => validate(args).await,
            Command::Import(args) => import(args).await,
            Command::Find(args) => find(args).await,
            Command::Sandbox(args) => sandbox(args).await,
            Command::Completions(_) => ExitCode::SUCCESS,
        }
    })
}

/// One worker thread for the client's commands: the core's calls cost
/// less CPU on one thread than spread over several, whose workers hand
/// replies to each other and sleep and wake in turn (`kapture_crm::runtime`
/// says more). `kapture import` of 100,000 rows into the sandbox, three
/// alternating rounds each: 24.8k rows/s on 4.4 s of CPU, against 23.0k
/// on 5.0 s with a worker per core (bench/README.md). Not a
/// single-threaded runtime, though that was a little faster still: the
/// command's own future runs on the calling thread, apart from the worker,
/// and it journals each outcome and fsyncs every 512 rows there; on one
/// thread, a slow disk's fsync would stop every call in flight. The
/// sandbox, a server, gets a worker per core.
fn runtime_for(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if !matches!(command, Command::Sandbox(_)) {
        builder.worker_threads(1);
    }
    builder.enable_all().build()
}

fn fail(message: &str) -> ExitCode {
    eprintln!("kapture: {message}");
    ExitCode::from(2)
}

/// A usage or setup error: on stderr, and with `--output json` also as the
/// one document on stdout (`{"ok": false, "error": {"code": "usage", ...}}`).
fn fail_as(output: Output, message: &str) -> ExitCode {
    if output == Output::Json {
        print_json(&json!({"ok": false, "error": {"code": "usage", "message": message}}));
    }
    fail(message)
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

/// An error of a call as JSON: its code, message, whether the outcome is
/// unknown, and the HTTP status when there was one.
fn error_json(error: &Error) -> Value {
    let mut out = json!({
        "code": error.code(),
        "message": error.to_string(),
        "outcome_unknown": error.outcome_unknown(),
    });
    if let Some(status) = error.status() {
        out["status"] = json!(status);
    }
    if let Error::Validation(problems) = error {
        out["problems"] = json!(problems);
    }
    out
}

/// The client to use, and the sandbox behind it if `--sandbox`.
fn client(target: &Target) -> Result<(Client, Option<Sandbox>), String> {
    let (builder, sandbox) = if target.sandbox {
        let sandbox = Sandbox::start_background(SandboxConfig::default())
            .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        // On stderr: stdout is the command's result (--output json).
        eprintln!(
            "Using an in-process sandbox at {} (nothing leaves this machine).",
            sandbox.url()
        );
        let builder = ClientBuilder::new()
            .token(sandbox.token())
            .base_url(sandbox.url());
        (builder, Some(sandbox))
    } else {
        let token = match &target.token_file {
            Some(path) => Some(read_token(path)?),
            None => target.token.clone(),
        };
        let password = match &target.password_file {
            Some(path) => Some(read_token(path)?),
            None => None,
        };
        let builder = ClientSettings {
            token,
            username: target.username.clone(),
            password,
            default_headers: target
                .headers
                .iter()
                .map(|h| {
                    h.split_once(':')
                        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                        .ok_or_else(|| header_usage(h))
                })
                .collect::<Result<_, _>>()?,
            subdomain: target.subdomain.clone(),
            base_url: target.base_url.clone(),
            ..ClientSettings::default()
        }
        .builder()
        .map_err(|e| e.to_string())?;
        (builder, None)
    };
    let retries =
        settings::max_retries("--max-retries", target.max_retries).map_err(|e| e.to_string())?;
    let builder = match target.timeout {
        Some(seconds) => builder.timeout(
            settings::duration("--timeout", seconds, settings::Unit::Seconds)
                .map_err(|e| e.to_string())?,
        ),
        None => builder,
    };
    let client = builder
        .max_retries(retries)
        .user_agent(concat!("kapture-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| match e {
            Error::Config(m) => format!("{m} (or use --sandbox to try it locally)"),
            other => other.to_string(),
        })?;
    Ok((client, sandbox))
}

/// A `--header` without `:`: the error names the header when it can tell
/// the name (`x-api-key=...`), and never shows the value (it may be a key).
fn header_usage(header: &str) -> String {
    let name = header
        .split_once('=')
        .map(|(name, _)| name.trim())
        .filter(|name| {
            !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    match name {
        Some(name) => format!(
            "--header {name:?}: expected 'Name: value' (did you mean --header '{name}: ...'?); \
             the value is not shown"
        ),
        None => "--header: expected 'Name: value' (the text given is not shown: it may hold \
                 a key)"
            .to_string(),
    }
}

/// The token from `--token-file` (`-`: standard input).
fn read_token(path: &std::path::Path) -> Result<String, String> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("--token-file -: cannot read standard input: {e}"))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| format!("--token-file {}: {e}", path.display()))?
    };
    // Never quoted back: the text is the token.
    let token = text.trim();
    if token.is_empty() {
        return Err(format!(
            "--token-file {}: the file is empty",
            path.display()
        ));
    }
    Ok(token.to_string())
}

/// Only one option may read standard input.
fn one_stdin_reader(args: &AddArgs) -> Result<(), String> {
    let dash = |p: &Option<PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str() == "-");
    let readers: Vec<&str> = [
        (dash(&args.request), "--request -"),
        (dash(&args.target.token_file), "--token-file -"),
        (dash(&args.target.password_file), "--password-file -"),
    ]
    .into_iter()
    .filter_map(|(yes, name)| yes.then_some(name))
    .collect();
    if readers.len() > 1 {
        return Err(format!(
            "{} all read standard input; give only one of them `-` and the others a file",
            readers.join(" and ")
        ));
    }
    Ok(())
}

/// The request of `add`: `--request` (a file or `-`), then the flags.
fn add_request(args: &AddArgs) -> Result<AddCustomerRequest, String> {
    one_stdin_reader(args)?;
    let mut request = match &args.request {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .map_err(|e| format!("--request -: cannot read standard input: {e}"))?;
                text
            } else {
                std::fs::read_to_string(path)
                    .map_err(|e| format!("--request {}: {e}", path.display()))?
            };
            serde_json::from_str::<Value>(&text)
                .map_err(|e| format!("--request {}: not JSON: {e}", path.display()))?
        }
        None => json!({}),
    };
    for (field, value) in [
        ("customer_name", &args.name),
        ("phone", &args.phone),
        ("email_id", &args.email),
    ] {
        if let Some(value) = value {
            if !request["customer_info"].is_object() {
                request["customer_info"] = json!({});
            }
            request["customer_info"][field] = json!(value);
        }
    }
    AddCustomerRequest::from_json(&request).map_err(|e| e.to_string())
}

async fn add(args: AddArgs) -> ExitCode {
    let output = args.output.output;
    let request = match add_request(&args) {
        Ok(request) => request,
        Err(e) => return fail_as(output, &e),
    };
    let (client, _sandbox) = match client(&args.target) {
        Ok(c) => c,
        Err(e) => return fail_as(output, &e),
    };
    let result = client.add_customer(&request).await;
    match (output, result) {
        (Output::Text, Ok(reply)) => {
            print_json(&Value::Object(reply.into_json()));
            ExitCode::SUCCESS
        }
        (Output::Json, Ok(reply)) => {
            print_json(&json!({
                "ok": true,
                "customer_id": reply.customer_id(),
                "contact_id": reply.contact_id(),
                "response": reply.as_json(),
            }));
            ExitCode::SUCCESS
        }
        (output, Err(e)) => {
            if output == Output::Json {
                print_json(&json!({"ok": false, "error": error_json(&e)}));
            }
            eprintln!("kapture: {e}");
            ExitCode::from(1)
        }
    }
}

/// `--country-code`: digits, a leading `+` allowed.
fn country_code(text: &str) -> Result<String, String> {
    let digits = text.trim().trim_start_matches('+');
    if (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits.to_string())
    } else {
        Err(format!(
            "--country-code {text:?}: expected 1 to 3 digits, e.g. 91"
        ))
    }
}

fn renames(maps: &[String]) -> Result<Vec<(String, String)>, String> {
    maps.iter()
        .map(|m| {
            m.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| format!("--map {m:?}: expected 'Header=field'"))
        })
        .collect()
}

/// The input file as read: its format, its dialect and the row options.
fn input(args: &FileArgs) -> Result<(Format, Dialect, RowOptions), String> {
    // Before anything opens it: opening a named pipe waits for a writer.
    kapture_crm_cli::lock::refuse_streams(&args.file)?;
    let format = format_of(args)?;
    let delimiter = args
        .delimiter
        .as_deref()
        .map(dialect::parse_delimiter)
        .transpose()?;
    let encoding = args
        .encoding
        .as_deref()
        .map(dialect::parse_encoding)
        .transpose()?;
    let dialect = Dialect::detect(&args.file, delimiter, encoding)?;
    let options = RowOptions {
        columns: renames(&args.maps)?,
        date_format: args.date_format.clone(),
        ignore: Vec::new(),
    };
    Ok((format, dialect, options))
}

fn format_of(args: &FileArgs) -> Result<Format, String> {
    args.format
        .or_else(|| Format::guess(&args.file))
        .ok_or_else(|| {
            format!(
                "{}: cannot tell the format from the extension; give --format csv|jsonl",
                args.file.display()
            )
        })
}

async fn validate(args: ValidateArgs) -> ExitCode {
    let output = args.output.output;
    let args = args.file;
    let (format, dialect, options) = match input(&args) {
        Ok(x) => x,
        Err(e) => return fail_as(output, &e),
    };
    let rows = match rows::Rows::open(&args.file, format, &dialect, &options) {
        Ok(rows) => rows,
        Err(e) => return fail_as(output, &e),
    };
    if rows::count_rows(&args.file, format, &dialect) == Some(0) {
        return fail_as(
            output,
            &format!(
                "{}: no rows to check (the file is empty or holds only a header)",
                args.file.display()
            ),
        );
    }
    let (mut total, mut bad) = (0u64, 0u64);
    let mut problems_json = Vec::new();
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(e) => return fail_as(output, &e),
        };
        total += 1;
        let problems: Vec<(String, String)> = match row.request {
            Ok(_) => continue,
            Err(Error::Validation(problems)) => problems
                .iter()
                .map(|p| (p.path.clone(), p.message.clone()))
                .collect(),
            Err(other) => vec![(String::new(), other.to_string())],
        };
        bad += 1;
        for (path, message) in problems {
            match output {
                Output::Text if path.is_empty() => println!("row {}: {message}", row.number),
                Output::Text => println!("row {}: {path}: {message}", row.number),
                Output::Json => problems_json.push(json!({
                    "row": row.number, "path": path, "message": message,
                })),
            }
        }
    }
    match output {
        Output::Text => println!("{total} rows, {} valid, {bad} with problems", total - bad),
        Output::Json => print_json(&json!({
            "rows": total,
            "valid": total - bad,
            "invalid": bad,
            "problems": problems_json,
        })),
    }
    if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

async fn import(args: ImportArgs) -> ExitCode {
    let output = args.output.output;
    let options = match input(&args.file).and_then(|(format, dialect, rows)| {
        Ok(import::Options {
            input: args.file.file.clone(),
            format,
            dialect,
            rows,
            country_code: country_code(&args.country_code)?,
            bulk: BulkOptions::new(Some(args.concurrency), false, args.rate).map_err(|e| {
                format!(
                    "--{}",
                    e.to_string().trim_start_matches("configuration error: ")
                )
            })?,
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
                return ExitCode::from(3);
            }
            if let Some(why) = &summary.stopped {
                // An authentication failure stopped sending (or the engine
                // failed): the rows not sent are journaled, a resume sends them.
                return fail(why);
            }
            if summary.interrupted {
                ExitCode::from(130)
            } else if summary.failed_total() > 0 || !summary.unknown.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => fail_as(output, &e),
    }
}

async fn find(args: FindArgs) -> ExitCode {
    let output = args.output.output;
    let lookup = CustomerLookup {
        customer_id: args.customer_id,
        phone: args.phone,
        email: args.email,
    };
    if let Err(e) = lookup.validate() {
        return fail_as(output, &e.to_string());
    }
    let (client, _sandbox) = match client(&args.target) {
        Ok(c) => c,
        Err(e) => return fail_as(output, &e),
    };
    match client.find_customer(&lookup).await {
        Ok(Some(customer)) => {
            match output {
                Output::Text => print_json(&Value::Object(customer.into_json())),
                Output::Json => print_json(&json!({
                    "ok": true, "found": true, "customer": customer.as_json(),
                })),
            }
            ExitCode::SUCCESS
        }
        Ok(None) => {
            if output == Output::Json {
                print_json(&json!({"ok": true, "found": false, "customer": null}));
            }
            eprintln!("kapture: no such customer");
            ExitCode::from(1)
        }
        Err(e) => {
            if output == Output::Json {
                print_json(&json!({"ok": false, "error": error_json(&e)}));
            }
            fail(&e.to_string())
        }
    }
}

async fn sandbox(args: SandboxArgs) -> ExitCode {
    let faults = match args.faults.as_deref().map(str::parse::<Faults>).transpose() {
        Ok(faults) => faults.unwrap_or_default(),
        Err(e) => return fail(&format!("--faults: {e}")),
    };
    let sandbox = match Sandbox::start(SandboxConfig {
        port: args.port,
        token: args.token,
        faults,
        no_merge: args.no_merge,
        ..SandboxConfig::default()
    })
    .await
    {
        Ok(sandbox) => sandbox,
        Err(e) => return fail(&format!("cannot start the sandbox: {e}")),
    };
    // `export`: `eval "$(kapture sandbox | head -1)"` hands the variables
    // to the programs the shell starts, not only to the shell.
    println!(
        "export KAPTURE_BASE_URL={} KAPTURE_TOKEN={}",
        sandbox.url(),
        sandbox.token()
    );
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

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
