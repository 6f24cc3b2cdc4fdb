//! The menu: flavors in sizes with prices.

use comanda_common::{MenuItem, Size};

use super::{Ex, decode_name, on};

/// The PostgreSQL channel on which a change to the menu is announced to every process.
pub const CHANNEL: &str = "comanda_menu";

/// On PostgreSQL, announces a change of the menu made by the process named `origin` (in the
/// caller's transaction, so it is delivered at commit, and never for a change rolled
/// back). Nothing on SQLite.
pub async fn announce_change(ex: Ex<'_>, origin: &str) -> Result<(), sqlx::Error> {
    const NOTIFY: &str = "SELECT pg_notify('comanda_menu', $1)";
    match ex {
        Ex::Postgres(c) => sqlx::query(NOTIFY)
            .bind(origin)
            .execute(c)
            .await
            .map(|_| ()),
        Ex::Sqlite(_) => Ok(()),
    }
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct MenuRow {
    pub id: i64,
    pub flavor: String,
    pub size: String,
    pub price_cents: i64,
    pub available: bool,
}

impl TryFrom<&MenuRow> for MenuItem {
    type Error = sqlx::Error;

    fn try_from(row: &MenuRow) -> Result<Self, Self::Error> {
        Ok(MenuItem {
            id: row.id,
            flavor: row.flavor.clone(),
            size: decode_name("size", &row.size, Size::parse)?,
            price_cents: row.price_cents,
            available: row.available,
        })
    }
}

/// The menu ordered by flavor (case-insensitively), then small < medium < large. Sorted
/// here rather than in SQL so that both backends agree whatever their collation.
pub async fn list(ex: Ex<'_>, include_unavailable: bool) -> Result<Vec<MenuItem>, sqlx::Error> {
    const ALL: &str = "SELECT id, flavor, size, price_cents, available FROM menu_items";
    const AVAILABLE: &str =
        "SELECT id, flavor, size, price_cents, available FROM menu_items WHERE available = TRUE";
    let sql = if include_unavailable { ALL } else { AVAILABLE };
    let rows: Vec<MenuRow> = on!(ex, c => sqlx::query_as(sql).fetch_all(c).await)?;
    let mut items = rows
        .iter()
        .map(MenuItem::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    items.sort_by(|a, b| {
        (a.flavor.to_lowercase(), a.size, a.id).cmp(&(b.flavor.to_lowercase(), b.size, b.id))
    });
    Ok(items)
}

pub async fn insert(
    ex: Ex<'_>,
    flavor: &str,
    size: Size,
    price_cents: i64,
) -> Result<MenuItem, sqlx::Error> {
    const SQL: &str = "INSERT INTO menu_items (flavor, flavor_key, size, price_cents, available) \
         VALUES ($1, $2, $3, $4, TRUE) RETURNING id, flavor, size, price_cents, available";
    let row: MenuRow = on!(ex, c => sqlx::query_as(SQL)
        .bind(flavor)
        .bind(flavor.to_lowercase())
        .bind(size.as_str())
        .bind(price_cents)
        .fetch_one(c)
        .await)?;
    MenuItem::try_from(&row)
}

pub async fn patch(
    ex: Ex<'_>,
    id: i64,
    price_cents: Option<i64>,
    available: Option<bool>,
) -> Result<Option<MenuItem>, sqlx::Error> {
    const SQL: &str = "UPDATE menu_items SET price_cents = COALESCE($2, price_cents), \
         available = COALESCE($3, available) WHERE id = $1 \
         RETURNING id, flavor, size, price_cents, available";
    let row: Option<MenuRow> = on!(ex, c => sqlx::query_as(SQL)
        .bind(id)
        .bind(price_cents)
        .bind(available)
        .fetch_optional(c)
        .await)?;
    row.as_ref().map(MenuItem::try_from).transpose()
}

/// The menu row for a flavor (any case) and size.
pub async fn find(ex: Ex<'_>, flavor: &str, size: Size) -> Result<Option<MenuRow>, sqlx::Error> {
    const SQL: &str = "SELECT id, flavor, size, price_cents, available FROM menu_items \
         WHERE flavor_key = $1 AND size = $2";
    on!(ex, c => sqlx::query_as(SQL)
        .bind(flavor.trim().to_lowercase())
        .bind(size.as_str())
        .fetch_optional(c)
        .await)
}

pub async fn is_empty(ex: Ex<'_>) -> Result<bool, sqlx::Error> {
    on!(ex, c => sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM menu_items)").fetch_one(c).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(size: &str) -> MenuRow {
        MenuRow {
            id: 1,
            flavor: "Margherita".into(),
            size: size.into(),
            price_cents: 3000,
            available: true,
        }
    }

    #[test]
    fn a_row_decodes_strictly() {
        assert_eq!(MenuItem::try_from(&row("large")).unwrap().size, Size::Large);
        // An unknown size is an error, never silently "medium".
        let e = MenuItem::try_from(&row("huge")).unwrap_err();
        assert!(
            matches!(e, sqlx::Error::ColumnDecode { ref index, .. } if index == "size"),
            "{e}"
        );
    }
}
