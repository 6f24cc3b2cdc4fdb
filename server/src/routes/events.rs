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

use crate::auth::{AuthUser, StreamUser, check_session};
use crate::db;
use crate::error::{ApiError, Result};
use crate::events::OrderEvent;
use crate::extract::Query;
use crate::metrics::OpenStream;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(order_events))
}

/// How often a comment line keeps the connection alive.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How many missed events the replay reads at a time.
const REPLAY_PAGE: i64 = 200;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// The access token, for clients that cannot set the `Authorization` header.
    #[param(example = "the access_token of POST /auth/token")]
    #[allow(
        dead_code,
        reason = "read by the StreamUser extractor; declared for the document"
    )]
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
        ("Last-Event-ID" = Option<String>, Header, description = "Replay the events after this \
            id (the `id` of the last event received). A value that is not an event id is \
            ignored, or answered with `event: reset`.", example = "0"),
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
    StreamUser(auth): StreamUser,
    headers: HeaderMap,
    // Documented above; read by `StreamUser`, validated here.
    Query(_query): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    // Subscribe before reading the replay, so nothing falls between the two.
    let live = state.events.subscribe();
    let (tx, rx) = mpsc::channel(64);
    // Counted open from here until `pump` ends (the client went away, or the stream ended).
    let open = state.metrics.as_ref().map(|m| m.stream_opened());
    tokio::spawn(pump(state, auth, last_id, live, tx, open));
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

/// Whether `auth` may see an event.
fn visible(auth: &AuthUser, e: &OrderEvent) -> bool {
    auth.is_admin() || e.user_id == auth.user.id
}

/// Feeds one subscriber: the replay, then live events, until the client goes away, the
/// server stops, or the caller's session ends. The caller's account is re-checked every
/// `stream_recheck` (1 s), so a demotion applies and an ended session closes the stream
/// within 2 s, on this process or another.
async fn pump(
    state: AppState,
    mut auth: AuthUser,
    last_id: Option<i64>,
    mut live: broadcast::Receiver<OrderEvent>,
    tx: mpsc::Sender<Result<Event, Infallible>>,
    _open: Option<OpenStream>,
) {
    let mut stopping = state.shutdown.subscribe();
    // Live events already sent by the replay are skipped, by id and nothing else: on
    // PostgreSQL concurrent transactions may commit out of id order, so an event with a
    // lower id than the newest replayed one can still arrive live. (After a reset nothing
    // is skipped: an event repeats a whole order, so a repeat is harmless.)
    let mut replayed = HashSet::new();
    if let Some(last) = last_id {
        match replay(&state, &auth, last, &tx, &mut replayed).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(error = %e, "event replay failed; asking the client to reload");
                if tx.send(reset_event()).await.is_err() {
                    return;
                }
            }
        }
    }
    let mut check = tokio::time::interval(state.settings.stream_recheck);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    check.tick().await;
    loop {
        tokio::select! {
            received = live.recv() => match received {
                Ok(e) => {
                    if replayed.remove(&e.id) {
                        continue;
                    }
                    if visible(&auth, &e) && tx.send(order_event(&e)).await.is_err() {
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
                match check_session(&state, auth.user.id, auth.session_id).await {
                    Ok(now) => auth = now,
                    // The session ended, or the account was deactivated or deleted.
                    Err(ApiError::InvalidCredentials) => return,
                    // The database did not answer: keep the stream, ask again next time.
                    Err(e) => tracing::warn!(error = %e, "cannot re-check an event stream's session"),
                }
            }
            _ = tx.closed() => return,
            _ = stopping.changed() => return,
        }
    }
}

/// Sends the events after `last` that `auth` may see, read in pages, oldest first, or
/// one `reset` when `last` is no longer retained. False when the client went away.
async fn replay(
    state: &AppState,
    auth: &AuthUser,
    last: i64,
    tx: &mpsc::Sender<Result<Event, Infallible>>,
    replayed: &mut HashSet<i64>,
) -> Result<bool, ApiError> {
    let (min, max) = {
        let mut conn = state.db.conn().await?;
        db::events::bounds(conn.ex()).await?
    };
    let newest = max.unwrap_or(0);
    if last > newest || min.is_some_and(|m| last < m - 1) {
        return Ok(tx.send(reset_event()).await.is_ok());
    }
    let only = (!auth.is_admin()).then_some(auth.user.id);
    let mut after = last;
    loop {
        let page = {
            let mut conn = state.db.conn().await?;
            db::events::since(conn.ex(), only, after, REPLAY_PAGE).await?
        };
        let full = page.len() as i64 == REPLAY_PAGE;
        for row in page {
            after = row.id;
            let e = OrderEvent::from(row);
            replayed.insert(e.id);
            if tx.send(order_event(&e)).await.is_err() {
                return Ok(false);
            }
        }
        if !full {
            return Ok(true);
        }
    }
}
