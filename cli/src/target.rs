//! Which CRM a command talks to, and with which credentials: the client
//! built from the flags and `KAPTURE_*` variables, or an in-process sandbox.

use kapture_crm::settings;
use kapture_crm::{Client, ClientBuilder, ClientSettings, Error};
use kapture_crm_sandbox::{Sandbox, SandboxConfig};

use crate::args::TargetArgs;
use crate::problem::Problem;
use crate::usage;

/// The client to use, and the sandbox behind it if `--sandbox`.
pub fn client(target: &TargetArgs) -> Result<(Client, Option<Sandbox>), Problem> {
    let (builder, sandbox) = if target.sandbox {
        let sandbox = Sandbox::start_background(SandboxConfig::default())
            .map_err(|e| Problem::named("cannot start the sandbox", e))?;
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
        .builder()?;
        (builder, None)
    };
    let retries = settings::max_retries("--max-retries", target.max_retries)?;
    let builder = match target.timeout {
        Some(seconds) => builder.timeout(settings::duration(
            "--timeout",
            seconds,
            settings::Unit::Seconds,
        )?),
        None => builder,
    };
    let client = builder
        .max_retries(retries)
        .user_agent(concat!("kapture-cli/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| match e {
            Error::Config(m) => usage!("{m} (or use --sandbox to try it locally)"),
            other => Problem::Core(other),
        })?;
    Ok((client, sandbox))
}

/// A `--header` without `:`: the error names the header when it can tell
/// the name (`x-api-key=...`), and never shows the value (it may be a key).
fn header_usage(header: &str) -> Problem {
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
    Problem::Usage(match name {
        Some(name) => format!(
            "--header {name:?}: expected 'Name: value' (did you mean --header '{name}: ...'?); \
             the value is not shown"
        ),
        None => "--header: expected 'Name: value' (the text given is not shown: it may hold \
                 a key)"
            .to_string(),
    })
}

/// The token from `--token-file` (`-`: standard input).
pub fn read_token(path: &std::path::Path) -> Result<String, Problem> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| Problem::named("--token-file -: cannot read standard input", e))?;
        text
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Problem::named(format!("--token-file {}", path.display()), e))?
    };
    // Never quoted back: the text is the token.
    let token = text.trim();
    if token.is_empty() {
        return Err(usage!("--token-file {}: the file is empty", path.display()));
    }
    Ok(token.to_string())
}
