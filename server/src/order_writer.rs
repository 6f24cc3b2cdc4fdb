//! Group commit of new orders: `POST /orders/` without an `Idempotency-Key` hands its order
//! to one writer task, which places every order waiting at that moment (up to
//! [`MAX_BATCH`]) in one transaction and answers each request only after that transaction
//! has committed.
//!
//! A transaction of many orders costs about what one costs: the menu is read once, the
//! orders, their lines and their events are each inserted by one statement (the rows passed
//! as one JSON array), and there is one `BEGIN` and one `COMMIT`. On SQLite, where every
//! statement is a hand-off to the connection's thread and back, and on PostgreSQL, where it
//! is a round trip and the event-ordering lock is held to commit, that is what bounds the
//! writes (BENCHMARKS.md). Nobody waits for a batch to fill: the writer takes what is queued
//! when it is free, so a lone request is written at once.
//!
//! Guarantees are those of a transaction per order: an order is answered 201 only once it is
//! committed with its lines, exact total and event; event ids follow commit order (one writer
//! on SQLite, the advisory lock on PostgreSQL, [`db::events::insert_many`]). A request the
//! menu refuses (an item not on the menu, a line over 99) is answered 422 and left out of the
//! batch; after a database error the batch is rolled back and each of its orders is written
//! again alone, so an error fails only the order that meets it (a database that cannot be
//! reached fails them all).

use std::collections::HashMap;
use std::sync::Arc;

use comanda_common::{Order, OrderItem, OrderStatus, Quantity, Size};
use tokio::sync::{mpsc, oneshot};

use crate::db::{self, Db, Tx};
use crate::error::ApiError;
use crate::events::{EventBus, OrderEvent};

/// At most this many new orders in one transaction.
pub const MAX_BATCH: usize = 64;
/// New orders that may wait for the writer; beyond, a request waits to queue.
const QUEUE: usize = 1024;

/// One requested line: the flavor as the menu keys it (trimmed, lower-cased), the size and
/// the quantity (1..=99).
#[derive(Debug, Clone)]
pub struct NewLine {
    pub flavor_key: String,
    pub size: Size,
    pub quantity: i64,
}

/// Why the menu refused a new order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A line is not on the menu, or not available.
    NotOnMenu,
    /// Repeats of one flavor and size add up to more than 99.
    TooMany,
}

/// What a request gets back: the order's JSON (the 201 body), a refusal, or the error of
/// its batch.
pub type Placed = Result<String, PlaceError>;

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error("refused by the menu: {0:?}")]
    Refused(Refused),
    #[error("the database cannot be reached")]
    Unavailable,
    #[error("placing a batch of new orders failed: {0}")]
    Failed(String),
}

impl From<PlaceError> for ApiError {
    fn from(e: PlaceError) -> Self {
        match e {
            PlaceError::Refused(Refused::NotOnMenu) => crate::routes::orders::NOT_ON_MENU,
            PlaceError::Refused(Refused::TooMany) => crate::routes::orders::TOO_MANY,
            PlaceError::Unavailable => ApiError::Unavailable,
            failed @ PlaceError::Failed(_) => ApiError::Internal(failed.into()),
        }
    }
}

struct Job {
    user_id: i64,
    lines: Vec<NewLine>,
    reply: oneshot::Sender<Placed>,
}

/// The handle of the writer task; the task ends when the last handle is dropped.
#[derive(Clone)]
pub struct OrderWriter {
    jobs: mpsc::Sender<Job>,
}

impl OrderWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db, events: EventBus) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, events, queue));
        Self { jobs }
    }

    /// Places a new pending order of `user_id` with `lines` (possibly none); the order's
    /// JSON once it is committed.
    pub async fn place(&self, user_id: i64, lines: Vec<NewLine>) -> Placed {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            user_id,
            lines,
            reply,
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| PlaceError::Failed("the order writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| PlaceError::Failed("the order writer dropped the order".into()))?
    }
}

async fn run(db: Db, events: EventBus, mut queue: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        // A request whose client went away is not placed (as its transaction would have
        // been rolled back).
        jobs.retain(|j| !j.reply.is_closed());
        if !jobs.is_empty() {
            write(&db, &events, std::mem::take(&mut jobs)).await;
        }
    }
}

/// An order of the batch, priced, waiting for its ids.
struct Priced {
    job: Job,
    order: Order,
}

/// Places `jobs` in one transaction and answers each.
async fn write(db: &Db, events: &EventBus, jobs: Vec<Job>) {
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return fail(jobs.into_iter().map(|j| j.reply), &e),
    };
    let prices = match read_prices(&mut tx, &jobs).await {
        Ok(p) => p,
        Err(e) => return fail(jobs.into_iter().map(|j| j.reply), &e),
    };
    let now = db::now_secs();
    let mut batch = Vec::with_capacity(jobs.len());
    for job in jobs {
        match price(&job, &prices, now) {
            Ok(order) => batch.push(Priced { job, order }),
            Err(refused) => {
                let _ = job.reply.send(Err(PlaceError::Refused(refused)));
            }
        }
    }
    if batch.is_empty() {
        return;
    }
    match insert(tx, events, &mut batch, now).await {
        Ok(bodies) => {
            for (p, body) in batch.into_iter().zip(bodies) {
                let _ = p.job.reply.send(Ok(body));
            }
        }
        // One order's failure must not be its neighbours': the group was rolled back, so
        // each order is written again in a transaction of its own (and only the ones that
        // fail alone are answered with their error). A database that cannot be reached
        // fails them all at once.
        Err(e) if batch.len() > 1 && !crate::error::is_unavailable(&e) => {
            tracing::warn!(error = %e, orders = batch.len(), "a group of new orders failed; writing them one by one");
            for p in batch {
                Box::pin(write(db, events, vec![p.job])).await;
            }
        }
        Err(e) => fail(batch.into_iter().map(|p| p.job.reply), &e),
    }
}

fn fail(replies: impl Iterator<Item = oneshot::Sender<Placed>>, e: &sqlx::Error) {
    let unavailable = crate::error::is_unavailable(e);
    for reply in replies {
        let err = if unavailable {
            PlaceError::Unavailable
        } else {
            PlaceError::Failed(e.to_string())
        };
        let _ = reply.send(Err(err));
    }
}

/// The available menu rows of every line of the batch, by flavor key and size.
async fn read_prices(
    tx: &mut Tx,
    jobs: &[Job],
) -> Result<HashMap<(String, String), db::orders::Price>, sqlx::Error> {
    let keys: Vec<(&str, &str)> = jobs
        .iter()
        .flat_map(|j| &j.lines)
        .map(|l| (l.flavor_key.as_str(), l.size.as_str()))
        .collect();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let keys = serde_json::to_string(&keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let rows = db::orders::prices(tx.ex(), &keys).await?;
    Ok(rows
        .into_iter()
        .map(|row| ((row.2.clone(), row.3.clone()), row))
        .collect())
}

/// The order a job asks for, at the menu's prices, repeats of a flavor and size merged into
/// one line; ids are filled in when inserted.
fn price(
    job: &Job,
    prices: &HashMap<(String, String), db::orders::Price>,
    now: i64,
) -> Result<Order, Refused> {
    let mut items: Vec<(i64, OrderItem)> = Vec::with_capacity(job.lines.len());
    for l in &job.lines {
        let (menu_id, flavor, _, _, unit) = prices
            .get(&(l.flavor_key.clone(), l.size.as_str().to_owned()))
            .ok_or(Refused::NotOnMenu)?;
        match items.iter_mut().find(|(m, _)| m == menu_id) {
            Some((_, item)) => {
                item.quantity += l.quantity;
                item.subtotal_cents = item.quantity * item.unit_price_cents;
            }
            None => items.push((
                *menu_id,
                OrderItem {
                    id: 0,
                    flavor: flavor.clone(),
                    size: l.size,
                    quantity: l.quantity,
                    unit_price_cents: *unit,
                    subtotal_cents: l.quantity * unit,
                },
            )),
        }
        if items.iter().any(|(_, i)| i.quantity > Quantity::MAX) {
            return Err(Refused::TooMany);
        }
    }
    let items: Vec<OrderItem> = items.into_iter().map(|(_, i)| i).collect();
    Ok(Order {
        id: 0,
        user_id: job.user_id,
        status: OrderStatus::Pending,
        total_cents: items.iter().map(|i| i.subtotal_cents).sum(),
        items,
        created_at: db::to_time(now),
        updated_at: db::to_time(now),
        username: None,
    })
}

/// Inserts the batch's orders, lines and events, commits and publishes; each order's JSON.
async fn insert(
    mut tx: Tx,
    events: &EventBus,
    batch: &mut [Priced],
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    let orders: Vec<(i64, i64)> = batch
        .iter()
        .map(|p| (p.order.user_id, p.order.total_cents))
        .collect();
    let orders = serde_json::to_string(&orders).map_err(encode)?;
    let ids = db::orders::insert_many(tx.ex(), &orders, now).await?;
    if ids.len() != batch.len() {
        return Err(sqlx::Error::Protocol(format!(
            "{} orders inserted for {}",
            ids.len(),
            batch.len()
        )));
    }
    for (p, id) in batch.iter_mut().zip(&ids) {
        p.order.id = *id;
    }
    let lines: Vec<(i64, &str, &str, i64, i64)> = batch
        .iter()
        .flat_map(|p| {
            p.order.items.iter().map(|i| {
                (
                    p.order.id,
                    i.flavor.as_str(),
                    i.size.as_str(),
                    i.quantity,
                    i.unit_price_cents,
                )
            })
        })
        .collect();
    if !lines.is_empty() {
        let count = lines.len();
        let lines = serde_json::to_string(&lines).map_err(encode)?;
        let line_ids = db::orders::insert_lines(tx.ex(), &lines).await?;
        if line_ids.len() != count {
            return Err(sqlx::Error::Protocol(format!(
                "{} lines inserted for {count}",
                line_ids.len()
            )));
        }
        let items = batch.iter_mut().flat_map(|p| p.order.items.iter_mut());
        for (item, id) in items.zip(line_ids) {
            item.id = id;
        }
    }
    let bodies = batch
        .iter()
        .map(|p| serde_json::to_string(&p.order))
        .collect::<Result<Vec<_>, _>>()
        .map_err(encode)?;
    let rows: Vec<(i64, i64, &str)> = batch
        .iter()
        .zip(&bodies)
        .map(|(p, b)| (p.order.id, p.order.user_id, b.as_str()))
        .collect();
    let rows = serde_json::to_string(&rows).map_err(encode)?;
    let event_ids = db::events::insert_many(tx.ex(), &rows, db::now_ms()).await?;
    if event_ids.len() != batch.len() {
        return Err(sqlx::Error::Protocol(format!(
            "{} events recorded for {} orders",
            event_ids.len(),
            batch.len()
        )));
    }
    let published: Vec<OrderEvent> = batch
        .iter()
        .zip(&bodies)
        .zip(event_ids)
        .map(|((p, body), id)| OrderEvent {
            id,
            user_id: p.order.user_id,
            data: Arc::from(body.as_str()),
        })
        .collect();
    events.commit_all(tx, published).await?;
    Ok(bodies)
}
