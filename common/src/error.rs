//! Error bodies: `{"detail": "…"}` for every error, and FastAPI's list form for 422.

use serde::{Deserialize, Serialize};

/// Every error answer except validation errors: `{"detail": "<message>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub detail: String,
}

/// One element of a validation error's location: a name (`"body"`, `"email"`) or an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum LocItem {
    Key(String),
    Index(u64),
}

impl From<&str> for LocItem {
    fn from(s: &str) -> Self {
        LocItem::Key(s.to_owned())
    }
}
impl From<String> for LocItem {
    fn from(s: String) -> Self {
        LocItem::Key(s)
    }
}
impl From<usize> for LocItem {
    fn from(i: usize) -> Self {
        LocItem::Index(i as u64)
    }
}

/// One problem of a 422 answer, in FastAPI's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationErrorItem {
    pub loc: Vec<LocItem>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl ValidationErrorItem {
    /// A `value_error` at `loc`.
    pub fn value_error(loc: &[&str], msg: impl Into<String>) -> Self {
        Self {
            loc: loc.iter().map(|s| LocItem::from(*s)).collect(),
            msg: msg.into(),
            kind: "value_error".into(),
        }
    }

    /// `field: message`, the field being the innermost named part of `loc` (just the
    /// message when there is none).
    pub fn field_message(&self) -> String {
        let field = self.loc.iter().rev().find_map(|l| match l {
            LocItem::Key(k) if k != "body" && k != "query" && k != "path" => Some(k.as_str()),
            _ => None,
        });
        match field {
            Some(f) => format!("{f}: {}", self.msg),
            None => self.msg.clone(),
        }
    }
}

/// A 422 answer: `{"detail": [ValidationErrorItem]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidationErrorBody {
    pub detail: Vec<ValidationErrorItem>,
}

/// Either error body, for clients decoding an error answer they have not seen yet (and
/// for the 422 answers that can be either).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AnyErrorBody {
    Message(ErrorBody),
    Validation(ValidationErrorBody),
}

impl AnyErrorBody {
    /// One line for a person: the message, or the first validation problem.
    pub fn summary(&self) -> String {
        match self {
            AnyErrorBody::Message(e) => e.detail.clone(),
            AnyErrorBody::Validation(v) => match v.detail.first() {
                Some(item) => item.field_message(),
                None => "Invalid request".into(),
            },
        }
    }

    /// Every problem of a validation error as `field: message` (empty for a plain message).
    pub fn problems(&self) -> Vec<String> {
        match self {
            AnyErrorBody::Message(_) => Vec::new(),
            AnyErrorBody::Validation(v) => v
                .detail
                .iter()
                .map(ValidationErrorItem::field_message)
                .collect(),
        }
    }
}
