//! Integers of request bodies. JSON Schema counts `2.0` as an integer, and so does the
//! OpenAPI document, so these fields accept a number without a fractional part as well as
//! `2`. Used with `#[serde(deserialize_with = …)]`.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // 2^63 is exactly representable; every whole f64 below it fits an i64.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
            Ok(v as i64)
        } else {
            Err(E::invalid_type(de::Unexpected::Float(v), &self))
        }
    }
}

/// An integer, or a number with no fractional part.
pub fn de<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntVisitor)
}

/// [`de`] for an optional field (`null` counts as absent).
pub fn de_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    struct Int(#[serde(deserialize_with = "de")] i64);
    Ok(Option::<Int>::deserialize(d)?.map(|i| i.0))
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Q {
        #[serde(deserialize_with = "super::de")]
        n: i64,
        #[serde(default, deserialize_with = "super::de_opt")]
        m: Option<i64>,
    }

    fn n(json: &str) -> Result<(i64, Option<i64>), String> {
        serde_json::from_str::<Q>(json)
            .map(|q| (q.n, q.m))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_in_any_spelling() {
        assert_eq!(n(r#"{"n": 2}"#), Ok((2, None)));
        assert_eq!(n(r#"{"n": 2.0, "m": 1e2}"#), Ok((2, Some(100))));
        assert_eq!(n(r#"{"n": -3, "m": null}"#), Ok((-3, None)));
        assert!(n(r#"{"n": 2.5}"#).is_err());
        assert!(n(r#"{"n": "2"}"#).is_err());
        assert!(n(r#"{"n": 1e19}"#).is_err());
        assert!(n(r#"{"n": 9223372036854775808}"#).is_err());
    }
}
