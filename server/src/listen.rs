//! PostgreSQL `LISTEN`: one connection per server process (taken from the pool) hears what
//! every process announces with `NOTIFY` at commit: new order events
//! ([`db::events::CHANNEL`], forwarded to this process's streams) and menu changes
//! ([`db::menu::CHANNEL`], which drop the menu held in memory).
//!
//! Notifications sent while the connection is down are lost. When it is lost the menu
//! cache stops keeping anything until the listener listens again, and is dropped then, so
//! a missed notification never leaves a stale menu. (Missed order events are not
//! replayed here: a client catches up with `Last-Event-ID`.)

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::db::{self, Db};
use crate::events::EventBus;
use crate::menu_cache::MenuCache;

/// How long to wait before connecting again.
const RETRY: Duration = Duration::from_millis(500);

/// On PostgreSQL, listens and starts the task that hands on what is announced; it
/// reconnects by itself and ends when the pool closes. Nothing to do on SQLite.
pub async fn start(db: &Db, events: EventBus, menu: MenuCache) -> anyhow::Result<()> {
    let Some(pool) = db.pg_pool().cloned() else {
        return Ok(());
    };
    let listener = connect(&pool).await?;
    menu.set_listening(true);
    tokio::spawn(run(listener, pool, db.clone(), events, menu));
    Ok(())
}

async fn connect(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener
        .listen_all([db::events::CHANNEL, db::menu::CHANNEL])
        .await?;
    Ok(listener)
}

async fn run(mut listener: PgListener, pool: PgPool, db: Db, events: EventBus, menu: MenuCache) {
    loop {
        match listener.try_recv().await {
            Ok(Some(n)) => match n.channel() {
                db::events::CHANNEL => events.announced(&db, n.payload()).await,
                db::menu::CHANNEL => menu.announced(n.payload()),
                _ => {}
            },
            // The connection was lost and is listening again on a new one: whatever was
            // announced in between was missed.
            Ok(None) => {
                tracing::warn!(
                    "the database listener reconnected; notifications may have been missed"
                );
                menu.invalidate();
            }
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "the database listener lost its connection; reconnecting");
                menu.set_listening(false);
                drop(listener);
                listener = loop {
                    tokio::time::sleep(RETRY).await;
                    if pool.is_closed() {
                        return;
                    }
                    match connect(&pool).await {
                        Ok(l) => break l,
                        Err(e) => {
                            tracing::warn!(error = %e, "the database listener cannot reconnect")
                        }
                    }
                };
                menu.set_listening(true);
            }
        }
    }
}
