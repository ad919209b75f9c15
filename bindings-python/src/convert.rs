//! Values across the edge: a Python request (dicts, lists, str, int, float,
//! bool, None) into JSON once, and a JSON reply into Python objects.
//!
//! What JSON cannot hold is reported with its path, together with every
//! other problem of the request, never silently changed. One exception:
//! a float NaN, which is how pandas writes an empty cell, means "left out".

use kapture_crm::CheckedRequest;
use kapture_crm::parse::{MAX_DEPTH, checked_from_json_reporting};
use kapture_crm::rows::{Cell, DateTime};
use kapture_crm::{Error, FieldError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Runs a conversion of a caller's value: a panic inside it (a value that
/// changed or misbehaved while it was read) becomes that value's
/// [`Error::Validation`], never a `PanicException`. Every entry point of
/// this file and of `rows.rs` runs inside it.
pub fn guarded<T>(convert: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(convert))
        .unwrap_or_else(|payload| Err(Error::from_conversion_panic("", &*payload)))
}

/// A request dict into the typed core request; `Err` is always
/// [`Error::Validation`] with every problem found.
pub fn request(object: &Bound<'_, PyAny>) -> Result<CheckedRequest, Error> {
    guarded(|| request_unguarded(object))
}

fn request_unguarded(object: &Bound<'_, PyAny>) -> Result<CheckedRequest, Error> {
    // The common case, a dict already in the vendor's exact types: read
    // straight into the typed request (see `typed.rs`).
    if let Ok(dict) = object.cast::<PyDict>()
        && let Some(typed) = crate::typed::request(dict)
        && let Some(result) = kapture_crm::parse::typed_checked(typed)
    {
        return result;
    }
    untyped_request(object)
}

/// [`request`] through the untyped path only (every problem reported).
pub fn untyped_request(object: &Bound<'_, PyAny>) -> Result<CheckedRequest, Error> {
    guarded(|| untyped_request_unguarded(object))
}

fn untyped_request_unguarded(object: &Bound<'_, PyAny>) -> Result<CheckedRequest, Error> {
    if object.cast::<PyDict>().is_err() {
        return Err(Error::Validation(vec![FieldError::new(
            "",
            format!(
                "expected a dict with customer_info, contact_info and enquiry_info, got {}",
                type_name(object)
            ),
        )]));
    }
    let mut problems = Vec::new();
    let value = to_json(object, "", &mut problems);
    checked_from_json_reporting(&value, problems)
}

/// An update's request dict, with Kapture's customer id set, validated by
/// the update rules.
pub fn update(object: &Bound<'_, PyAny>, customer_id: &str) -> Result<CheckedRequest, Error> {
    if object.cast::<PyDict>().is_err() {
        return request(object);
    }
    guarded(|| {
        let mut problems = Vec::new();
        let value = to_json(object, "", &mut problems);
        kapture_crm::parse::checked_update(value, customer_id, problems)
    })
}

/// A Python value into JSON; what cannot be converted becomes `null` and a
/// problem at its path.
pub fn to_json(object: &Bound<'_, PyAny>, path: &str, problems: &mut Vec<FieldError>) -> Value {
    convert(object, &At::Root(path), 0, problems)
}

/// Where a value sits, rendered (`contact_info[0].dob`) only for a problem:
/// formatting the path of every field was a large part of a call's
/// conversion.
#[derive(Clone, Copy)]
enum At<'a> {
    Root(&'a str),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn render(&self) -> String {
        match self {
            At::Root(path) => path.to_string(),
            At::Key(parent, key) => {
                let parent = parent.render();
                if parent.is_empty() {
                    key.to_string()
                } else {
                    format!("{parent}.{key}")
                }
            }
            At::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// Dicts and lists deeper than the core's limit (and cycles, which are
/// infinitely deep) are refused before recursing, so no input can exhaust
/// the stack. The common kinds are tried first (text, then flags).
fn convert(
    object: &Bound<'_, PyAny>,
    at: &At<'_>,
    depth: usize,
    problems: &mut Vec<FieldError>,
) -> Value {
    if let Ok(s) = object.cast::<PyString>() {
        return match s.to_cow() {
            Ok(s) => Value::String(s.into_owned()),
            Err(_) => problem(
                problems,
                &at.render(),
                "expected text, got a string that is not valid UTF-8",
            ),
        };
    }
    if object.is_none() {
        return Value::Null;
    }
    // bool before int: True is an int in Python.
    if let Ok(b) = object.cast::<PyBool>() {
        return Value::Bool(b.is_true());
    }
    let too_deep = |problems: &mut Vec<FieldError>| {
        problem(
            problems,
            &at.render(),
            &kapture_crm::depth::too_deep_message(),
        )
    };
    if let Ok(dict) = object.cast::<PyDict>() {
        if depth > MAX_DEPTH {
            return too_deep(problems);
        }
        let mut map = Map::with_capacity(dict.len());
        // A snapshot of the items: converting a value may run the caller's
        // code (a list subclass's `__iter__`), which may change this dict.
        let items = dict.items();
        for item in items.iter() {
            let Ok((key, value)) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>() else {
                continue;
            };
            let Ok(key) = key.cast::<PyString>().map(|k| k.to_string_lossy()) else {
                problems.push(FieldError::new(
                    at.render(),
                    format!(
                        "keys must be strings, got a key of type {}",
                        type_name(&key)
                    ),
                ));
                continue;
            };
            let converted = convert(&value, &At::Key(at, &key), depth + 1, problems);
            map.insert(key.into_owned(), converted);
        }
        if dict.len() != items.len() {
            problems.push(FieldError::new(
                at.render(),
                "the dict changed while it was being read (a key was added or removed by \
                 code that ran during the conversion)",
            ));
        }
        return Value::Object(map);
    }
    if object.cast::<PyList>().is_ok() || object.cast::<PyTuple>().is_ok() {
        if depth > MAX_DEPTH {
            return too_deep(problems);
        }
        let items: Vec<Value> = object
            .try_iter()
            .map(|iter| {
                iter.enumerate()
                    .map(|(i, item)| match item {
                        Ok(item) => convert(&item, &At::Index(at, i), depth + 1, problems),
                        Err(e) => problem(problems, &at.render(), &e.to_string()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        return Value::Array(items);
    }
    if let Ok(i) = object.cast::<PyInt>() {
        if let Ok(n) = i.extract::<i64>() {
            return Value::Number(n.into());
        }
        if let Ok(n) = i.extract::<u64>() {
            return Value::Number(n.into());
        }
        return problem(
            problems,
            &at.render(),
            "got an integer too large for JSON; pass it as a string",
        );
    }
    if let Ok(f) = object.cast::<PyFloat>() {
        let x = f.value();
        if x.is_nan() {
            return Value::Null;
        }
        return match Number::from_f64(x) {
            Some(n) => Value::Number(n),
            None => problem(
                problems,
                &at.render(),
                &format!("got the number {x}, which JSON cannot hold"),
            ),
        };
    }
    let path = at.render();
    if let Some(value) = scalar(object, &path, depth, problems) {
        return value;
    }
    let hint = match type_name(object).as_str() {
        "date" | "datetime" | "Timestamp" => {
            "; pass dates as text, e.g. \"1990-02-28\" (or map rows with from_row)"
        }
        "Decimal" => "; pass it as a string or an int",
        _ => "",
    };
    problem(
        problems,
        &path,
        &format!(
            "expected text, a number, True/False, a list or a dict, got a {} object{hint}",
            type_name(object)
        ),
    )
}

/// numpy and pandas scalars are what they look like, found by duck typing
/// (no numpy dependency): `pd.NA` and `pd.NaT` are left out, a scalar with
/// `item()` and a `dtype` (`np.int64`, `np.bool_`) is its Python value, and
/// anything else with `__index__` is an integer.
fn scalar(
    object: &Bound<'_, PyAny>,
    path: &str,
    depth: usize,
    problems: &mut Vec<FieldError>,
) -> Option<Value> {
    if matches!(type_name(object).as_str(), "NAType" | "NaTType") {
        return Some(Value::Null);
    }
    let has = |name: &str| object.hasattr(name).unwrap_or(false);
    // depth + 1 each time: an `item()` that returns itself cannot loop.
    if has("item") && has("dtype") && depth <= MAX_DEPTH {
        return Some(match object.call_method0("item") {
            Ok(item) => convert(&item, &At::Root(path), depth + 1, problems),
            Err(e) => problem(problems, path, &e.to_string()),
        });
    }
    if has("__index__") {
        return Some(match object.call_method0("__index__") {
            Ok(index) if index.cast::<PyInt>().is_ok() => {
                convert(&index, &At::Root(path), depth + 1, problems)
            }
            Ok(_) | Err(_) => return None,
        });
    }
    None
}

/// Kapture's customer id from Python: an int, or a string (its digits are
/// checked by the core).
pub fn customer_id(id: &Bound<'_, PyAny>) -> Result<String, Error> {
    let wrong = |got: &str| kapture_crm::validate::customer_id_kind_error("customer_id", got);
    if id.cast::<PyBool>().is_ok() {
        return Err(wrong(&type_name(id)));
    }
    match (id.cast::<PyInt>(), id.cast::<PyString>()) {
        // str() refuses an int of more digits than Python's limit
        // (sys.get_int_max_str_digits): no id is that long.
        (Ok(int), _) => int
            .str()
            .map(|s| s.to_string_lossy().into_owned())
            .map_err(|_| wrong("an int with more digits than Python will turn into text")),
        (_, Ok(text)) => Ok(text.to_string_lossy().into_owned()),
        _ => Err(wrong(&type_name(id))),
    }
}

/// `find_customer`'s arguments as a core lookup: the customer id an int or
/// a string of digits, the phone and email whatever the add takes (a phone
/// as an int too: the core's rule, `CustomerLookup::from_json`).
pub fn lookup(
    customer_id: Option<&Bound<'_, PyAny>>,
    phone: Option<&Bound<'_, PyAny>>,
    email: Option<&Bound<'_, PyAny>>,
) -> Result<kapture_crm::CustomerLookup, Error> {
    let mut object = serde_json::Map::new();
    if let Some(id) = customer_id.filter(|id| !id.is_none()) {
        object.insert("customer_id".into(), Value::String(self::customer_id(id)?));
    }
    let mut problems = Vec::new();
    for (key, given) in [("phone", phone), ("email", email)] {
        if let Some(given) = given.filter(|v| !v.is_none()) {
            object.insert(key.into(), to_json(given, key, &mut problems));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    // Validated by the core's `find_customer`, before any I/O.
    kapture_crm::CustomerLookup::from_json(&Value::Object(object))
}

/// A row's (header, cell) pairs, and the problems met converting them.
pub type RowCells = (Vec<(String, Cell)>, Vec<FieldError>);

/// A flat row (a dict, a pandas Series: anything with `items()`) into
/// (header, cell) pairs for the core's row mapper. Dates (`datetime`,
/// `date`, pandas `Timestamp`) become calendar dates; everything else
/// converts as in a request. Problems are reported at their header.
pub fn row_cells(row: &Bound<'_, PyAny>) -> Result<RowCells, Error> {
    guarded(|| row_cells_unguarded(row))
}

fn row_cells_unguarded(row: &Bound<'_, PyAny>) -> Result<RowCells, Error> {
    let items = row
        .call_method0("items")
        .and_then(|items| items.try_iter())
        .map_err(|_| kapture_crm::rows::not_a_row(&type_name(row)))?;
    let mut cells = Vec::new();
    let mut problems = Vec::new();
    for item in items {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
            match item.and_then(|i| i.extract()) {
                Ok(pair) => pair,
                Err(e) => {
                    problems.push(FieldError::new("", e.to_string()));
                    continue;
                }
            };
        // Column labels of a DataFrame need not be strings (0, 1, ...).
        let header = match key.cast::<PyString>() {
            Ok(s) => s.to_string_lossy().into_owned(),
            Err(_) => match key.str() {
                Ok(s) => s.to_string_lossy().into_owned(),
                Err(e) => {
                    // Refused, never dropped: its cell would be lost.
                    problems.push(FieldError::new(
                        "",
                        format!(
                            "a column label of type {} could not be turned into text ({e}); \
                             use a str label",
                            type_name(&key)
                        ),
                    ));
                    continue;
                }
            },
        };
        let cell = if let Ok(error) = value.cast::<crate::read::CellError>() {
            Cell::Error(error.get().message().to_string())
        } else {
            match date(&value) {
                Some(date) => Cell::Date(date),
                None => Cell::Json(convert(&value, &At::Root(&header), 0, &mut problems)),
            }
        };
        cells.push((header, cell));
    }
    Ok((cells, problems))
}

/// A `date`/`datetime`/`Timestamp` (anything with year, month and day,
/// and `isoformat`) as a calendar date.
fn date(value: &Bound<'_, PyAny>) -> Option<DateTime> {
    if value.cast::<PyString>().is_ok() || !value.hasattr("isoformat").unwrap_or(false) {
        return None;
    }
    let part = |name: &str| value.getattr(name).ok()?.extract::<i64>().ok();
    let (year, month, day) = (part("year")?, part("month")?, part("day")?);
    let time = match (part("hour"), part("minute"), part("second")) {
        (Some(h), Some(m), Some(s)) => Some((
            u32::try_from(h).ok()?,
            u32::try_from(m).ok()?,
            u32::try_from(s).ok()?,
        )),
        _ => None,
    };
    DateTime::new(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
        time,
    )
}

fn problem(problems: &mut Vec<FieldError>, path: &str, message: &str) -> Value {
    problems.push(FieldError::new(path, message));
    Value::Null
}

fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// JSON into Python objects (dicts keep the server's key order).
pub fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (_, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => object_to_python(py, map)?.into_any(),
    })
}

pub fn object_to_python<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in map {
        dict.set_item(key, to_python(py, value)?)?;
    }
    Ok(dict)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_reading_a_callers_value_is_a_validation_error() {
        let result: Result<(), Error> =
            guarded(|| panic!("dictionary changed size during iteration"));
        match result {
            Err(Error::Validation(problems)) => {
                assert!(problems[0].message.contains("dictionary changed size"));
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
}
