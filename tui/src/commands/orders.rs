//! `comanda orders [--status S] [--all] [--user ID] [--limit N]`: newest first, paged through
//! until `--limit` orders (default 100) or the last page.

use comanda_common::paging::MAX_LIMIT;
use comanda_common::{Order, OrderList, OrderQuery, OrderScope};

use super::output::{Cell, local, money, pizzas, table};
use super::{CommandResult, Io};
use crate::api::ApiClient;
use crate::cli::OrdersArgs;

pub async fn orders(api: &ApiClient, io: &mut Io, args: OrdersArgs) -> CommandResult {
    let mut query = OrderQuery {
        offset: Some(0),
        limit: None,
        status: args.status.map(Into::into),
        scope: args.all.then_some(OrderScope::All),
        user_id: args.user,
        q: None,
    };
    let mut orders: Vec<Order> = Vec::new();
    loop {
        let want = (args.limit - orders.len() as i64).min(MAX_LIMIT);
        query.limit = Some(want);
        let page = api.list_orders(&query).await?;
        let got = page.orders.len() as i64;
        orders.extend(page.orders);
        if got < want || orders.len() as i64 >= args.limit {
            break;
        }
        query.offset = Some(orders.len() as i64);
    }
    let list = OrderList { orders };
    io.show(&list, |color| orders_table(&list.orders, args.all, color))?;
    Ok(())
}

fn orders_table(orders: &[Order], with_user: bool, color: bool) -> String {
    let rows = orders
        .iter()
        .map(|o| {
            let mut row = vec![Cell::right(o.id.to_string())];
            if with_user {
                row.push(Cell::right(o.user_id.to_string()));
            }
            row.extend([
                Cell::status(o.status),
                Cell::right(pizzas(o).to_string()),
                Cell::right(money(o.total_cents)),
                Cell::left(local(o.created_at)),
            ]);
            row
        })
        .collect();
    let mut headers = vec!["ID"];
    if with_user {
        headers.push("USER");
    }
    headers.extend(["STATUS", "PIZZAS", "TOTAL", "CREATED"]);
    table(&headers, rows, color)
}
