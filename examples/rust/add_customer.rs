//! Adds one customer: to your Kapture CRM when `KAPTURE_TOKEN` and
//! `KAPTURE_SUBDOMAIN` (or `KAPTURE_BASE_URL`) are set, otherwise to a sandbox
//! started in this process.
//!
//!     cargo run -p kapture-crm --example add_customer

use kapture_crm::{AddCustomerRequest, Client, ContactInfo, Error};
use kapture_crm_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let configured = std::env::var_os("KAPTURE_TOKEN").is_some();
    // Kept alive until the end of main: dropping it stops the sandbox.
    let mut _sandbox = None;
    let client = if configured {
        println!("Sending to the Kapture CRM set in KAPTURE_* variables.");
        Client::from_env()?
    } else {
        let sandbox = Sandbox::start(SandboxConfig::default()).await?;
        println!(
            "No KAPTURE_TOKEN set: sending to a local sandbox at {}.",
            sandbox.url()
        );
        let client = Client::builder()
            .token(sandbox.token())
            .base_url(sandbox.url())
            .build()?;
        _sandbox = Some(sandbox);
        client
    };

    let mut request = AddCustomerRequest::with_phone("Asha Rao", "+91 93804 91387");
    request.customer_info.email_id = "asha.rao@example.in".into();
    request.customer_info.city = "Bengaluru".into();
    request.customer_info.individual = true;
    request.contact_info.push(ContactInfo {
        first_name: "Asha".into(),
        last_name: "Rao".into(),
        contact_person_phone: "+91 93804 91387".into(),
        ..ContactInfo::default()
    });

    match client.add_customer(&request).await {
        Ok(reply) => {
            println!(
                "Added: customer_id={:?} contact_id={:?} ({})",
                reply.customer_id(),
                reply.contact_id(),
                reply.message().unwrap_or("")
            );
        }
        Err(err @ Error::Validation(_)) => return Err(err.into()),
        Err(err) if err.outcome_unknown() => {
            eprintln!("Unknown outcome, check the CRM before sending again: {err}");
            return Err(err.into());
        }
        Err(err) => return Err(err.into()),
    }

    // Typos in untyped input are caught before anything is sent.
    let typo =
        serde_json::json!({"customer_info": {"customer_name": "ABC", "email": "abc@example.com"}});
    if let Err(err) = client.add_customer_json(&typo).await {
        println!("Refused before sending: {err}");
    }
    Ok(())
}
