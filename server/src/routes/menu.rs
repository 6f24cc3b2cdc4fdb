//! `/menu`: what can be ordered, at what price.

use axum::extract::State;
use axum::http::StatusCode;
use comanda_common::{
    ErrorBody, Flavor, MenuItem, MenuItemCreate, MenuItemPatch, MenuList, MenuQuery, PriceCents,
    ValidationErrorBody,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Problems;
use crate::db;
use crate::error::{ApiError, Result};
use crate::extract::{AuthUser, Id, Json, MaybeAuthUser, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_menu, create_item))
        .routes(routes!(patch_item))
}

/// The menu: available items, or all of them for an admin who asks.
#[utoipa::path(get, path = "/menu", tag = "menu", params(MenuQuery),
    // Open to anyone; with an admin's token, `include_unavailable=true` is honoured.
    security((), ("oauth2" = [])),
    responses(
        (status = 200, body = MenuList),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_menu(
    State(state): State<AppState>,
    MaybeAuthUser(user): MaybeAuthUser,
    Query(q): Query<MenuQuery>,
) -> Result<axum::Json<MenuList>> {
    // Anyone may read the menu; only a valid admin token unlocks unavailable items.
    let include = q.include_unavailable && user.is_some_and(|u| u.is_admin());
    let mut conn = state.db.conn().await?;
    let items = db::menu::list(conn.ex(), include).await?;
    Ok(axum::Json(MenuList { items }))
}

/// Add a flavor in a size (admins).
#[utoipa::path(post, path = "/menu", tag = "menu", security(("oauth2" = [])),
    request_body = MenuItemCreate,
    responses(
        (status = 201, body = MenuItem),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 409, description = "Menu item already exists", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn create_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(body): Json<MenuItemCreate>,
) -> Result<(StatusCode, axum::Json<MenuItem>)> {
    auth.require_admin()?;
    let mut p = Problems::default();
    let flavor = p.check("flavor", Flavor::parse(&body.flavor));
    let price = p.check("price_cents", PriceCents::parse(body.price_cents));
    p.finish()?;
    let (Some(flavor), Some(price)) = (flavor, price) else {
        unreachable!("finish() returns early when a field failed");
    };
    let mut tx = state.db.begin().await?;
    let item = db::menu::insert(tx.ex(), flavor.as_str(), body.size, price.get())
        .await
        .map_err(|e| ApiError::unique(e, |_| "Menu item already exists"))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(item)))
}

/// Change an item's price or availability (admins).
#[utoipa::path(patch, path = "/menu/{item_id}", tag = "menu", security(("oauth2" = [])),
    params(("item_id" = i64, Path, description = "A positive menu item id")),
    request_body = MenuItemPatch,
    responses(
        (status = 200, body = MenuItem),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not enough permissions", body = ErrorBody),
        (status = 404, description = "Menu item not found", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn patch_item(
    State(state): State<AppState>,
    auth: AuthUser,
    Id(id): Id,
    Json(body): Json<MenuItemPatch>,
) -> Result<axum::Json<MenuItem>> {
    auth.require_admin()?;
    let mut p = Problems::default();
    let price = body
        .price_cents
        .and_then(|c| p.check("price_cents", PriceCents::parse(c)));
    p.finish()?;
    let mut tx = state.db.begin().await?;
    let item = db::menu::patch(tx.ex(), id, price.map(PriceCents::get), body.available)
        .await?
        .ok_or(ApiError::NotFound("Menu item not found"))?;
    tx.commit().await?;
    Ok(axum::Json(item))
}
