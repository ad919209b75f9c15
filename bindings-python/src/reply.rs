//! A reply into Python objects, read straight from the text the server
//! sent (`AddCustomerResponse::json_text`): each JSON value becomes its
//! Python object as it is read, with no `serde_json` tree in between.
//!
//! A tree and its conversion would be built on every call only to be
//! thrown away; this does less work than Python's own decoder (`json`) too.
//! Values become what `to_python` makes of a tree: an integer within 64
//! bits an `int`, any other number a `float`, as the core reads numbers.

use std::fmt;

use kapture_crm::AddCustomerResponse;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::convert::object_to_python;

/// The reply as a dict. The core checked the text to be a JSON object;
/// should it still not read, the core's own parse is converted instead.
pub fn to_python<'py>(py: Python<'py>, reply: &AddCustomerResponse) -> PyResult<Bound<'py, PyAny>> {
    let mut reader = serde_json::Deserializer::from_str(reply.json_text());
    let read = Object(py)
        .deserialize(&mut reader)
        .and_then(|dict| reader.end().map(|()| dict));
    match read {
        Ok(Ok(dict)) => Ok(dict),
        Ok(Err(error)) => Err(error),
        Err(_) => Ok(object_to_python(py, reply.as_json())?.into_any()),
    }
}

/// What a value read becomes: the object, or the error Python raised
/// making it (kept aside: a serde error cannot carry a `PyErr`).
type Made<'py> = PyResult<Bound<'py, PyAny>>;

/// The top: a JSON object.
struct Object<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for Object<'py> {
    type Value = Made<'py>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Made<'py>, D::Error> {
        deserializer.deserialize_map(Any(self.0))
    }
}

/// Any JSON value.
#[derive(Clone, Copy)]
struct Any<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for Any<'py> {
    type Value = Made<'py>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Made<'py>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, 'py> Visitor<'de> for Any<'py> {
    type Value = Made<'py>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Made<'py>, E> {
        Ok(Ok(PyBool::new(self.0, value).to_owned().into_any()))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Made<'py>, E> {
        Ok(Ok(value
            .into_pyobject(self.0)
            .map_or_else(|e| match e {}, Bound::into_any)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Made<'py>, E> {
        Ok(Ok(value
            .into_pyobject(self.0)
            .map_or_else(|e| match e {}, Bound::into_any)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Made<'py>, E> {
        Ok(Ok(PyFloat::new(self.0, value).into_any()))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Made<'py>, E> {
        Ok(Ok(PyString::new(self.0, value).into_any()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Made<'py>, E> {
        Ok(Ok(self.0.None().into_bound(self.0)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Made<'py>, A::Error> {
        let list = PyList::empty(self.0);
        while let Some(item) = seq.next_element_seed(self)? {
            if let Err(error) = item.and_then(|item| list.append(item)) {
                return drain_seq(seq, error);
            }
        }
        Ok(Ok(list.into_any()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Made<'py>, A::Error> {
        let dict = PyDict::new(self.0);
        while let Some(key) = map.next_key_seed(Key(self.0))? {
            let value = map.next_value_seed(self)?;
            let stored = key.and_then(|key| value.and_then(|value| dict.set_item(key, value)));
            if let Err(error) = stored {
                return drain_map(map, error);
            }
        }
        Ok(Ok(dict.into_any()))
    }
}

/// A key of an object: one of the vendor's reply keys is a string made
/// once and shared (interned, its hash kept); any other is made afresh.
/// The vendor reply's eight keys are then not made and hashed again for
/// every reply.
struct Key<'py>(Python<'py>);

impl<'de, 'py> DeserializeSeed<'de> for Key<'py> {
    type Value = Made<'py>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Made<'py>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'py> {
    type Value = Made<'py>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object's key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Made<'py>, E> {
        let py = self.0;
        let shared = match key {
            "status" => pyo3::intern!(py, "status"),
            "customer" => pyo3::intern!(py, "customer"),
            "result" => pyo3::intern!(py, "result"),
            "customer_id" => pyo3::intern!(py, "customer_id"),
            "action" => pyo3::intern!(py, "action"),
            "action_event" => pyo3::intern!(py, "action_event"),
            "contact_id" => pyo3::intern!(py, "contact_id"),
            "message" => pyo3::intern!(py, "message"),
            _ => return Ok(Ok(PyString::new(py, key).into_any())),
        };
        Ok(Ok(shared.clone().into_any()))
    }
}

/// The rest of a list read (the text stays checked to its end) once
/// Python failed to make a value of it; the failure is what is returned.
fn drain_seq<'de, 'py, A: SeqAccess<'de>>(mut seq: A, error: PyErr) -> Result<Made<'py>, A::Error> {
    while seq.next_element::<de::IgnoredAny>()?.is_some() {}
    Ok(Err(error))
}

/// As [`drain_seq`], for an object.
fn drain_map<'de, 'py, A: MapAccess<'de>>(mut map: A, error: PyErr) -> Result<Made<'py>, A::Error> {
    while map
        .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
        .is_some()
    {}
    Ok(Err(error))
}
