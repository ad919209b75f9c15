//! `kapture find`: look a customer up (Get Customer).

use kapture_crm::CustomerLookup;
use serde_json::{Value, json};

use crate::args::FindArgs;
use crate::output::{ExitStatus, Output, error_json, fail, fail_as, print_json};
use crate::target::client;

pub async fn find(args: FindArgs) -> ExitStatus {
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
            ExitStatus::Done
        }
        Ok(None) => {
            if output == Output::Json {
                print_json(&json!({"ok": true, "found": false, "customer": null}));
            }
            eprintln!("kapture: no such customer");
            ExitStatus::Failed
        }
        Err(e) => {
            if output == Output::Json {
                print_json(&json!({"ok": false, "error": error_json(&e)}));
            }
            fail(&e.to_string())
        }
    }
}
