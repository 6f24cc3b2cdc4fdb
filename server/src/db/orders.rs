//! Orders and their items. Every change runs inside a transaction that first locks the
//! order row ([`lock`]), so concurrent changes to one order queue instead of interleaving.

use comanda_common::{Order, OrderItem, OrderStatus, Size};

use super::{Ex, decode_name, on, to_time};

/// An order row with its items as one JSON array of `[id, flavor, size, quantity,
/// unit_price_cents]`, so that one order is one row: each row costs a hand-off between
/// the connection's thread and tokio (BENCHMARKS.md).
#[derive(sqlx::FromRow)]
struct OrderRow {
    id: i64,
    user_id: i64,
    status: String,
    total_cents: i64,
    created_at: i64,
    updated_at: i64,
    items: String,
}

/// One order with its items, in one query and one row.
pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Order>, sqlx::Error> {
    // The only difference between the dialects is the JSON aggregate.
    const SQLITE: &str = "SELECT o.id, o.user_id, o.status, o.total_cents, o.created_at, o.updated_at, \
         (SELECT json_group_array(json_array(i.id, i.flavor, i.size, i.quantity, i.unit_price_cents)) \
          FROM (SELECT * FROM order_items WHERE order_id = o.id ORDER BY id) i) AS items \
         FROM orders o WHERE o.id = $1";
    const POSTGRES: &str = "SELECT o.id, o.user_id, o.status, o.total_cents, o.created_at, o.updated_at, \
         (SELECT COALESCE(json_agg(json_build_array(i.id, i.flavor, i.size, i.quantity, i.unit_price_cents) \
          ORDER BY i.id), '[]')::text FROM order_items i WHERE i.order_id = o.id) AS items \
         FROM orders o WHERE o.id = $1";
    let row: Option<OrderRow> = match ex {
        Ex::Sqlite(c) => sqlx::query_as(SQLITE).bind(id).fetch_optional(c).await?,
        Ex::Postgres(c) => sqlx::query_as(POSTGRES).bind(id).fetch_optional(c).await?,
    };
    let Some(r) = row else {
        return Ok(None);
    };
    let lines: Vec<(i64, String, String, i64, i64)> =
        serde_json::from_str(&r.items).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    Ok(Some(Order {
        id: r.id,
        user_id: r.user_id,
        status: decode_name("status", &r.status, OrderStatus::parse)?,
        items: decode_lines(lines)?,
        total_cents: r.total_cents,
        created_at: to_time(r.created_at),
        updated_at: to_time(r.updated_at),
        username: None,
    }))
}

/// Which orders a list shows.
pub struct ListFilter {
    /// Only this user's orders (None: everybody's).
    pub user_id: Option<i64>,
    pub status: Option<OrderStatus>,
    /// Search text (`GET /orders/?q=`): see [`search`].
    pub q: Option<String>,
    pub offset: i64,
    pub limit: i64,
    /// Name the customer on each order (`scope=all`: an admin's view).
    pub names: bool,
}

/// One order as the API's JSON, built by PostgreSQL (`o` an `orders` row), and whether a
/// value in it is one the code does not know (`bad`, 0 or 1).
macro_rules! postgres_order {
    ($extra:literal) => {
        concat!("o.id, json_build_object('id', o.id, 'user_id', o.user_id, 'status', o.status, \
         'items', (SELECT COALESCE(json_agg(json_build_object('id', i.id, 'flavor', i.flavor, \
           'size', i.size, 'quantity', i.quantity, 'unit_price_cents', i.unit_price_cents, \
           'subtotal_cents', i.quantity * i.unit_price_cents) ORDER BY i.id), '[]'::json) \
           FROM order_items i WHERE i.order_id = o.id), \
         'total_cents', o.total_cents, \
         'created_at', to_char(to_timestamp(o.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
         'updated_at', to_char(to_timestamp(o.updated_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", $extra, ") AS j, \
         (o.status NOT IN ('pending', 'cancelled', 'finished') OR EXISTS (SELECT 1 FROM order_items b \
           WHERE b.order_id = o.id AND b.size NOT IN ('small', 'medium', 'large')))::int AS bad")
    };
}

/// The page statements of each dialect, without and with the customer's username
/// (`scope=all`): `$page` selects the page's `orders` rows, newest first; a statement
/// answers one row. On PostgreSQL it is the page as the answer's JSON array and whether it
/// holds a value the code does not know. On SQLite, whose JSON objects cost more to build
/// than the rows they replace (BENCHMARKS.md), it is the page as one JSON array of
/// `[id, user_id, status, total_cents, created_at, updated_at, [[item id, flavor, size,
/// quantity, unit_price_cents], …], username or null]`, decoded strictly by [`from_arrays`].
macro_rules! page {
    ($page:literal) => {
        Pages {
            plain: page!($page, "NULL", ""),
            named: page!(
                $page,
                "(SELECT u.username FROM users u WHERE u.id = o.user_id)",
                ", 'username', (SELECT u.username FROM users u WHERE u.id = o.user_id)"
            ),
        }
    };
    ($page:literal, $sqlite_name:literal, $extra:literal) => {
        (
            concat!(
                "SELECT COALESCE(json_group_array(json_array(o.id, o.user_id, o.status, o.total_cents, \
                 o.created_at, o.updated_at, json((SELECT COALESCE(json_group_array(json_array(i.id, \
                 i.flavor, i.size, i.quantity, i.unit_price_cents)), '[]') FROM (SELECT * FROM order_items \
                 WHERE order_id = o.id ORDER BY id) i)), ",
                $sqlite_name,
                ")), '[]'), 0 FROM (",
                $page,
                ") o"
            ),
            concat!(
                "SELECT COALESCE(json_agg(p.j ORDER BY p.id DESC), '[]')::text, COALESCE(MAX(p.bad), 0)::bigint FROM (SELECT ",
                postgres_order!($extra),
                " FROM (",
                $page,
                ") o) p"
            ),
        )
    };
}

/// One order of a SQLite page: see [`page!`].
type ArrayRow = (
    i64,
    i64,
    String,
    i64,
    i64,
    i64,
    Vec<(i64, String, String, i64, i64)>,
    Option<String>,
);

/// A SQLite page as the answer's JSON array of orders, statuses and sizes decoded strictly.
fn from_arrays(page: &str) -> Result<String, sqlx::Error> {
    let rows: Vec<ArrayRow> =
        serde_json::from_str(page).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let orders = rows
        .into_iter()
        .map(
            |(id, user_id, status, total_cents, created, updated, lines, username)| {
                Ok(Order {
                    id,
                    user_id,
                    status: decode_name("status", &status, OrderStatus::parse)?,
                    items: decode_lines(lines)?,
                    total_cents,
                    created_at: to_time(created),
                    updated_at: to_time(updated),
                    username,
                })
            },
        )
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    serde_json::to_string(&orders).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// One page query: (SQLite, PostgreSQL) without and with the customer's username.
struct Pages {
    plain: (&'static str, &'static str),
    named: (&'static str, &'static str),
}

impl Pages {
    fn pick(&self, f: &ListFilter) -> (&'static str, &'static str) {
        if f.names { self.named } else { self.plain }
    }
}

/// A page of orders, newest first, with their items: the answer's JSON array, built by the
/// database in one statement and one row (no per-row hand-off, decode or encode).
pub async fn list(ex: Ex<'_>, f: &ListFilter) -> Result<String, sqlx::Error> {
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        return search(ex, f, q).await;
    }
    const BY_USER: Pages =
        page!("SELECT * FROM orders WHERE user_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3");
    const BY_USER_STATUS: Pages = page!(
        "SELECT * FROM orders WHERE user_id = $1 AND status = $4 ORDER BY id DESC LIMIT $2 OFFSET $3"
    );
    const ALL: Pages = page!("SELECT * FROM orders ORDER BY id DESC LIMIT $2 OFFSET $3");
    const ALL_STATUS: Pages =
        page!("SELECT * FROM orders WHERE status = $4 ORDER BY id DESC LIMIT $2 OFFSET $3");
    let (sqlite, postgres) = match (f.user_id.is_some(), f.status.is_some()) {
        (true, false) => BY_USER,
        (true, true) => BY_USER_STATUS,
        (false, false) => ALL,
        (false, true) => ALL_STATUS,
    }
    .pick(f);
    let status = f.status.map(OrderStatus::as_str);
    // $4 exists only in the status variants; binding it elsewhere would be an error.
    macro_rules! run {
        ($sql:expr, $c:expr) => {{
            let q = sqlx::query_as($sql)
                .bind(f.user_id.unwrap_or(0))
                .bind(f.limit)
                .bind(f.offset);
            let q = match status {
                Some(s) => q.bind(s),
                None => q,
            };
            q.fetch_one($c).await?
        }};
    }
    let page: (String, i64) = match ex {
        Ex::Sqlite(c) => {
            let (page, _): (String, i64) = run!(sqlite, c);
            return from_arrays(&page);
        }
        Ex::Postgres(c) => run!(postgres, c),
    };
    checked(page)
}

/// The page, unless it holds a status or size the code does not know (a decode error, as
/// for one order).
fn checked((json, bad): (String, i64)) -> Result<String, sqlx::Error> {
    if bad != 0 {
        return Err(sqlx::Error::ColumnDecode {
            index: "status or size".into(),
            source: "an unknown value in a page of orders".into(),
        });
    }
    Ok(json)
}

/// A page of the orders of `list` whose number, status, total as money text (`86.00`) or
/// a line's flavor contains `q` (case-insensitively; `%` and `_` match themselves); across
/// every user's orders (no `user_id`) also the customer's username.
async fn search(ex: Ex<'_>, f: &ListFilter, q: &str) -> Result<String, sqlx::Error> {
    // $1 user (0: any), $4 status ('': any), $5 the LIKE pattern. Money text is built the
    // same way in both dialects: whole units, '.', two digits.
    const SQL: Pages = page!(
        "SELECT * FROM orders s WHERE ($1 = 0 OR s.user_id = $1) AND ($4 = '' OR s.status = $4) \
           AND (CAST(s.id AS TEXT) LIKE $5 ESCAPE '\\' OR s.status LIKE $5 ESCAPE '\\' \
             OR (CAST(s.total_cents / 100 AS TEXT) || '.' || CASE WHEN s.total_cents % 100 < 10 \
                 THEN '0' ELSE '' END || CAST(s.total_cents % 100 AS TEXT)) LIKE $5 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM order_items f WHERE f.order_id = s.id \
                 AND lower(f.flavor) LIKE $5 ESCAPE '\\') \
             OR ($1 = 0 AND EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id \
                 AND u.username_key LIKE $5 ESCAPE '\\'))) \
           ORDER BY s.id DESC LIMIT $2 OFFSET $3"
    );
    // No order holds NUL, and PostgreSQL refuses it in a text parameter.
    if q.contains('\0') {
        return Ok("[]".into());
    }
    let pattern = format!("%{}%", super::users::escape_like(&q.to_lowercase()));
    let status = f.status.map_or("", OrderStatus::as_str);
    macro_rules! run {
        ($sql:expr, $c:expr) => {
            sqlx::query_as($sql)
                .bind(f.user_id.unwrap_or(0))
                .bind(f.limit)
                .bind(f.offset)
                .bind(status)
                .bind(&pattern)
                .fetch_one($c)
                .await?
        };
    }
    let (sqlite, postgres) = SQL.pick(f);
    let page: (String, i64) = match ex {
        Ex::Sqlite(c) => {
            let (page, _): (String, i64) = run!(sqlite, c);
            return from_arrays(&page);
        }
        Ex::Postgres(c) => run!(postgres, c),
    };
    checked(page)
}

/// Locks the order row for the rest of the transaction; its owner and status.
pub async fn lock(ex: Ex<'_>, id: i64) -> Result<Option<(i64, OrderStatus)>, sqlx::Error> {
    const SQL: &str =
        "UPDATE orders SET updated_at = updated_at WHERE id = $1 RETURNING user_id, status";
    let row: Option<(i64, String)> =
        on!(ex, c => sqlx::query_as(SQL).bind(id).fetch_optional(c).await)?;
    row.map(|(u, s)| Ok((u, decode_name("status", &s, OrderStatus::parse)?)))
        .transpose()
}

/// A new, empty, pending order.
pub async fn insert(ex: Ex<'_>, user_id: i64, now: i64) -> Result<i64, sqlx::Error> {
    const SQL: &str = "INSERT INTO orders (user_id, status, total_cents, created_at, updated_at) \
         VALUES ($1, 'pending', 0, $2, $2) RETURNING id";
    on!(ex, c => sqlx::query_scalar(SQL).bind(user_id).bind(now).fetch_one(c).await)
}

/// The result of adding to an order line.
#[derive(Debug, PartialEq, Eq)]
pub enum AddLine {
    Added,
    /// The line would exceed 99.
    TooMany,
}

/// Adds `quantity` of a menu row at `unit_price` to the order: to the existing line of the
/// same flavor, size and unit price, or as a new line.
pub async fn add_line(
    ex: Ex<'_>,
    order_id: i64,
    flavor: &str,
    size: Size,
    unit_price: i64,
    quantity: i64,
) -> Result<AddLine, sqlx::Error> {
    const FIND: &str = "SELECT id, quantity FROM order_items \
         WHERE order_id = $1 AND flavor = $2 AND size = $3 AND unit_price_cents = $4 ORDER BY id LIMIT 1";
    const BUMP: &str = "UPDATE order_items SET quantity = $2 WHERE id = $1";
    const INSERT: &str = "INSERT INTO order_items (order_id, flavor, size, quantity, unit_price_cents) \
         VALUES ($1, $2, $3, $4, $5)";
    on!(ex, c => {
        let existing: Option<(i64, i64)> = sqlx::query_as(FIND)
            .bind(order_id)
            .bind(flavor)
            .bind(size.as_str())
            .bind(unit_price)
            .fetch_optional(&mut *c)
            .await?;
        match existing {
            Some((_, q)) if q + quantity > comanda_common::Quantity::MAX => Ok(AddLine::TooMany),
            Some((line, q)) => {
                sqlx::query(BUMP).bind(line).bind(q + quantity).execute(&mut *c).await?;
                Ok(AddLine::Added)
            }
            None if quantity > comanda_common::Quantity::MAX => Ok(AddLine::TooMany),
            None => {
                sqlx::query(INSERT)
                    .bind(order_id)
                    .bind(flavor)
                    .bind(size.as_str())
                    .bind(quantity)
                    .bind(unit_price)
                    .execute(&mut *c)
                    .await?;
                Ok(AddLine::Added)
            }
        }
    })
}

/// Removes a line; false when the order has no such line.
pub async fn delete_line(ex: Ex<'_>, order_id: i64, item_id: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str = "DELETE FROM order_items WHERE id = $1 AND order_id = $2";
    on!(ex, c => sqlx::query(SQL)
        .bind(item_id)
        .bind(order_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))
}

/// Sets a line's quantity (its unit price stays); false when the order has no such line.
pub async fn set_line_quantity(
    ex: Ex<'_>,
    order_id: i64,
    item_id: i64,
    quantity: i64,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE order_items SET quantity = $3 WHERE id = $1 AND order_id = $2";
    on!(ex, c => sqlx::query(SQL)
        .bind(item_id)
        .bind(order_id)
        .bind(quantity)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))
}

/// Sets the total to the sum of the lines and stamps the change.
pub async fn touch_total(ex: Ex<'_>, order_id: i64, now: i64) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE orders SET updated_at = $2, total_cents = \
         (SELECT COALESCE(SUM(quantity * unit_price_cents), 0) FROM order_items WHERE order_id = $1) \
         WHERE id = $1";
    on!(ex, c => sqlx::query(SQL).bind(order_id).bind(now).execute(c).await.map(|_| ()))
}

pub async fn set_status(
    ex: Ex<'_>,
    order_id: i64,
    status: OrderStatus,
    now: i64,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1";
    on!(ex, c => sqlx::query(SQL)
        .bind(order_id)
        .bind(status.as_str())
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))
}

pub async fn has_items(ex: Ex<'_>, order_id: i64) -> Result<bool, sqlx::Error> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM order_items WHERE order_id = $1)";
    on!(ex, c => sqlx::query_scalar(SQL).bind(order_id).fetch_one(c).await)
}

/// An available menu row, as new lines are priced: `(id, flavor, flavor_key, size,
/// price_cents)`.
pub type Price = (i64, String, String, String, i64);

/// The available menu rows for `keys`, a JSON array of `[flavor_key, size]` pairs, in one
/// query and one row (each row costs a hand-off on SQLite).
pub async fn prices(ex: Ex<'_>, keys: &str) -> Result<Vec<Price>, sqlx::Error> {
    const SQLITE: &str = "SELECT COALESCE(json_group_array(json_array(m.id, m.flavor, m.flavor_key, m.size, m.price_cents)), '[]') \
         FROM menu_items m WHERE m.available = TRUE AND (m.flavor_key, m.size) IN \
         (SELECT json_extract(k.value, '$[0]'), json_extract(k.value, '$[1]') FROM json_each($1) k)";
    const POSTGRES: &str = "SELECT COALESCE(json_agg(json_build_array(m.id, m.flavor, m.flavor_key, m.size, m.price_cents)), '[]')::text \
         FROM menu_items m WHERE m.available = TRUE AND (m.flavor_key, m.size) IN \
         (SELECT k ->> 0, k ->> 1 FROM json_array_elements($1::json) k)";
    let json: String = match ex {
        Ex::Sqlite(c) => sqlx::query_scalar(SQLITE).bind(keys).fetch_one(c).await?,
        Ex::Postgres(c) => sqlx::query_scalar(POSTGRES).bind(keys).fetch_one(c).await?,
    };
    serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// Inserts new pending orders, `orders` a JSON array of `[user_id, total_cents]`, in one
/// statement; their ids in the array's order (ids are drawn in that order).
pub async fn insert_many(ex: Ex<'_>, orders: &str, now: i64) -> Result<Vec<i64>, sqlx::Error> {
    const SQLITE: &str = "INSERT INTO orders (user_id, status, total_cents, created_at, updated_at) \
         SELECT json_extract(value, '$[0]'), 'pending', json_extract(value, '$[1]'), $2, $2 \
         FROM json_each($1) ORDER BY key RETURNING id";
    const POSTGRES: &str = "INSERT INTO orders (user_id, status, total_cents, created_at, updated_at) \
         SELECT (e ->> 0)::bigint, 'pending', (e ->> 1)::bigint, $2, $2 \
         FROM json_array_elements($1::json) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id";
    let mut ids: Vec<i64> = match ex {
        Ex::Sqlite(c) => {
            sqlx::query_scalar(SQLITE)
                .bind(orders)
                .bind(now)
                .fetch_all(c)
                .await?
        }
        Ex::Postgres(c) => {
            sqlx::query_scalar(POSTGRES)
                .bind(orders)
                .bind(now)
                .fetch_all(c)
                .await?
        }
    };
    // RETURNING's row order is not promised; the ids' order is.
    ids.sort_unstable();
    Ok(ids)
}

/// Inserts lines, `lines` a JSON array of `[order_id, flavor, size, quantity,
/// unit_price_cents]`, in one statement; their ids in the array's order.
pub async fn insert_lines(ex: Ex<'_>, lines: &str) -> Result<Vec<i64>, sqlx::Error> {
    const SQLITE: &str = "INSERT INTO order_items (order_id, flavor, size, quantity, unit_price_cents) \
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), \
         json_extract(value, '$[3]'), json_extract(value, '$[4]') \
         FROM json_each($1) ORDER BY key RETURNING id";
    const POSTGRES: &str = "INSERT INTO order_items (order_id, flavor, size, quantity, unit_price_cents) \
         SELECT (e ->> 0)::bigint, e ->> 1, e ->> 2, (e ->> 3)::bigint, (e ->> 4)::bigint \
         FROM json_array_elements($1::json) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id";
    let mut ids: Vec<i64> = match ex {
        Ex::Sqlite(c) => sqlx::query_scalar(SQLITE).bind(lines).fetch_all(c).await?,
        Ex::Postgres(c) => {
            sqlx::query_scalar(POSTGRES)
                .bind(lines)
                .fetch_all(c)
                .await?
        }
    };
    ids.sort_unstable();
    Ok(ids)
}

/// An order's lines as the statements give them (`[id, flavor, size, quantity, unit price]`),
/// sizes decoded strictly, subtotals worked out.
fn decode_lines(
    lines: Vec<(i64, String, String, i64, i64)>,
) -> Result<Vec<OrderItem>, sqlx::Error> {
    lines
        .into_iter()
        .map(|(id, flavor, size, quantity, unit)| {
            Ok(OrderItem {
                id,
                flavor,
                size: decode_name("size", &size, Size::parse)?,
                quantity,
                unit_price_cents: unit,
                subtotal_cents: quantity * unit,
            })
        })
        .collect()
}
