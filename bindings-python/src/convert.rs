//! Values across the edge: a Python request (dicts, lists, str, int, float,
//! bool, None) into JSON once, and a JSON reply into Python objects.
//!
//! What JSON cannot hold is reported with its path, together with every
//! other problem of the request, never silently changed. One exception:
//! a float NaN, which is how pandas writes an empty cell, means "left out".

use kapture_crm::parse::{MAX_DEPTH, request_from_json_reporting};
use kapture_crm::{AddCustomerRequest, Error, FieldError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// A request dict into the typed core request; `Err` is always
/// [`Error::Validation`] with every problem found.
pub fn request(object: &Bound<'_, PyAny>) -> Result<AddCustomerRequest, Error> {
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
    request_from_json_reporting(&value, problems)
}

/// A Python value into JSON; what cannot be converted becomes `null` and a
/// problem at its path.
pub fn to_json(object: &Bound<'_, PyAny>, path: &str, problems: &mut Vec<FieldError>) -> Value {
    convert(object, path, 0, problems)
}

/// Dicts and lists deeper than the core's limit (and cycles, which are
/// infinitely deep) are refused before recursing, so no input can exhaust
/// the stack.
fn convert(
    object: &Bound<'_, PyAny>,
    path: &str,
    depth: usize,
    problems: &mut Vec<FieldError>,
) -> Value {
    let container = object.cast::<PyDict>().is_ok()
        || object.cast::<PyList>().is_ok()
        || object.cast::<PyTuple>().is_ok();
    if container && depth > MAX_DEPTH {
        return problem(
            problems,
            path,
            &format!(
                "nested deeper than {MAX_DEPTH} levels (or a dict that contains itself); \
                 a request is never that deep"
            ),
        );
    }
    if object.is_none() {
        return Value::Null;
    }
    // bool before int: True is an int in Python.
    if let Ok(b) = object.cast::<PyBool>() {
        return Value::Bool(b.is_true());
    }
    if let Ok(s) = object.cast::<PyString>() {
        return match s.to_cow() {
            Ok(s) => Value::String(s.into_owned()),
            Err(_) => problem(
                problems,
                path,
                "expected text, got a string that is not valid UTF-8",
            ),
        };
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
            path,
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
                path,
                &format!("got the number {x}, which JSON cannot hold"),
            ),
        };
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, value) in dict.iter() {
            let Ok(key) = key
                .cast::<PyString>()
                .map(|k| k.to_string_lossy().into_owned())
            else {
                problems.push(FieldError::new(
                    path,
                    format!(
                        "keys must be strings, got a key of type {}",
                        type_name(&key)
                    ),
                ));
                continue;
            };
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            let converted = convert(&value, &child, depth + 1, problems);
            map.insert(key, converted);
        }
        return Value::Object(map);
    }
    if object.cast::<PyList>().is_ok() || object.cast::<PyTuple>().is_ok() {
        let items: Vec<Value> = object
            .try_iter()
            .map(|iter| {
                iter.enumerate()
                    .map(|(i, item)| match item {
                        Ok(item) => convert(&item, &format!("{path}[{i}]"), depth + 1, problems),
                        Err(e) => problem(problems, path, &e.to_string()),
                    })
                    .collect()
            })
            .unwrap_or_default();
        return Value::Array(items);
    }
    let hint = match type_name(object).as_str() {
        "date" | "datetime" => "; pass dates as text, e.g. \"1990-02-28\"",
        "Decimal" => "; pass it as a string or an int",
        _ => "",
    };
    problem(
        problems,
        path,
        &format!(
            "expected text, a number, True/False, a list or a dict, got a {} object{hint}",
            type_name(object)
        ),
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
