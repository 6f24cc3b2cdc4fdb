//! `/menu`: what can be ordered, at what price. `GET /menu/` is answered from memory
//! ([`crate::menu_cache`]), with an `ETag` for conditional requests.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use comanda_common::{
    ErrorBody, Flavor, MenuItem, MenuItemCreate, MenuItemPatch, MenuList, MenuQuery, PriceCents,
    ValidationErrorBody,
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::Problems;
use crate::db;
use crate::error::{ApiError, Result};
use crate::extract::{AuthUser, Id, Json, MaybeAuthUser, Query};
use crate::menu_cache::{Rendered, View};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_menu, create_item))
        .routes(routes!(patch_item))
}

/// What a `GET /menu/` asks for: the view the caller may have, and the tags it holds. The
/// token is only checked when unavailable items are asked for: nobody else needs it.
struct MenuRequest {
    view: View,
    if_none_match: Vec<HeaderValue>,
}

impl FromRequestParts<AppState> for MenuRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let Query(q) = Query::<MenuQuery>::from_request_parts(parts, state).await?;
        let view = if q.include_unavailable {
            let Ok(MaybeAuthUser(user)) = MaybeAuthUser::from_request_parts(parts, state).await;
            if user.is_some_and(|u| u.is_admin()) {
                View::All
            } else {
                View::Available
            }
        } else {
            View::Available
        };
        Ok(MenuRequest {
            view,
            if_none_match: parts
                .headers
                .get_all(header::IF_NONE_MATCH)
                .iter()
                .cloned()
                .collect(),
        })
    }
}

/// The menu: available items, or all of them for an admin who asks.
///
/// Answers carry a strong `ETag` (the two views never share one) and
/// `Cache-Control: no-cache`: send the tag back in `If-None-Match` and, while the menu is
/// unchanged, the answer is 304 with no body.
#[utoipa::path(get, path = "/menu", tag = "menu",
    params(
        MenuQuery,
        ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a menu \
            answer already held (or a comma-separated list of them, or `*`): while it is \
            current the answer is 304 Not Modified, with no body.",
            example = "\"menu-00000000000000000000000000000000\""),
    ),
    // Open to anyone; with an admin's token, `include_unavailable=true` is honoured.
    security((), ("oauth2" = [])),
    responses(
        (status = 200, body = MenuList, headers(
            ("ETag" = String, description = "A strong tag of this answer, e.g. `\"menu-…\"`; \
                `\"menu-all-…\"` for the answer with unavailable items"),
            ("Cache-Control" = String, description = "`no-cache`: keep the answer, but \
                revalidate it with If-None-Match"),
        )),
        (status = 304, description = "Not Modified: the menu is still the one of \
            If-None-Match; no body", headers(
            ("ETag" = String, description = "The tag of the current answer"),
            ("Cache-Control" = String, description = "`no-cache`"),
        )),
        (status = 422, body = ValidationErrorBody),
    ))]
async fn list_menu(State(state): State<AppState>, req: MenuRequest) -> Result<Response> {
    let rendered = match state.menu.get(req.view) {
        Some(r) => r,
        None => {
            // Read before the database, so that a change meanwhile keeps this out.
            let generation = state.menu.generation();
            let items = {
                let mut conn = state.db.conn().await?;
                db::menu::list(conn.ex(), req.view == View::All).await?
            };
            let body = serde_json::to_vec(&MenuList { items })
                .map_err(|e| ApiError::Internal(e.into()))?;
            let r = Arc::new(Rendered::new(req.view, body));
            state.menu.store(req.view, generation, r.clone());
            r
        }
    };
    let headers = [
        (header::ETAG, rendered.etag.clone()),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        // Whose token it is decides whether unavailable items are in.
        (header::VARY, HeaderValue::from_static("authorization")),
    ];
    if rendered.matches(&req.if_none_match) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((
        headers,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        rendered.body.clone(),
    )
        .into_response())
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
    db::menu::announce_change(tx.ex(), state.menu.origin()).await?;
    let committed = tx.commit().await;
    // Even when the commit's answer was lost: the change may have been made.
    state.menu.invalidate();
    committed?;
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
    db::menu::announce_change(tx.ex(), state.menu.origin()).await?;
    let committed = tx.commit().await;
    // Even when the commit's answer was lost: the change may have been made.
    state.menu.invalidate();
    committed?;
    Ok(axum::Json(item))
}
