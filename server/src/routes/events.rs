//! `GET /orders/events`: a server-sent event stream of order changes the caller may see.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use comanda_common::ErrorBody;
use comanda_common::orders::{EVENT_ORDER, EVENT_RESET};
use futures::Stream;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::db;
use crate::error::{ApiError, Result};
use crate::events::OrderEvent;
use crate::extract::{AuthUser, Query, authenticate, bearer};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(order_events))
}

/// How often a comment line keeps the connection alive.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How many missed events one reconnect replays at most before it asks for a reset.
const REPLAY_MAX: i64 = 10_000;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// The access token, for clients that cannot set the `Authorization` header.
    #[param(example = "the access_token of POST /auth/token")]
    access_token: Option<String>,
}

/// Live order changes as server-sent events.
///
/// A `text/event-stream` that stays open; the headers come at once. Read it line by line:
/// events are separated by a blank line; each has `event: order`, `id: <integer, increasing>`
/// and `data: <the Order as JSON, on one line>`, for every change to an order the caller
/// may see (their own; admins: all). A line starting with `:` is a heartbeat comment (every
/// 15 s). After a reconnect with `Last-Event-ID`, the missed events come first; if they are
/// no longer kept, one `event: reset` (data `{}`) says to reload the lists. Clients that
/// cannot set the `Authorization` header may pass `?access_token=`.
#[utoipa::path(get, path = "/orders/events", tag = "orders", security(("oauth2" = [])),
    params(
        EventsQuery,
        ("Last-Event-ID" = Option<i64>, Header, description = "Replay the events after this id", example = 0),
    ),
    responses(
        (status = 200, description = "The event stream: `event: order` with the Order as data; \
            `event: reset` when missed events are no longer retained; a comment every 15 s",
            content_type = "text/event-stream", body = String),
        (status = 401, description = "Not authenticated / Could not validate credentials", body = ErrorBody),
        (status = 422, body = comanda_common::ValidationErrorBody),
    ))]
async fn order_events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let token = match bearer(&headers) {
        Ok(t) => t.to_owned(),
        Err(e) => q.access_token.filter(|t| !t.is_empty()).ok_or(e)?,
    };
    let auth = authenticate(&state, &token).await?;
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    // Subscribe before reading the replay, so nothing falls between the two.
    let live = state.events.subscribe();
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(pump(state, auth, token, last_id, live, tx));
    Ok(Sse::new(ReceiverStream::new(rx))
        .keep_alive(KeepAlive::new().interval(HEARTBEAT).text("heartbeat")))
}

fn order_event(e: &OrderEvent) -> Result<Event, Infallible> {
    Ok(Event::default()
        .event(EVENT_ORDER)
        .id(e.id.to_string())
        .data(e.data.as_ref()))
}

fn reset_event() -> Result<Event, Infallible> {
    Ok(Event::default().event(EVENT_RESET).data("{}"))
}

/// Feeds one subscriber: the replay, then live events, until the client goes away or its
/// session ends (re-checked at every heartbeat).
async fn pump(
    state: AppState,
    auth: AuthUser,
    token: String,
    last_id: Option<i64>,
    mut live: broadcast::Receiver<OrderEvent>,
    tx: mpsc::Sender<Result<Event, Infallible>>,
) {
    let mut stopping = state.shutdown.subscribe();
    let visible = |e: &OrderEvent| auth.is_admin() || e.user_id == auth.user.id;
    // Live events already sent by the replay are skipped, by id and nothing else: on
    // PostgreSQL concurrent transactions may commit out of id order, so an event with a
    // lower id than the newest replayed one can still arrive live. (After a reset nothing
    // is skipped: an event repeats a whole order, so a repeat is harmless.)
    let mut replayed = HashSet::new();
    if let Some(last) = last_id {
        match replay(&state, last).await {
            Ok(Replay::Events(events)) => {
                for e in events {
                    replayed.insert(e.id);
                    if visible(&e) && tx.send(order_event(&e)).await.is_err() {
                        return;
                    }
                }
            }
            Ok(Replay::Reset) => {
                if tx.send(reset_event()).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "event replay failed; asking the client to reload");
                if tx.send(reset_event()).await.is_err() {
                    return;
                }
            }
        }
    }
    let mut check = tokio::time::interval(HEARTBEAT);
    check.tick().await;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(e) => {
                    if replayed.remove(&e.id) {
                        continue;
                    }
                    if visible(&e) && tx.send(order_event(&e)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if tx.send(reset_event()).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = check.tick() => {
                if authenticate(&state, &token).await.is_err() {
                    return;
                }
            }
            _ = tx.closed() => return,
            _ = stopping.changed() => return,
        }
    }
}

enum Replay {
    Events(Vec<OrderEvent>),
    /// The client's position is no longer retained (or unknown): reload.
    Reset,
}

async fn replay(state: &AppState, last: i64) -> Result<Replay, ApiError> {
    let mut conn = state.db.conn().await?;
    let (min, max) = db::events::bounds(conn.ex()).await?;
    let newest = max.unwrap_or(0);
    if last > newest || min.is_some_and(|m| last < m - 1) {
        return Ok(Replay::Reset);
    }
    let rows = db::events::since(conn.ex(), last, REPLAY_MAX).await?;
    if rows.len() as i64 >= REPLAY_MAX {
        return Ok(Replay::Reset);
    }
    Ok(Replay::Events(
        rows.into_iter().map(OrderEvent::from).collect(),
    ))
}
