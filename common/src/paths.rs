//! Route paths, as the server registers them (without a trailing slash; the server
//! answers both forms).

pub const ROOT: &str = "/";
pub const HEALTH: &str = "/health";
pub const READY: &str = "/ready";
pub const OPENAPI: &str = "/openapi.json";
pub const DOCS: &str = "/docs";

pub const USERS: &str = "/users";
pub const USERS_ME: &str = "/users/me";
/// `/users/{user_id}`
pub const USER: &str = "/users/{user_id}";

pub const AUTH_TOKEN: &str = "/auth/token";
pub const AUTH_REFRESH: &str = "/auth/refresh_token";
pub const AUTH_LOGOUT: &str = "/auth/logout";
/// `GET /auth/sessions` (v1.1).
pub const AUTH_SESSIONS: &str = "/auth/sessions";
/// `/auth/sessions/{session_id}` (v1.1).
pub const AUTH_SESSION: &str = "/auth/sessions/{session_id}";

pub const MENU: &str = "/menu";
/// `/menu/{item_id}`
pub const MENU_ITEM: &str = "/menu/{item_id}";

pub const ORDERS: &str = "/orders";
pub const ORDER_EVENTS: &str = "/orders/events";
/// `/orders/{order_id}`
pub const ORDER: &str = "/orders/{order_id}";
/// `/orders/{order_id}/items`
pub const ORDER_ITEMS: &str = "/orders/{order_id}/items";
/// `/orders/{order_id}/items/{item_id}`
pub const ORDER_ITEM: &str = "/orders/{order_id}/items/{item_id}";
/// `/orders/{order_id}/cancel`
pub const ORDER_CANCEL: &str = "/orders/{order_id}/cancel";
/// `/orders/{order_id}/finish`
pub const ORDER_FINISH: &str = "/orders/{order_id}/finish";

/// `/users/{id}` for a concrete id.
pub fn user(id: i64) -> String {
    format!("/users/{id}")
}
/// `/auth/sessions/{id}` for a concrete session id.
pub fn auth_session(id: i64) -> String {
    format!("/auth/sessions/{id}")
}
/// `/menu/{id}` for a concrete id.
pub fn menu_item(id: i64) -> String {
    format!("/menu/{id}")
}
/// `/orders/{id}` for a concrete id.
pub fn order(id: i64) -> String {
    format!("/orders/{id}")
}
/// `/orders/{id}/items`.
pub fn order_items(id: i64) -> String {
    format!("/orders/{id}/items")
}
/// `/orders/{order_id}/items/{item_id}`.
pub fn order_item(order_id: i64, item_id: i64) -> String {
    format!("/orders/{order_id}/items/{item_id}")
}
/// `/orders/{id}/cancel`.
pub fn order_cancel(id: i64) -> String {
    format!("/orders/{id}/cancel")
}
/// `/orders/{id}/finish`.
pub fn order_finish(id: i64) -> String {
    format!("/orders/{id}/finish")
}
