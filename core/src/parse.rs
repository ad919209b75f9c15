//! Untyped JSON (a Python dict, a JS object, a CSV row) into a typed
//! [`AddCustomerRequest`], reporting every problem at once with its path.
//!
//! The accepted keys and their types are read off the model itself (the
//! serialized `Default` of each section), so the model is the one list of
//! fields. Conversions are lossless only: an integral number becomes its
//! digits in a text field, `null` means "left out"; anything else that does not
//! fit is an error, never a silent change.

use serde::Deserialize;
use serde_json::{Map, Value};

pub use crate::depth::MAX_DEPTH;
use crate::depth::{exceeds_depth_at, too_deep, too_deep_in_text};
use crate::error::{Error, FieldError};
use crate::model::AddCustomerRequest;
use crate::suggest::closest;
use crate::text::describe;
use crate::validate::{CheckedRequest, check_rules};

use crate::fields::{Kind, SECTIONS, Schema, contact_schema, customer_schema, enquiry_schema};
pub use crate::fields::{closest_field, field_names, is_bool_field, is_object_field};

/// [`request_from_json`] for the JSON text (what Node's binding and the
/// CLI's JSON lines hold): the same rules and the same messages. A request
/// already in the vendor's exact types is read straight into the typed
/// request (no untyped tree in between: the model's own `Deserialize`, with
/// `deny_unknown_fields`, refuses exactly what the untyped path would
/// clean or report); anything else takes the untyped path, which reports
/// every problem.
pub fn request_from_json_text(text: &str) -> Result<AddCustomerRequest, Error> {
    typed_request_from_json_text(text).unwrap_or_else(|| request_from_json(&json_text(text)?))
}

/// The fast half of [`request_from_json_text`]: `Some` (the request, by
/// the rules) when the text is a request in the vendor's exact types;
/// `None` when it needs the untyped path (which reports what is wrong, or,
/// for a bulk run's record, maps a flat row: see `rows::Records`).
pub fn typed_request_from_json_text(text: &str) -> Option<Result<AddCustomerRequest, Error>> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let typed = AddCustomerRequest::deserialize(crate::fast::maps_only::MapsOnly(&mut reader))
        .and_then(|request| reader.end().map(|()| request));
    typed_request_checked(typed.ok()?)
}

/// For a front end that read a request straight into the typed form with
/// a serde `Deserializer` of its own (Python's, over dicts): the rules, as
/// [`request_from_json`] applies them. Such a reader must refuse (so that
/// the caller takes the untyped path instead) anything the untyped path
/// would clean or report: a struct from anything but a mapping, a value
/// not already of the field's exact type, `null`. `None` when a free-form
/// object nests too deep: the untyped path names where.
pub fn typed_request_checked(
    request: AddCustomerRequest,
) -> Option<Result<AddCustomerRequest, Error>> {
    (!free_form_too_deep(&request)).then(|| checked(request))
}

/// JSON text into a value; an `Err` is an [`Error::Validation`] saying what
/// is wrong with the text.
pub fn json_text(text: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| {
        let (path, what) = if e.to_string().contains("recursion limit") {
            (
                // serde_json stops at 128 levels without saying where.
                too_deep_in_text(text).unwrap_or_default(),
                crate::depth::too_deep_message(),
            )
        } else {
            (String::new(), format!("not a JSON object: {e}"))
        };
        Error::Validation(vec![FieldError::new(path, what)])
    })
}

/// A typed request's rules, problems in the order of the request.
fn checked(request: AddCustomerRequest) -> Result<AddCustomerRequest, Error> {
    let mut rule_errors = check_rules(&request);
    if rule_errors.is_empty() {
        return Ok(request);
    }
    rule_errors.sort_by_key(|e| document_rank(&e.path));
    Err(Error::Validation(rule_errors))
}

/// Whether a free-form object of `request` (the only values that nest)
/// holds something at [`MAX_DEPTH`] or deeper, counted from the top of the
/// request as [`too_deep`] counts.
fn free_form_too_deep(request: &AddCustomerRequest) -> bool {
    let (customer, enquiry) = (&request.customer_info, &request.enquiry_info);
    // top 0, section 1, the free-form object 2, its values 3.
    [
        &customer.additional_fields,
        &customer.associate_fields,
        &enquiry.additional_fields,
        &enquiry.associate_fields,
    ]
    .iter()
    .any(|fields| fields.values().any(|v| exceeds_depth_at(v, 3)))
}

/// See the module docs. The `Err` is always [`Error::Validation`].
pub fn request_from_json(value: &Value) -> Result<AddCustomerRequest, Error> {
    request_from_json_reporting(value, Vec::new())
}

/// [`request_from_json`] for a caller that met problems of its own while
/// building `value` (a binding that could not convert a Python `datetime`,
/// say, and put `null` in its place): they are reported with the rest, and
/// rules on their fields are not repeated.
pub fn request_from_json_reporting(
    value: &Value,
    earlier: Vec<FieldError>,
) -> Result<AddCustomerRequest, Error> {
    let mut errors = earlier;
    if let Some(path) = too_deep(value) {
        errors.push(FieldError::new(path, crate::depth::too_deep_message()));
        return Err(Error::Validation(errors));
    }
    let Value::Object(top) = value else {
        errors.push(FieldError::new(
            "",
            format!(
                "expected an object with customer_info, contact_info and enquiry_info, got {}",
                describe(value)
            ),
        ));
        return Err(Error::Validation(errors));
    };

    // The common case, a request already in the vendor's exact types: read
    // it as it is, without a cleaned copy (half of the conversion's cost),
    // the way the text path reads text (see `request_from_json_text`).
    if errors.is_empty()
        && let Ok(request) =
            AddCustomerRequest::deserialize(crate::fast::maps_only::MapsOnly(value))
    {
        return checked(request);
    }

    let mut clean = Map::with_capacity(top.len());
    for (key, value) in top {
        match key.as_str() {
            "customer_info" => {
                let section = section(value, key, customer_schema(), &mut errors);
                clean.insert(key.clone(), section);
            }
            "enquiry_info" => {
                let section = section(value, key, enquiry_schema(), &mut errors);
                clean.insert(key.clone(), section);
            }
            "contact_info" => {
                let contacts = contacts(value, &mut errors);
                clean.insert(key.clone(), contacts);
            }
            _ => errors.push(unknown_top_level_key(key)),
        }
    }

    // Cannot fail after the checks above; mapped anyway so no panic is possible.
    let request: AddCustomerRequest = serde_json::from_value(Value::Object(clean))
        .map_err(|e| Error::Validation(vec![FieldError::new("", e.to_string())]))?;

    // Rules on fields (or inside sections) that already have a type error
    // would only repeat it.
    let mut rule_errors = check_rules(&request);
    rule_errors.retain(|rule| !errors.iter().any(|e| covers(&e.path, &rule.path)));
    errors.extend(rule_errors);
    // Report in the order of the request: sections, then contacts by index.
    errors.sort_by_key(|e| document_rank(&e.path));

    if errors.is_empty() {
        Ok(request)
    } else {
        Err(Error::Validation(errors))
    }
}

/// True when a problem at `outer` already explains one at `inner`.
fn covers(outer: &str, inner: &str) -> bool {
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// (section, contact index) of a path, for sorting problems.
fn document_rank(path: &str) -> (usize, usize) {
    let section = path.split(['.', '[']).next().unwrap_or_default();
    let rank = SECTIONS
        .iter()
        .position(|s| *s == section)
        .unwrap_or(SECTIONS.len());
    let index = path
        .strip_prefix("contact_info[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    (rank, index)
}

fn contacts(value: &Value, errors: &mut Vec<FieldError>) -> Value {
    match value {
        Value::Null => Value::Array(Vec::new()),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let path = format!("contact_info[{i}]");
                    section(item, &path, contact_schema(), errors)
                })
                .collect(),
        ),
        other => {
            let hint = if other.is_object() {
                " (wrap the single contact in a list: [ {...} ])"
            } else {
                ""
            };
            errors.push(FieldError::new(
                "contact_info",
                format!("expected a list of contacts, got {}{hint}", describe(other)),
            ));
            Value::Array(Vec::new())
        }
    }
}

fn section(value: &Value, path: &str, schema: &Schema, errors: &mut Vec<FieldError>) -> Value {
    let fields = match value {
        Value::Null => return Value::Object(Map::new()),
        Value::Object(fields) => fields,
        other => {
            errors.push(FieldError::new(
                path,
                format!("expected an object, got {}", describe(other)),
            ));
            return Value::Object(Map::new());
        }
    };
    let mut clean = Map::new();
    // The field's path is built only for a problem, not for every field of
    // every record of a bulk run.
    let field_path = |key: &str| format!("{path}.{key}");
    for (key, value) in fields {
        let Some(&(_, kind)) = schema.iter().find(|(name, _)| name == key) else {
            errors.push(unknown_key(&field_path(key), key, schema));
            continue;
        };
        match convert(value, kind) {
            Ok(Some(v)) => {
                clean.insert(key.clone(), v);
            }
            Ok(None) => {}
            Err(message) => errors.push(FieldError::new(field_path(key), message)),
        }
    }
    Value::Object(clean)
}

/// A text field's value as the add takes it: a string, or a whole number
/// as its digits (a phone from a spreadsheet); `None` for null. The
/// lookup's phone and email take the same.
pub fn text_field(value: &Value) -> Result<Option<String>, String> {
    match convert(value, Kind::Text)? {
        Some(Value::String(text)) => Ok(Some(text)),
        _ => Ok(None),
    }
}

/// `Ok(None)` leaves the field at its default.
fn convert(value: &Value, kind: Kind) -> Result<Option<Value>, String> {
    match (kind, value) {
        (_, Value::Null) => Ok(None),
        (Kind::Text, Value::String(_)) | (Kind::Bool, Value::Bool(_)) => Ok(Some(value.clone())),
        (Kind::Object, Value::Object(_)) => Ok(Some(value.clone())),
        (Kind::Text, Value::Number(n)) if n.is_i64() || n.is_u64() => {
            Ok(Some(Value::String(n.to_string())))
        }
        (Kind::Text, Value::Number(n)) => Err(format!(
            "expected text, got the decimal number {n}; a decimal or exponent number (as a \
             spreadsheet writes 9.38e9) may have lost digits, so pass the value as a string \
             (or a whole number)"
        )),
        (Kind::Text, other) => Err(format!("expected text, got {}", describe(other))),
        (Kind::Bool, other) => Err(format!("expected true or false, got {}", describe(other))),
        (Kind::Object, other) => Err(format!(
            "expected an object of extra fields ({{\"key\": value}}), got {}",
            describe(other)
        )),
    }
}

fn unknown_key(path: &str, key: &str, schema: &Schema) -> FieldError {
    let names: Vec<&str> = schema.iter().map(|(name, _)| *name).collect();
    let mut message = String::from("unknown field");
    // A field of another section is a misplaced field, not a typo.
    if let Some(home) = section_holding(key) {
        message.push_str(&format!("; `{key}` belongs in {home}"));
    } else if let Some(suggestion) = closest(key, &names) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str(
            "; custom fields go in `additional_fields` or `associate_fields` (free-form objects)",
        );
    }
    FieldError::new(path, message)
}

fn unknown_top_level_key(key: &str) -> FieldError {
    let mut message = String::from("unknown field");
    if let Some(home) = section_holding(key) {
        message.push_str(&format!("; `{key}` belongs inside {home}"));
    } else if let Some(suggestion) = closest(key, &SECTIONS) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str("; the request holds customer_info, contact_info and enquiry_info");
    }
    FieldError::new(key, message)
}

fn section_holding(key: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .copied()
        .find(|section| field_names(section).contains(&key))
}

/// A request (as JSON) without what is left at the vendor's defaults (`""`,
/// `false`, `{}`, `[]`): the fields a caller actually set. A contact left
/// entirely at its defaults stays, as `{}`, to keep the others' indexes.
pub fn without_defaults(value: &Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let kept: Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| without_defaults(v).map(|v| (k.clone(), v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(items) => (!items.is_empty()).then(|| {
            Value::Array(
                items
                    .iter()
                    .map(|v| without_defaults(v).unwrap_or_else(|| Value::Object(Map::new())))
                    .collect(),
            )
        }),
        Value::String(s) if s.is_empty() => None,
        Value::Bool(false) | Value::Null => None,
        other => Some(other.clone()),
    }
}

/// Makes an untyped request an update of Kapture's customer `customer_id`
/// (sets `customer_info.customer_id`), before it is parsed and validated by
/// the update rules. A value that is not an object is left for the parser
/// to refuse.
pub fn set_customer_id(value: &mut Value, customer_id: &str) {
    let Value::Object(top) = value else { return };
    let info = top
        .entry("customer_info")
        .or_insert_with(|| Value::Object(Map::new()));
    if info.is_null() {
        *info = Value::Object(Map::new());
    }
    if let Value::Object(info) = info {
        info.insert(
            "customer_id".into(),
            Value::String(customer_id.trim().into()),
        );
    }
}

impl AddCustomerRequest {
    /// Builds a request from untyped JSON (what a Python dict or a JS object
    /// becomes), reporting every problem at once. See [`crate::parse`].
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        request_from_json(value)
    }

    /// [`from_json`](Self::from_json) for JSON text: the same rules and
    /// messages, and faster for a request in the vendor's exact types (read
    /// straight into the typed request).
    pub fn from_json_str(text: &str) -> Result<Self, Error> {
        request_from_json_text(text)
    }
}

/// [`request_from_json_text`] as a [`CheckedRequest`] (it checks every rule).
pub fn checked_from_json_text(text: &str) -> Result<CheckedRequest, Error> {
    request_from_json_text(text).map(CheckedRequest::trusted)
}

/// [`request_from_json_reporting`] as a [`CheckedRequest`].
pub fn checked_from_json_reporting(
    value: &Value,
    earlier: Vec<FieldError>,
) -> Result<CheckedRequest, Error> {
    request_from_json_reporting(value, earlier).map(CheckedRequest::trusted)
}

/// [`typed_request_checked`] as a [`CheckedRequest`].
pub fn typed_checked(request: AddCustomerRequest) -> Option<Result<CheckedRequest, Error>> {
    typed_request_checked(request).map(|checked| checked.map(CheckedRequest::trusted))
}

/// An update of Kapture's customer `customer_id` from untyped JSON: the id
/// set (an empty one refused: it would be an add), then checked by the
/// update rules, with the caller's own `earlier` problems.
pub fn checked_update(
    mut value: Value,
    customer_id: &str,
    earlier: Vec<FieldError>,
) -> Result<CheckedRequest, Error> {
    if customer_id.trim().is_empty() {
        return Err(crate::validate::update_needs_id());
    }
    set_customer_id(&mut value, customer_id);
    checked_from_json_reporting(&value, earlier)
}
