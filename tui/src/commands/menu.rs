//! `comanda menu [--all]`.

use comanda_common::MenuItem;

use super::output::{Cell, money, table};
use super::{CommandResult, Io};
use crate::api::ApiClient;

pub async fn menu(api: &ApiClient, io: &mut Io, all: bool) -> CommandResult {
    let menu = api.menu(all).await?;
    io.show(&menu, |color| menu_table(&menu.items, all, color))?;
    Ok(())
}

fn menu_table(items: &[MenuItem], with_availability: bool, color: bool) -> String {
    let rows = items
        .iter()
        .map(|i| {
            let mut row = vec![
                Cell::right(i.id.to_string()),
                Cell::left(i.flavor.clone()),
                Cell::left(i.size.as_str()),
                Cell::right(money(i.price_cents)),
            ];
            if with_availability {
                row.push(Cell::left(if i.available { "yes" } else { "no" }));
            }
            row
        })
        .collect();
    let mut headers = vec!["ID", "FLAVOR", "SIZE", "PRICE"];
    if with_availability {
        headers.push("AVAILABLE");
    }
    table(&headers, rows, color)
}
