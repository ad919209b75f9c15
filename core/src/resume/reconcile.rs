//! Settling a record whose outcome is unknown (a timeout, a process killed
//! mid-call) by looking its customer up, as `kapture import --reconcile`
//! and a library run's `reconcile=True` do.
//!
//! The record is looked up with Kapture's Get Customer by its phone, else
//! its email (else the customer id of an update). A customer found that is
//! the record's (step 13's rule, [`Customer::mismatch`](crate::lookup::Customer::mismatch): the same name, and
//! the record's email among its own) settles it as added, [`Found`], and it
//! is not sent. A customer that merely holds the record's phone leaves it
//! unknown, saying why. No customer: it is sent again. A lookup that fails
//! leaves it unknown. An upsert is not looked up but sent again ([`Looked::Upsert`]).
//!
//! Found is not a reply: the add's reply was lost, and Kapture's Get
//! Customer reply is another call's. So a found record's outcome is a type
//! of its own in every front end (Rust [`crate::bulk::Success::Found`],
//! Python's `Found` dict, Node's `found`), never a reply made up by us.
//!
//! The one risk: "not found" trusts the vendor's lookup. If it misses a
//! customer that exists, the re-send writes a second time.

use serde_json::{Value, json};

use crate::client::Client;
use crate::error::Error;
use crate::lookup::CustomerLookup;
use crate::model::AddCustomerRequest;
use crate::upsert::MatchOn;

/// How a record whose outcome was unknown was found to be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// Get Customer found the record's customer.
    Lookup,
    /// Sent again, and Kapture refused it as a duplicate of this customer
    /// ("Lead already exists, Customer ID :N").
    AlreadyExists,
}

impl FoundBy {
    /// `lookup` or `already exists`, as journals and front ends spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            FoundBy::Lookup => "lookup",
            FoundBy::AlreadyExists => "already exists",
        }
    }

    pub fn parse(text: &str) -> Option<FoundBy> {
        match text {
            "lookup" => Some(FoundBy::Lookup),
            "already exists" => Some(FoundBy::AlreadyExists),
            _ => None,
        }
    }
}

/// A record settled as added without its add's reply: its customer exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Kapture's id of the customer, when the lookup or refusal gave one.
    pub customer_id: Option<u64>,
    pub by: FoundBy,
}

impl Found {
    /// What a journal's "added" line holds of it.
    pub fn journal_fields(&self) -> Value {
        json!({"customer_id": self.customer_id, "found_by": self.by.as_str()})
    }

    /// From a journal line's fields, when it was found rather than replied.
    pub fn from_journal(line: &serde_json::Map<String, Value>) -> Option<Found> {
        let by = FoundBy::parse(line.get("found_by")?.as_str()?)?;
        Some(Found {
            customer_id: line.get("customer_id").and_then(Value::as_u64),
            by,
        })
    }
}

/// What a lookup made of a record whose outcome was unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Looked {
    /// Its customer: record it as added, do not send it.
    Found(Found),
    /// Not settled: it stays unknown, for this reason (a customer that is
    /// not the record's holds its phone, or nothing to look it up by).
    Unsettled(String),
    /// No customer holds it: send it again.
    Missing,
    /// An upsert: its customer is there whether or not its update landed,
    /// so a lookup proves nothing. Send it again: the upsert looks the
    /// customer up itself, and an update made twice writes the same fields.
    Upsert,
}

/// The lookup for a record: its phone, else its email, else its customer id.
pub fn lookup_for(request: &AddCustomerRequest) -> Option<CustomerLookup> {
    let info = &request.customer_info;
    let given = |v: &str| !v.trim().is_empty();
    if given(&info.phone) {
        Some(CustomerLookup::by_phone(info.phone.trim()))
    } else if given(&info.email_id) {
        Some(CustomerLookup::by_email(info.email_id.trim()))
    } else if given(&info.customer_id) {
        Some(CustomerLookup::by_customer_id(info.customer_id.trim()))
    } else {
        None
    }
}

/// Looks `request`'s customer up and decides (see the module docs); an
/// upsert (`upsert`: the run's match key) is not looked up. `Err` when the
/// lookup itself failed: the record stays unknown.
pub async fn look_up(
    client: &Client,
    request: &AddCustomerRequest,
    upsert: Option<MatchOn>,
) -> Result<Looked, Error> {
    if upsert.is_some() {
        return Ok(Looked::Upsert);
    }
    let Some(lookup) = lookup_for(request) else {
        return Ok(Looked::Unsettled(
            "it has no phone, email or customer id to look it up by".into(),
        ));
    };
    let by_id = lookup.customer_id.is_some();
    let Some(customer) = client.find_customer(&lookup).await? else {
        return Ok(Looked::Missing);
    };
    // Whoever holds the phone (or email) is not always the record's
    // customer; an update's id names its customer.
    if !by_id && let Some(why) = customer.mismatch(request) {
        let id = customer
            .id
            .map_or_else(|| "(no id)".to_string(), |id| id.to_string());
        return Ok(Looked::Unsettled(format!(
            "the lookup found customer {id}, but {why}: not this record's customer"
        )));
    }
    Ok(Looked::Found(Found {
        customer_id: customer.id,
        by: FoundBy::Lookup,
    }))
}

/// A re-sent record's refusal as a duplicate of an existing customer:
/// it was there after all.
pub fn found_in_refusal(error: &Error) -> Option<Found> {
    error.existing_customer_id().map(|id| Found {
        customer_id: Some(id),
        by: FoundBy::AlreadyExists,
    })
}
