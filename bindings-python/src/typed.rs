//! The fast path of a request dict: read straight into the core's typed
//! request by a serde `Deserializer` over the Python objects, with no
//! untyped tree in between. The keys and types accepted are the model's own
//! (`deny_unknown_fields`, exact field types); this reader only refuses
//! what the untyped path (`convert.rs`) would clean or report: anything but
//! `str`, `bool`, `dict` (with `str` keys) and `list`, a struct from
//! anything but a dict, text that is not valid UTF-8, nesting past the
//! core's limit. Refused means "take the untyped path", which then says
//! what is wrong; so a request is accepted, changed and reported exactly as
//! before, only sooner.

use std::borrow::Cow;
use std::fmt;

use kapture_crm::AddCustomerRequest;
use kapture_crm::parse::MAX_DEPTH;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use pyo3::types::{PyDictMethods, PyListMethods};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The typed request, if the dict is in the vendor's exact types.
pub fn request(dict: &Bound<'_, PyDict>) -> Option<AddCustomerRequest> {
    AddCustomerRequest::deserialize(Object {
        object: dict.as_any(),
        depth: 0,
    })
    .ok()
}

/// Why the fast path gave up; never shown (the untyped path reports).
#[derive(Debug)]
struct Unfit;

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not in the vendor's exact types")
    }
}

impl std::error::Error for Unfit {}

impl de::Error for Unfit {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unfit
    }
}

/// One Python value at `depth` (the request dict is 0).
struct Object<'a, 'py> {
    object: &'a Bound<'py, PyAny>,
    depth: usize,
}

impl<'py> Object<'_, 'py> {
    fn dict<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        let dict = self.object.cast::<PyDict>().map_err(|_| Unfit)?;
        if self.depth > MAX_DEPTH {
            return Err(Unfit);
        }
        visitor.visit_map(Entries {
            iter: dict.iter(),
            value: None,
            depth: self.depth + 1,
        })
    }
}

impl<'de> Deserializer<'de> for Object<'_, '_> {
    type Error = Unfit;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        let object = self.object;
        if let Ok(text) = object.cast::<PyString>() {
            return match text.to_cow().map_err(|_| Unfit)? {
                Cow::Borrowed(text) => visitor.visit_str(text),
                Cow::Owned(text) => visitor.visit_string(text),
            };
        }
        if let Ok(flag) = object.cast::<PyBool>() {
            return visitor.visit_bool(flag.is_true());
        }
        if object.cast::<PyDict>().is_ok() {
            return self.dict(visitor);
        }
        if let Ok(list) = object.cast::<PyList>() {
            if self.depth > MAX_DEPTH {
                return Err(Unfit);
            }
            return visitor.visit_seq(Items {
                list,
                next: 0,
                depth: self.depth + 1,
            });
        }
        Err(Unfit)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unfit> {
        self.dict(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unfit> {
        self.dict(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct enum identifier ignored_any
    }
}

struct Entries<'py> {
    iter: pyo3::types::dict::BoundDictIterator<'py>,
    value: Option<Bound<'py, PyAny>>,
    depth: usize,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Unfit;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Unfit> {
        let Some((key, value)) = self.iter.next() else {
            return Ok(None);
        };
        if key.cast::<PyString>().is_err() {
            return Err(Unfit);
        }
        self.value = Some(value);
        seed.deserialize(Object {
            object: &key,
            depth: self.depth,
        })
        .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Unfit> {
        let value = self.value.take().ok_or(Unfit)?;
        seed.deserialize(Object {
            object: &value,
            depth: self.depth,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct Items<'a, 'py> {
    list: &'a Bound<'py, PyList>,
    next: usize,
    depth: usize,
}

impl<'de> SeqAccess<'de> for Items<'_, '_> {
    type Error = Unfit;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Unfit> {
        // Read by index: a list cannot change while the GIL is held here.
        // The length is checked first: reading past the end would raise an
        // IndexError only to drop it, on every list read.
        if self.next >= self.list.len() {
            return Ok(None);
        }
        let Ok(item) = self.list.get_item(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(Object {
            object: &item,
            depth: self.depth,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.list.len().saturating_sub(self.next))
    }
}
