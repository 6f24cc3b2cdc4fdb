//! `/orders`: placing and following orders. Every change runs in one transaction that
//! locks the order, recomputes the total and records the event for live updates.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use comanda_common::{
    AnyErrorBody, ErrorBody, Flavor, LocItem, Order, OrderCreate, OrderItemCreate, OrderItemPatch,
    OrderList, OrderQuery, OrderScope, OrderStatus, Quantity, Size, ValidationErrorItem,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::paging;
use crate::db::{self, Tx, orders::AddLine};
use crate::error::{ApiError, Result};
use crate::events::OrderEvent;
use crate::extract::{AuthUser, Id, Ids, Json, OptionalJson, Query};
use crate::idempotency::{Done, Idempotency, carry_out};
use crate::order_writer::NewLine;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_order, list_orders))
        .routes(routes!(get_order))
        .routes(routes!(add_item))
        .routes(routes!(update_item, remove_item))
        .routes(routes!(cancel_order))
        .routes(routes!(finish_order))
}

const NOT_FOUND: ApiError = ApiError::NotFound("Order not found");
const ITEM_NOT_FOUND: ApiError = ApiError::NotFound("Item not found");
const NOT_PENDING: ApiError = ApiError::Conflict("Order is not pending");
pub(crate) const NOT_ON_MENU: ApiError = ApiError::Unprocessable("Item not on the menu");
pub(crate) const TOO_MANY: ApiError = ApiError::Unprocessable("Quantity must be between 1 and 99");

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

/// Recomputes the total and records the event in the transaction: the order as it is now,
/// and the answer `status` with it.
async fn record(tx: &mut Tx, id: i64, status: StatusCode) -> Result<(Order, Done)> {
    db::orders::touch_total(tx.ex(), id, db::now_secs()).await?;
    let order = db::orders::get(tx.ex(), id).await?.ok_or(NOT_FOUND)?;
    let body = serde_json::to_string(&order).map_err(anyhow::Error::from)?;
    let event_id =
        db::events::insert(tx.ex(), order.id, order.user_id, &body, db::now_ms()).await?;
    let event = OrderEvent {
        id: event_id,
        user_id: order.user_id,
        data: body.as_str().into(),
    };
    Ok((
        order,
        Done {
            status,
            body,
            event,
        },
    ))
}

/// [`record`], then commits and publishes; the order as it is now.
async fn commit_change(state: &AppState, mut tx: Tx, id: i64) -> Result<Order> {
    let (order, done) = record(&mut tx, id, StatusCode::OK).await?;
    state.events.commit(tx, done.event).await?;
    Ok(order)
}

/// A JSON answer whose body is already JSON text.
fn json_response(status: StatusCode, body: String) -> Response {
    let mut res = Response::new(body.into());
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Place an order, empty or with items; prices come from the menu.
///
/// The body is optional: none, `{}` and `{"items": []}` make an empty pending order. Each
/// item must be an available menu item; repeats of one flavor and size merge into one line
/// (at most 99). Safe to retry with an `Idempotency-Key`.
#[utoipa::path(post, path = "/orders", tag = "orders", security(("oauth2" = [])),
    params(("Idempotency-Key" = Option<String>, Header, example = "order-2026-11-21-ana-1")),
    request_body(content = Option<OrderCreate>, description = "Optional: the first lines of the order."),
    responses(
        (status = 201, description = "The new pending order.", body = Order),
        (status = 422, description = "\"Item not on the menu\", \"Quantity must be between 1 and 99\", \"Idempotency-Key reused with a different request\" (with a `detail` string), or a validation error (a list)", body = AnyErrorBody),
    ))]
async fn create_order(
    State(state): State<AppState>,
    auth: AuthUser,
    idem: Idempotency,
    OptionalJson(body): OptionalJson<OrderCreate>,
) -> Result<Response> {
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
    let user_id = auth.user.id;
    if !idem.has_key() {
        // Group commit (crate::order_writer): answered once the order is committed.
        let lines = lines
            .iter()
            .map(|l| NewLine {
                flavor_key: l.flavor.as_str().trim().to_lowercase(),
                size: l.size,
                quantity: l.quantity.get(),
            })
            .collect();
        let body = state.orders.place(user_id, lines).await?;
        return Ok(json_response(StatusCode::CREATED, body));
    }
    carry_out(&state, user_id, &idem, &body, async |tx: &mut Tx| {
        let id = db::orders::insert(tx.ex(), user_id, db::now_secs()).await?;
        for l in &lines {
            add(tx, id, l).await?;
        }
        Ok(record(tx, id, StatusCode::CREATED).await?.1)
    })
    .await
}

/// The caller's orders, or everybody's (admins), newest first.
///
/// `scope=all` lists every user's orders (admins only; then `user_id` picks one user's).
/// Pages with `offset` and `limit`; `status` and the search `q` (number, status, flavor,
/// total as `86.00`; with `scope=all` also the customer's username) narrow them together.
/// With `scope=all` each order also carries its customer's `username` (v1.1), so a page of
/// every customer's orders names them without one request per customer.
#[utoipa::path(get, path = "/orders", tag = "orders", security(("oauth2" = [])),
    params(OrderQuery),
    responses(
        (status = 200, description = "A page of orders, newest first.", body = OrderList),
        (status = 403, description = "\"Not enough permissions\": `scope=all` by a non-admin.", body = ErrorBody),
    ))]
async fn list_orders(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(q): Query<OrderQuery>,
) -> Result<Response> {
    let (offset, limit) = paging(q.offset, q.limit)?;
    if q.user_id.is_some_and(|u| u < 1) {
        return Err(ApiError::Validation(vec![ValidationErrorItem {
            loc: vec!["query".into(), "user_id".into()],
            msg: "Input should be a positive 64-bit integer".into(),
            kind: "int_parsing".into(),
        }]));
    }
    let scope = q.scope.unwrap_or_default();
    let user_id = match scope {
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
        names: scope == OrderScope::All,
    };
    let mut conn = state.db.conn().await?;
    // The page comes as the JSON of its orders, built by the database: passed through.
    let orders = db::orders::list(conn.ex(), &filter).await?;
    drop(conn);
    Ok(json_response(
        StatusCode::OK,
        format!("{{\"orders\":{orders}}}"),
    ))
}

/// One order (its owner or an admin).
///
/// Another user's order answers 404, so its existence is not revealed.
#[utoipa::path(get, path = "/orders/{order_id}", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id")),
    responses(
        (status = 200, description = "The order with its items.", body = Order),
        (status = 404, description = "\"Order not found\" (also for another user's order).", body = ErrorBody),
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

/// Add a flavor and size to a pending order.
///
/// The price comes from the menu. The quantity is added to the line of the same flavor and
/// size when that line has the current menu price, else a new line is made; a line never
/// exceeds 99. Safe to retry with an `Idempotency-Key`.
#[utoipa::path(post, path = "/orders/{order_id}/items", tag = "orders", security(("oauth2" = [])),
    params(
        ("order_id" = i64, Path, description = "A positive order id"),
        ("Idempotency-Key" = Option<String>, Header, example = "add-2026-11-21-ana-1"),
    ),
    request_body = OrderItemCreate,
    responses(
        (status = 201, description = "The order with the item added.", body = Order),
        (status = 404, description = "\"Order not found\"", body = ErrorBody),
        (status = 409, description = "\"Order is not pending\"", body = ErrorBody),
        (status = 422, description = "\"Item not on the menu\" (also for an unavailable item), \"Quantity must be between 1 and 99\", \"Idempotency-Key reused with a different request\" (with a `detail` string), or a validation error (a list)", body = AnyErrorBody),
    ))]
async fn add_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
    idem: Idempotency,
    Json(body): Json<OrderItemCreate>,
) -> Result<Response> {
    let mut problems = Vec::new();
    let Some(l) = line(&body, &["body".into()], &mut problems) else {
        return Err(ApiError::Validation(problems));
    };
    carry_out(&state, auth.user.id, &idem, &body, async |tx: &mut Tx| {
        if lock(tx, &auth, id).await? != OrderStatus::Pending {
            return Err(NOT_PENDING);
        }
        add(tx, id, &l).await?;
        Ok(record(tx, id, StatusCode::CREATED).await?.1)
    })
    .await
}

/// Change the quantity of a line of a pending order.
///
/// The line keeps its unit price, whatever the menu says now. Safe to retry with an
/// `Idempotency-Key`.
#[utoipa::path(patch, path = "/orders/{order_id}/items/{item_id}", tag = "orders", security(("oauth2" = [])),
    params(
        ("order_id" = i64, Path, description = "A positive order id"),
        ("item_id" = i64, Path, description = "A positive order item id (a line of that order)"),
        ("Idempotency-Key" = Option<String>, Header, example = "change-2026-11-21-ana-1"),
    ),
    request_body = OrderItemPatch,
    responses(
        (status = 200, description = "The order with the line changed.", body = Order),
        (status = 404, description = "\"Order not found\" or \"Item not found\"", body = ErrorBody),
        (status = 409, description = "\"Order is not pending\"", body = ErrorBody),
        (status = 422, description = "\"Idempotency-Key reused with a different request\" (with a `detail` string), or a validation error (a list)", body = AnyErrorBody),
    ))]
async fn update_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Ids(ids): Ids,
    idem: Idempotency,
    Json(body): Json<OrderItemPatch>,
) -> Result<Response> {
    let (&id, &item_id) = (ids.first().ok_or(NOT_FOUND)?, ids.get(1).ok_or(NOT_FOUND)?);
    let quantity =
        Quantity::parse(body.quantity).map_err(|m| ApiError::invalid(&["body", "quantity"], m))?;
    carry_out(&state, auth.user.id, &idem, &body, async |tx: &mut Tx| {
        if lock(tx, &auth, id).await? != OrderStatus::Pending {
            return Err(NOT_PENDING);
        }
        if !db::orders::set_line_quantity(tx.ex(), id, item_id, quantity.get()).await? {
            return Err(ITEM_NOT_FOUND);
        }
        Ok(record(tx, id, StatusCode::OK).await?.1)
    })
    .await
}

/// Remove a line from a pending order.
///
/// Removing the last line leaves an empty pending order with a zero total.
#[utoipa::path(delete, path = "/orders/{order_id}/items/{item_id}", tag = "orders", security(("oauth2" = [])),
    params(
        ("order_id" = i64, Path, description = "A positive order id"),
        ("item_id" = i64, Path, description = "A positive order item id (a line of that order)"),
    ),
    responses(
        (status = 200, description = "The order without the line.", body = Order),
        (status = 404, description = "\"Order not found\" or \"Item not found\"", body = ErrorBody),
        (status = 409, description = "\"Order is not pending\"", body = ErrorBody),
    ))]
async fn remove_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Ids(ids): Ids,
) -> Result<axum::Json<Order>> {
    let (&id, &item_id) = (ids.first().ok_or(NOT_FOUND)?, ids.get(1).ok_or(NOT_FOUND)?);
    let mut tx = state.db.begin().await?;
    if lock(&mut tx, &auth, id).await? != OrderStatus::Pending {
        return Err(NOT_PENDING);
    }
    if !db::orders::delete_line(tx.ex(), id, item_id).await? {
        return Err(ITEM_NOT_FOUND);
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
///
/// Cancelling a cancelled order answers it unchanged, so a retry is harmless.
#[utoipa::path(post, path = "/orders/{order_id}/cancel", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id", example = 2)),
    responses(
        (status = 200, description = "The cancelled order.", body = Order),
        (status = 404, description = "\"Order not found\"", body = ErrorBody),
        (status = 409, description = "\"Finished orders cannot be cancelled\"", body = ErrorBody),
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
///
/// Finishing a finished order answers it unchanged, so a retry is harmless.
#[utoipa::path(post, path = "/orders/{order_id}/finish", tag = "orders", security(("oauth2" = [])),
    params(("order_id" = i64, Path, description = "A positive order id")),
    responses(
        (status = 200, description = "The finished order.", body = Order),
        (status = 404, description = "\"Order not found\"", body = ErrorBody),
        (status = 409, description = "\"Cancelled orders cannot be finished\" or \"Order has no items\"", body = ErrorBody),
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
