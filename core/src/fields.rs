//! The request's sections and fields, read off the model itself (the
//! serialized `Default` of each section), so the model is the one list of
//! fields: what the parser accepts, what the row mapper matches, what a
//! misspelt key is compared with.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::model::{ContactInfo, CustomerInfo, EnquiryInfo};
use crate::suggest::closest;

/// The request's sections, in wire order.
pub(crate) const SECTIONS: [&str; 3] = ["customer_info", "contact_info", "enquiry_info"];

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Text,
    Bool,
    Object,
}

pub(crate) type Schema = Vec<(&'static str, Kind)>;

fn schema_of<T: Default + serde::Serialize>() -> Schema {
    // Derived `Serialize` of a struct always gives an object; an empty schema
    // (every key unknown) would be the loud failure if that ever changed.
    let fields = match serde_json::to_value(T::default()) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    fields
        .into_iter()
        .map(|(name, default)| {
            let kind = match default {
                Value::Bool(_) => Kind::Bool,
                Value::Object(_) => Kind::Object,
                _ => Kind::Text,
            };
            // Leaked once per field name, for the life of the process.
            (&*Box::leak(name.into_boxed_str()), kind)
        })
        .collect()
}

pub(crate) fn customer_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(schema_of::<CustomerInfo>)
}
pub(crate) fn contact_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(schema_of::<ContactInfo>)
}
pub(crate) fn enquiry_schema() -> &'static Schema {
    static S: OnceLock<Schema> = OnceLock::new();
    S.get_or_init(schema_of::<EnquiryInfo>)
}

/// Every documented field name of a section (`customer_info`,
/// `contact_info`, `enquiry_info`), in wire order.
pub fn field_names(section: &str) -> Vec<&'static str> {
    let schema = match section {
        "customer_info" => customer_schema(),
        "contact_info" => contact_schema(),
        "enquiry_info" => enquiry_schema(),
        _ => return Vec::new(),
    };
    schema.iter().map(|(name, _)| *name).collect()
}

/// True when `field` of `section` takes true/false (`individual`, `update`...).
pub fn is_bool_field(section: &str, field: &str) -> bool {
    kind_of(section, field) == Some(Kind::Bool)
}

/// True when `field` of `section` is a free-form object (`additional_fields`).
pub fn is_object_field(section: &str, field: &str) -> bool {
    kind_of(section, field) == Some(Kind::Object)
}

fn kind_of(section: &str, field: &str) -> Option<Kind> {
    let schema = match section {
        "customer_info" => customer_schema(),
        "contact_info" => contact_schema(),
        "enquiry_info" => enquiry_schema(),
        _ => return None,
    };
    schema
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, k)| *k)
}

/// The documented field of `section` closest to a misspelt `key`, if any.
pub fn closest_field(section: &str, key: &str) -> Option<&'static str> {
    closest(key, &field_names(section))
}
