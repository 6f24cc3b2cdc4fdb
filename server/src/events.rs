//! Live order events: an in-process broadcast fed by the transactions that change orders.
//!
//! On SQLite (one process) a committed change is published directly. On PostgreSQL every
//! event is announced with `NOTIFY` inside its transaction; each server process LISTENs
//! ([`crate::listen`]), loads the announced event and publishes it to its own subscribers,
//! so an order changed through one process reaches the streams opened on every other.

use std::sync::Arc;

use tokio::sync::broadcast;

use crate::db::{self, Db, Tx};

/// One retained event: the order as it was after the change, serialised once.
#[derive(Debug, Clone)]
pub struct OrderEvent {
    pub id: i64,
    pub user_id: i64,
    pub data: Arc<str>,
}

impl From<db::events::EventRow> for OrderEvent {
    fn from(r: db::events::EventRow) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            data: r.data.into(),
        }
    }
}

#[derive(Clone)]
pub struct EventBus {
    tx: broadcast::Sender<OrderEvent>,
    /// PostgreSQL delivers events through LISTEN; local publishing would double them.
    via_notify: bool,
    /// Held from a change's commit to its publication, so that events are published in
    /// the order the single SQLite writer committed them.
    publishing: Arc<tokio::sync::Mutex<()>>,
}

impl EventBus {
    pub fn new(db: &Db) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            tx,
            via_notify: db.is_postgres(),
            publishing: Arc::default(),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<OrderEvent> {
        self.tx.subscribe()
    }

    /// Commits the transaction that recorded `event`, then publishes it to this process's
    /// subscribers (on PostgreSQL the commit itself announces it).
    pub async fn commit(&self, tx: Tx, event: OrderEvent) -> Result<(), sqlx::Error> {
        self.commit_all(tx, [event]).await
    }

    /// [`EventBus::commit`] for a transaction that recorded several events, in id order.
    pub async fn commit_all(
        &self,
        tx: Tx,
        events: impl IntoIterator<Item = OrderEvent>,
    ) -> Result<(), sqlx::Error> {
        if self.via_notify {
            return tx.commit().await;
        }
        let _in_order = self.publishing.lock().await;
        tx.commit().await?;
        for event in events {
            let _ = self.tx.send(event);
        }
        Ok(())
    }

    /// On PostgreSQL: the event whose id `payload` announces (see [`crate::listen`]) is
    /// loaded and published to this process's subscribers.
    pub(crate) async fn announced(&self, db: &Db, payload: &str) {
        let Ok(id) = payload.parse::<i64>() else {
            return;
        };
        match fetch(db, id).await {
            Ok(Some(ev)) => {
                let _ = self.tx.send(ev);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, id, "cannot load an order event"),
        }
    }
}

async fn fetch(db: &Db, id: i64) -> Result<Option<OrderEvent>, sqlx::Error> {
    let mut conn = db.conn().await?;
    Ok(db::events::by_id(conn.ex(), id)
        .await?
        .map(OrderEvent::from))
}
