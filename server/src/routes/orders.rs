//! `/orders`: placing and following orders. Every change runs in one transaction that
//! locks the order, recomputes the total and records the event for live updates.

use axum::extract::State;
use axum::http::StatusCode;
use comanda_common::{
    ErrorBody, Flavor, LocItem, Order, OrderCreate, OrderItemCreate, OrderList, OrderQuery,
    OrderScope, OrderStatus, Quantity, Size, ValidationErrorBody, ValidationErrorItem,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::paging;
use crate::db::{self, Tx, orders::AddLine};
use crate::error::{ApiError, Result};
use crate::events::OrderEvent;
use crate::extract::{AuthUser, Id, Ids, Json, OptionalJson, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(add_item))
        .routes(routes!(remove_item))
        .routes(routes!(cancel_order))
        .routes(routes!(finish_order))
}

const NOT_FOUND: ApiError = ApiError::NotFound("Order not found");
const NOT_ON_MENU: ApiError = ApiError::Unprocessable("Item not on the menu");
const TOO_MANY: ApiError = ApiError::Unprocessable("Quantity must be between 1 and 99");

/// A requested line, validated: flavor, size, quantity.
struct Line {
    flavor: Flavor,
    size: Size,
    quantity: Quantity,
}

/// Validates one requested line; problems are reported under `prefix`.
fn line(
    item: &OrderItemCreate,
    prefix: &[LocItem],
    problems: &mut Vec<ValidationErrorItem>,
) -> Option<Line> {
    let mut problem = |field: &str, msg: &str| {
        let mut loc = prefix.to_vec();
        loc.push(field.into());
        problems.push(ValidationErrorItem {
            loc,
            msg: msg.into(),
            kind: "value_error".into(),
        });
    };
    let flavor = Flavor::parse(&item.flavor)
        .map_err(|m| problem("flavor", m))
        .ok();
    let quantity = Quantity::parse(item.quantity)
        .map_err(|m| problem("quantity", m))
        .ok();
    Some(Line {
        flavor: flavor?,
        size: item.size,
        quantity: quantity?,
    })
}

/// Adds a validated line at the current menu price (available items only).
async fn add(tx: &mut Tx, order_id: i64, l: &Line) -> Result<()> {
    let item = db::menu::find(tx.ex(), l.flavor.as_str(), l.size)
        .await?
        .filter(|m| m.available)
        .ok_or(NOT_ON_MENU)?;
    match db::orders::add_line(
        tx.ex(),
        order_id,
        &item.flavor,
        l.size,
        item.price_cents,
        l.quantity.get(),
    )
    .await?
    {
        AddLine::Added => Ok(()),
        AddLine::TooMany => Err(TOO_MANY),
    }
}

/// Locks an order the caller may change (theirs, or any for an admin); its status.
async fn lock(tx: &mut Tx, auth: &AuthUser, id: i64) -> Result<OrderStatus> {
    let (owner, status) = db::orders::lock(tx.ex(), id).await?.ok_or(NOT_FOUND)?;
    if owner != auth.user.id && !auth.is_admin() {
        return Err(NOT_FOUND);
    }
    Ok(status)
}

/// Recomputes the total, records the event, commits and publishes; the order as it is now.
async fn commit_change(state: &AppState, mut tx: Tx, id: i64) -> Result<Order> {
    db::orders::touch_total(tx.ex(), id, db::now_secs()).await?;
    let order = db::orders::get(tx.ex(), id).await?.ok_or(NOT_FOUND)?;
    let data = serde_json::to_string(&order).map_err(anyhow::Error::from)?;
    let event_id =
        db::events::insert(tx.ex(), order.id, order.user_id, &data, db::now_ms()).await?;
    let event = OrderEvent {
        id: event_id,
        user_id: order.user_id,
        data: data.into(),
    };
    state.events.commit(tx, event).await?;
    Ok(order)
}

/// Place an order, empty or with items; prices come from the menu.
#[utoipa::path(post, path = "/orders", tag = "orders", security(("oauth2" = [])),
    request_body(content = Option<OrderCreate>, description = "optional"),
    responses(
        (status = 201, body = Order),
        (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "Item not on the menu / Quantity must be between 1 and 99 / validation", body = ValidationErrorBody),
    ))]
async fn create_order(
    State(state): State<AppState>,
    auth: AuthUser,
    OptionalJson(body): OptionalJson<OrderCreate>,
) -> Result<(StatusCode, axum::Json<Order>)> {
    let mut problems = Vec::new();
    let mut lines = Vec::with_capacity(body.items.len());
    for (i, item) in body.items.iter().enumerate() {
        let prefix = ["body".into(), "items".into(), LocItem::from(i)];
        if let Some(l) = line(item, &prefix, &mut problems) {
            lines.push(l);
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation(problems));
    }
    let mut tx = state.db.begin().await?;
    let id = db::orders::insert(tx.ex(), auth.user.id, db::now_secs()).await?;
    for l in &lines {
        add(&mut tx, id, l).await?;
    }
    let order = commit_change(&state, tx, id).await?;
    Ok((StatusCode::CREATED, axum::Json(order)))
}

/// The caller's orders, or everybody's (`scope=all`, admins), newest first; `status` and
/// the search `q` (number, status, flavor, total as `86.00`; with `scope=all` also the
/// customer's username) narrow them together.
#[utoipa::path(get, path = "/orders", tag = "orders", security(("oauth2" = [])),
    params(OrderQuery),
    responses(
        (status = 200, body = OrderList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_orders(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<OrderQuery>,
) -> Result<axum::Json<OrderList>> {
    let (offset, limit) = paging(q.offset, q.limit)?;
    let user_id = match q.scope.unwrap_or_default() {
        OrderScope::Mine => Some(auth.user.id),
        OrderScope::All => {
            auth.require_admin()?;
            q.user_id
        }
    };
    let filter = db::orders::ListFilter {
        user_id,
        status: q.status,
        q: q.q,
        offset,
        limit,
    };
    let mut conn = state.db.conn().await?;
    let orders = db::orders::list(conn.ex(), &filter).await?;
    Ok(axum::Json(OrderList { orders }))
}

/// One order (its owner or an admin).
#[utoipa::path(get, path = "/orders/{order_id}", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id")),
    responses(
        (status = 200, body = Order),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Order not found", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn get_order(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
) -> Result<axum::Json<Order>> {
    let mut conn = state.db.conn().await?;
    let order = db::orders::get(conn.ex(), id).await?.ok_or(NOT_FOUND)?;
    if order.user_id != auth.user.id && !auth.is_admin() {
        return Err(NOT_FOUND);
    }
    Ok(axum::Json(order))
}

/// Add a flavor and size to a pending order (merged into an equal line).
#[utoipa::path(post, path = "/orders/{order_id}/items", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id")),
    request_body = OrderItemCreate,
    responses(
        (status = 201, body = Order),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Order not found", body = ErrorBody),
        (status = 409, description = "Order is not pending", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "Item not on the menu / Quantity must be between 1 and 99 / validation", body = ValidationErrorBody),
    ))]
async fn add_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
    Json(body): Json<OrderItemCreate>,
) -> Result<(StatusCode, axum::Json<Order>)> {
    let mut problems = Vec::new();
    let Some(l) = line(&body, &["body".into()], &mut problems) else {
        return Err(ApiError::Validation(problems));
    };
    let mut tx = state.db.begin().await?;
    if lock(&mut tx, &auth, id).await? != OrderStatus::Pending {
        return Err(ApiError::Conflict("Order is not pending"));
    }
    add(&mut tx, id, &l).await?;
    let order = commit_change(&state, tx, id).await?;
    Ok((StatusCode::CREATED, axum::Json(order)))
}

/// Remove a line from a pending order.
#[utoipa::path(delete, path = "/orders/{order_id}/items/{item_id}", tag = "orders", security(("oauth2" = [])),
    params(
        ("order_id" = i64, Path, description = "A positive order id"),
        ("item_id" = i64, Path, description = "A positive order item id"),
    ),
    responses(
        (status = 200, body = Order),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Order not found / Item not found", body = ErrorBody),
        (status = 409, description = "Order is not pending", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn remove_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Ids(ids): Ids,
) -> Result<axum::Json<Order>> {
    let (&id, &item_id) = (ids.first().ok_or(NOT_FOUND)?, ids.get(1).ok_or(NOT_FOUND)?);
    let mut tx = state.db.begin().await?;
    if lock(&mut tx, &auth, id).await? != OrderStatus::Pending {
        return Err(ApiError::Conflict("Order is not pending"));
    }
    if !db::orders::delete_line(tx.ex(), id, item_id).await? {
        return Err(ApiError::NotFound("Item not found"));
    }
    Ok(axum::Json(commit_change(&state, tx, id).await?))
}

/// Moves a pending order to `to`; a repeat of the same move answers the order unchanged.
async fn transition(state: &AppState, auth: &AuthUser, id: i64, to: OrderStatus) -> Result<Order> {
    let mut tx = state.db.begin().await?;
    let status = lock(&mut tx, auth, id).await?;
    if status == to {
        let order = db::orders::get(tx.ex(), id).await?.ok_or(NOT_FOUND)?;
        return Ok(order);
    }
    match (status, to) {
        (OrderStatus::Finished, OrderStatus::Cancelled) => {
            return Err(ApiError::Conflict("Finished orders cannot be cancelled"));
        }
        (OrderStatus::Cancelled, OrderStatus::Finished) => {
            return Err(ApiError::Conflict("Cancelled orders cannot be finished"));
        }
        _ => {}
    }
    if to == OrderStatus::Finished && !db::orders::has_items(tx.ex(), id).await? {
        return Err(ApiError::Conflict("Order has no items"));
    }
    db::orders::set_status(tx.ex(), id, to, db::now_secs()).await?;
    commit_change(state, tx, id).await
}

/// Cancel a pending order.
#[utoipa::path(post, path = "/orders/{order_id}/cancel", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id")),
    responses(
        (status = 200, body = Order),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Order not found", body = ErrorBody),
        (status = 409, description = "Finished orders cannot be cancelled", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn cancel_order(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
) -> Result<axum::Json<Order>> {
    Ok(axum::Json(
        transition(&state, &auth, id, OrderStatus::Cancelled).await?,
    ))
}

/// Finish a pending order that has items.
#[utoipa::path(post, path = "/orders/{order_id}/finish", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id")),
    responses(
        (status = 200, body = Order),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Order not found", body = ErrorBody),
        (status = 409, description = "Cancelled orders cannot be finished / Order has no items", body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn finish_order(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
) -> Result<axum::Json<Order>> {
    Ok(axum::Json(
        transition(&state, &auth, id, OrderStatus::Finished).await?,
    ))
}
