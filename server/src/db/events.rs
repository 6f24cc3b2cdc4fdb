//! Retained order events, for the replay of `GET /orders/events` after a reconnect.

use super::{Ex, on};

/// How many of the newest events are kept (API.md asks for at least 1000).
pub const RETAINED: i64 = 10_000;

/// The PostgreSQL channel on which each new event's id is announced to every process.
pub const CHANNEL: &str = "comanda_order_events";

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub order_id: i64,
    pub user_id: i64,
    pub data: String,
}

/// Stores an event (in the caller's transaction); on PostgreSQL also announces it, which
/// PostgreSQL delivers at commit. Returns the event id.
///
/// Event ids must be delivered in increasing order, or a client that reconnects with the
/// last id it saw would never get an event with a lower id that committed later. SQLite
/// has one writer, so ids follow commit order. On PostgreSQL a transaction-level advisory
/// lock, taken just before the id is drawn and held until commit, makes them do so across
/// every process; it serialises only this last step of an order change.
pub async fn insert(
    ex: Ex<'_>,
    order_id: i64,
    user_id: i64,
    data: &str,
    now_ms: i64,
) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO order_events (order_id, user_id, data, created_at_ms) \
         VALUES ($1, $2, $3, $4) RETURNING id";
    const PRUNE: &str = "DELETE FROM order_events WHERE id <= $1";
    const NOTIFY: &str = "SELECT pg_notify('comanda_order_events', $1)";
    const ORDERED: &str = "SELECT pg_advisory_xact_lock(hashtext('comanda_order_events'))";
    let postgres = matches!(ex, Ex::Postgres(_));
    on!(ex, c => {
        if postgres {
            sqlx::query(ORDERED).execute(&mut *c).await?;
        }
        let id: i64 = sqlx::query_scalar(SQL)
            .bind(order_id)
            .bind(user_id)
            .bind(data)
            .bind(now_ms)
            .fetch_one(&mut *c)
            .await?;
        if id % 100 == 0 {
            sqlx::query(PRUNE).bind(id - RETAINED).execute(&mut *c).await?;
        }
        if postgres {
            sqlx::query(NOTIFY).bind(id.to_string()).execute(&mut *c).await?;
        }
        Ok(id)
    })
}

/// Stores several events at once (in the caller's transaction), `events` a JSON array of
/// `[order_id, user_id, data]`; their ids in the array's order. The same ordering as
/// [`insert`]: on PostgreSQL the advisory lock is taken before the ids are drawn and held
/// until commit, and every event is announced, in id order.
pub async fn insert_many(ex: Ex<'_>, events: &str, now_ms: i64) -> Result<Vec<i64>, sqlx::Error> {
    const SQLITE: &str = "INSERT INTO order_events (order_id, user_id, data, created_at_ms) \
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), $2 \
         FROM json_each($1) ORDER BY key RETURNING id";
    const POSTGRES: &str = "INSERT INTO order_events (order_id, user_id, data, created_at_ms) \
         SELECT (e ->> 0)::bigint, (e ->> 1)::bigint, e ->> 2, $2 \
         FROM json_array_elements($1::json) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id";
    const PRUNE: &str = "DELETE FROM order_events WHERE id <= $1";
    const NOTIFY: &str = "SELECT pg_notify('comanda_order_events', x::text) \
         FROM unnest($1::bigint[]) WITH ORDINALITY AS t(x, n) ORDER BY n";
    const ORDERED: &str = "SELECT pg_advisory_xact_lock(hashtext('comanda_order_events'))";
    let mut ids: Vec<i64> = match ex {
        Ex::Sqlite(c) => {
            let ids = sqlx::query_scalar(SQLITE)
                .bind(events)
                .bind(now_ms)
                .fetch_all(&mut *c)
                .await?;
            prune(Ex::Sqlite(c), &ids).await?;
            ids
        }
        Ex::Postgres(c) => {
            sqlx::query(ORDERED).execute(&mut *c).await?;
            let mut ids: Vec<i64> = sqlx::query_scalar(POSTGRES)
                .bind(events)
                .bind(now_ms)
                .fetch_all(&mut *c)
                .await?;
            ids.sort_unstable();
            sqlx::query(NOTIFY).bind(&ids).execute(&mut *c).await?;
            prune(Ex::Postgres(c), &ids).await?;
            ids
        }
    };
    ids.sort_unstable();
    return Ok(ids);

    /// Every hundredth event, as [`insert`] does.
    async fn prune(ex: Ex<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
        let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) else {
            return Ok(());
        };
        if last / 100 == (first - 1) / 100 {
            return Ok(());
        }
        on!(ex, c => sqlx::query(PRUNE).bind(last - RETAINED).execute(c).await.map(|_| ()))
    }
}

pub async fn by_id(ex: Ex<'_>, id: i64) -> Result<Option<EventRow>, sqlx::Error> {
    const SQL: &str = "SELECT id, order_id, user_id, data FROM order_events WHERE id = $1";
    on!(ex, c => sqlx::query_as(SQL).bind(id).fetch_optional(c).await)
}

/// Events after `after`, oldest first (at most `limit`): every user's, or `only` one's.
pub async fn since(
    ex: Ex<'_>,
    only: Option<i64>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    const ALL: &str =
        "SELECT id, order_id, user_id, data FROM order_events WHERE id > $1 ORDER BY id LIMIT $2";
    const ONE_USER: &str = "SELECT id, order_id, user_id, data FROM order_events \
         WHERE user_id = $3 AND id > $1 ORDER BY id LIMIT $2";
    match only {
        None => on!(ex, c => sqlx::query_as(ALL).bind(after).bind(limit).fetch_all(c).await),
        Some(user) => on!(ex, c => sqlx::query_as(ONE_USER)
            .bind(after)
            .bind(limit)
            .bind(user)
            .fetch_all(c)
            .await),
    }
}

/// Deletes the events of a deleted user (in the deletion's transaction).
pub async fn delete_of_user(ex: Ex<'_>, user_id: i64) -> Result<(), sqlx::Error> {
    const SQL: &str = "DELETE FROM order_events WHERE user_id = $1";
    on!(ex, c => sqlx::query(SQL).bind(user_id).execute(c).await.map(|_| ()))
}

/// The oldest and newest retained event ids.
pub async fn bounds(ex: Ex<'_>) -> Result<(Option<i64>, Option<i64>), sqlx::Error> {
    const SQL: &str = "SELECT MIN(id), MAX(id) FROM order_events";
    on!(ex, c => sqlx::query_as(SQL).fetch_one(c).await)
}
