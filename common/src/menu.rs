//! Bodies of the menu routes.

use serde::{Deserialize, Serialize};

/// A pizza size. Sorted small < medium < large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Size {
    Small,
    Medium,
    Large,
}

impl Size {
    pub const ALL: [Size; 3] = [Size::Small, Size::Medium, Size::Large];

    pub fn as_str(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Medium => "medium",
            Size::Large => "large",
        }
    }

    pub fn parse(s: &str) -> Option<Size> {
        match s {
            "small" => Some(Size::Small),
            "medium" => Some(Size::Medium),
            "large" => Some(Size::Large),
            _ => None,
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the menu.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuItem {
    pub id: i64,
    pub flavor: String,
    pub size: Size,
    /// Price in cents, 1..=1,000,000.
    pub price_cents: i64,
    pub available: bool,
}

/// Answer of `GET /menu/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MenuList {
    pub items: Vec<MenuItem>,
}

/// Query of `GET /menu/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct MenuQuery {
    /// Also list unavailable items (honoured for admins, ignored for others).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(example = true))]
    pub include_unavailable: bool,
}

/// Body of `POST /menu/`. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"flavor": "Margherita", "size": "medium", "price_cents": 3500})))]
pub struct MenuItemCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::flavor))]
    pub flavor: String,
    pub size: Size,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::price_cents))]
    #[serde(deserialize_with = "crate::int::de")]
    pub price_cents: i64,
}

/// Body of `PATCH /menu/{item_id}`: any of the fields; `null` counts as absent. Unknown
/// fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"price_cents": 3900, "available": true})))]
pub struct MenuItemPatch {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::int::de_opt"
    )]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::price_cents_opt))]
    pub price_cents: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
}
