//! Demo data for `serve --demo` and `comanda demo`: a menu, an admin and a customer with
//! orders in every status. Added only to a database without users.

use anyhow::Context;
use comanda_common::{OrderStatus, Size};

use crate::auth::password::Hasher;
use crate::db::{self, Db};

pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "admin-demo-1";
pub const CUSTOMER_USERNAME: &str = "maria";
pub const CUSTOMER_EMAIL: &str = "maria@example.com";
pub const CUSTOMER_PASSWORD: &str = "maria-demo-1";

/// Flavors with their small, medium and large prices in cents.
const MENU: &[(&str, [i64; 3])] = &[
    ("Margherita", [3200, 4200, 5200]),
    ("Pepperoni", [3600, 4700, 5800]),
    ("Quattro Formaggi", [3900, 5100, 6200]),
    ("Calabresa", [3400, 4400, 5400]),
    ("Portuguesa", [3800, 4900, 6000]),
    ("Frango com Catupiry", [3700, 4800, 5900]),
    ("Funghi", [3800, 4900, 5900]),
    ("Chocolate com Morango", [3500, 4500, 5500]),
];

/// Flavor, size, quantity of a demo order line.
type DemoLine = (&'static str, Size, i64);

/// Seeds the demo data when the database has no users; true when it did.
pub async fn seed(db: &Db, hasher: &Hasher) -> anyhow::Result<bool> {
    {
        let mut conn = db.conn().await?;
        if db::users::any(conn.ex()).await? {
            return Ok(false);
        }
    }
    let admin_hash = hasher.hash(ADMIN_PASSWORD).await?;
    let customer_hash = hasher.hash(CUSTOMER_PASSWORD).await?;
    let now = db::now_secs();
    let mut tx = db.begin().await?;
    if db::menu::is_empty(tx.ex()).await? {
        for (flavor, prices) in MENU {
            for (size, price) in Size::ALL.into_iter().zip(prices) {
                db::menu::insert(tx.ex(), flavor, size, *price).await?;
            }
        }
        // One item out of stock, so the admin view shows the difference.
        if let Some(item) = db::menu::find(tx.ex(), "Funghi", Size::Large).await? {
            db::menu::patch(tx.ex(), item.id, None, Some(false)).await?;
        }
    }
    let admin = db::users::NewUser {
        username: ADMIN_USERNAME,
        email: ADMIN_EMAIL,
        password_hash: &admin_hash,
        is_admin: true,
    };
    db::users::insert(tx.ex(), &admin, now).await?;
    let customer = db::users::NewUser {
        username: CUSTOMER_USERNAME,
        email: CUSTOMER_EMAIL,
        password_hash: &customer_hash,
        is_admin: false,
    };
    let customer = db::users::insert(tx.ex(), &customer, now).await?;

    let orders: &[(&[DemoLine], OrderStatus, i64)] = &[
        (
            &[
                ("Margherita", Size::Large, 1),
                ("Calabresa", Size::Medium, 2),
            ],
            OrderStatus::Finished,
            3 * 86400,
        ),
        (
            &[("Pepperoni", Size::Small, 1)],
            OrderStatus::Cancelled,
            86400,
        ),
        (
            &[
                ("Quattro Formaggi", Size::Medium, 1),
                ("Chocolate com Morango", Size::Small, 1),
            ],
            OrderStatus::Pending,
            600,
        ),
    ];
    for (lines, status, age) in orders {
        let created = now - age;
        let id = db::orders::insert(tx.ex(), customer.id, created).await?;
        for (flavor, size, quantity) in *lines {
            let item = db::menu::find(tx.ex(), flavor, *size)
                .await?
                .context("demo menu item missing")?;
            db::orders::add_line(
                tx.ex(),
                id,
                &item.flavor,
                *size,
                item.price_cents,
                *quantity,
            )
            .await?;
        }
        db::orders::touch_total(tx.ex(), id, created).await?;
        if *status != OrderStatus::Pending {
            db::orders::set_status(tx.ex(), id, *status, created + 900).await?;
        }
    }
    tx.commit().await?;
    tracing::info!("added the demo menu, accounts and orders");
    Ok(true)
}
