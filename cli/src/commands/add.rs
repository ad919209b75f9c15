//! `kapture add`: one customer, from flags or a request in the vendor's JSON.

use std::path::PathBuf;

use kapture_crm::AddCustomerRequest;
use serde_json::{Value, json};

use crate::args::AddArgs;
use crate::output::{ExitStatus, Output, error_json, fail_as, print_json};
use crate::problem::Problem;
use crate::target::client;
use crate::usage;

/// The request of `add`: `--request` (a file or `-`), then the flags.
fn add_request(args: &AddArgs) -> Result<AddCustomerRequest, Problem> {
    one_stdin_reader(args)?;
    let mut request = match &args.request {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                    .map_err(|e| Problem::named("--request -: cannot read standard input", e))?;
                text
            } else {
                std::fs::read_to_string(path)
                    .map_err(|e| Problem::named(format!("--request {}", path.display()), e))?
            };
            serde_json::from_str::<Value>(&text)
                .map_err(|e| usage!("--request {}: not JSON: {e}", path.display()))?
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
    Ok(AddCustomerRequest::from_json(&request)?)
}

/// Only one option may read standard input.
fn one_stdin_reader(args: &AddArgs) -> Result<(), Problem> {
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
        return Err(usage!(
            "{} all read standard input; give only one of them `-` and the others a file",
            readers.join(" and ")
        ));
    }
    Ok(())
}

pub async fn add(args: AddArgs) -> ExitStatus {
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
            ExitStatus::Done
        }
        (Output::Json, Ok(reply)) => {
            print_json(&json!({
                "ok": true,
                "customer_id": reply.customer_id(),
                "contact_id": reply.contact_id(),
                "response": reply.as_json(),
            }));
            ExitStatus::Done
        }
        (output, Err(e)) => {
            if output == Output::Json {
                print_json(&json!({"ok": false, "error": error_json(&e)}));
            }
            eprintln!("kapture: {e}");
            ExitStatus::Failed
        }
    }
}
