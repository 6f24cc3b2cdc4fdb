//! `comanda order show|new|add|set|remove|cancel|finish`: each prints the order as it is
//! after the change (with `--json`, the server's `Order`).

use comanda_common::{Order, OrderCreate, OrderItemCreate};

use super::output::order_detail;
use super::{CommandResult, Io, item};
use crate::api::{ApiClient, new_idempotency_key};
use crate::cli::OrderCommand;

pub async fn order(api: &ApiClient, io: &mut Io, command: OrderCommand) -> CommandResult {
    let order = match command {
        OrderCommand::Show { id } => api.order(id).await?,
        OrderCommand::New { items } => {
            let items = items_of(api, &items).await?;
            let key = new_idempotency_key();
            api.create_order(&OrderCreate { items }, Some(&key)).await?
        }
        OrderCommand::Add { id, items } => {
            let items = items_of(api, &items).await?;
            let mut order = None;
            for it in &items {
                let key = new_idempotency_key();
                order = Some(api.add_item(id, it, Some(&key)).await?);
            }
            match order {
                Some(o) => o,
                None => api.order(id).await?,
            }
        }
        OrderCommand::Set {
            id,
            item_id,
            quantity,
        } => {
            let key = new_idempotency_key();
            api.set_item_quantity(id, item_id, quantity, Some(&key))
                .await?
        }
        OrderCommand::Remove { id, item_id } => api.remove_item(id, item_id).await?,
        OrderCommand::Cancel { id } => api.cancel_order(id).await?,
        OrderCommand::Finish { id } => api.finish_order(id).await?,
    };
    show(io, &order)
}

fn show(io: &mut Io, order: &Order) -> CommandResult {
    io.show(order, |color| order_detail(order, color))?;
    Ok(())
}

/// The ITEM arguments, checked first (a typo is a usage error before anything is sent), then
/// matched against the menu.
async fn items_of(
    api: &ApiClient,
    args: &[String],
) -> Result<Vec<OrderItemCreate>, super::CommandError> {
    let parsed = args
        .iter()
        .map(|a| item::parse(a))
        .collect::<Result<Vec<_>, _>>()?;
    if parsed.is_empty() {
        return Ok(Vec::new());
    }
    let menu = api.menu(false).await?;
    Ok(parsed
        .into_iter()
        .map(|p| item::resolve(p, &menu.items))
        .collect())
}
