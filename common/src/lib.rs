//! The Comanda HTTP API contract (`shared/API.md`) as Rust types: request and response
//! bodies, route paths, error bodies and the validated field types. The server and the
//! terminal client both speak only these types, so a change to the contract is a compile
//! error on both sides.

pub mod auth;
pub mod error;
pub mod health;
pub mod int;
pub mod menu;
pub mod orders;
pub mod paths;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod users;
pub mod validate;

pub use auth::{LogoutRequest, RefreshRequest, SessionInfo, SessionList, Token, TokenRequest};
pub use error::{AnyErrorBody, ErrorBody, LocItem, ValidationErrorBody, ValidationErrorItem};
pub use health::{Message, Status};
pub use menu::{MenuItem, MenuItemCreate, MenuItemPatch, MenuList, MenuQuery, Size};
pub use orders::{
    Order, OrderCreate, OrderItem, OrderItemCreate, OrderItemPatch, OrderList, OrderQuery,
    OrderScope, OrderStatus,
};
pub use users::{UserCreate, UserList, UserListQuery, UserPatch, UserPublic, UserUpdate};
pub use validate::{Email, Flavor, Password, PriceCents, Quantity, Username};

/// Pagination limits shared by every list route.
pub mod paging {
    /// `limit` when the query does not give one.
    pub const DEFAULT_LIMIT: i64 = 100;
    /// The largest `limit` a list route accepts.
    pub const MAX_LIMIT: i64 = 100;
}
