//! Bodies of the orders routes and of the live order events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::menu::Size;

/// Where an order is in its life: pending → cancelled, or pending → finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Cancelled,
    Finished,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 3] = [
        OrderStatus::Pending,
        OrderStatus::Cancelled,
        OrderStatus::Finished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Finished => "finished",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        match s {
            "pending" => Some(OrderStatus::Pending),
            "cancelled" => Some(OrderStatus::Cancelled),
            "finished" => Some(OrderStatus::Finished),
            _ => None,
        }
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of an order. The unit price is the menu's price when the line was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderItem {
    pub id: i64,
    pub flavor: String,
    pub size: Size,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub subtotal_cents: i64,
}

/// An order with its items; `total_cents` is always the sum of the subtotals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Order {
    pub id: i64,
    pub user_id: i64,
    pub status: OrderStatus,
    pub items: Vec<OrderItem>,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// (v1.1) The customer's username: present only in `GET /orders/?scope=all` pages (an
    /// admin's view of everybody's orders), so a page names its customers without one
    /// request per order; absent everywhere else (the owner knows their own name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub username: Option<String>,
}

/// Body of `POST /orders/{order_id}/items`, and one element of `POST /orders/`: a flavor
/// and size on the menu. Unknown fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"flavor": "Calabresa", "size": "small", "quantity": 1})))]
pub struct OrderItemCreate {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::flavor))]
    pub flavor: String,
    pub size: Size,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::quantity))]
    #[serde(deserialize_with = "crate::int::de")]
    pub quantity: i64,
}

/// Body of `PATCH /orders/{order_id}/items/{item_id}` (v1.1): the line's new quantity
/// (1..=99). The line keeps its unit price. Unknown fields are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"quantity": 3})))]
pub struct OrderItemPatch {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::schema::quantity))]
    #[serde(deserialize_with = "crate::int::de")]
    pub quantity: i64,
}

/// The header that makes `POST /orders/`, `POST /orders/{id}/items` and the line PATCH safe
/// to retry (v1.1).
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Optional body of `POST /orders/`. Unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"items": [{"flavor": "Margherita", "size": "medium", "quantity": 2}]})))]
pub struct OrderCreate {
    #[serde(default)]
    pub items: Vec<OrderItemCreate>,
}

/// Answer of `GET /orders/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderList {
    pub orders: Vec<Order>,
}

/// Whose orders `GET /orders/` lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OrderScope {
    /// The caller's own orders.
    #[default]
    Mine,
    /// Every user's orders (admins only).
    All,
}

/// Query of `GET /orders/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct OrderQuery {
    /// Rows to skip (>= 0, default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(schema_with = crate::schema::offset))]
    pub offset: Option<i64>,
    /// Rows to return (1..=100, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(schema_with = crate::schema::limit))]
    pub limit: Option<i64>,
    /// Only orders in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(example = "pending"))]
    pub status: Option<OrderStatus>,
    /// `mine` (default) or `all` (admins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(example = "mine"))]
    pub scope: Option<OrderScope>,
    /// With `scope=all`: only this user's orders (a positive id). Ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(schema_with = crate::schema::id))]
    pub user_id: Option<i64>,
    /// Search: orders whose number, status, a line's flavor, or total (as `86.00`)
    /// contains this text, case-insensitively; with `scope=all` also the customer's
    /// username. `%` and `_` match themselves. Empty means no search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(example = "margherita"))]
    pub q: Option<String>,
}

/// The SSE event name of an order change on `GET /orders/events`.
pub const EVENT_ORDER: &str = "order";
/// The SSE event name telling a client that events were lost and its lists must be reloaded.
pub const EVENT_RESET: &str = "reset";
