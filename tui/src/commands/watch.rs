//! `comanda watch`: each live order event as it arrives, until Ctrl-C. The stream reconnects
//! by itself with `Last-Event-ID`; a server that cannot be reached at the start is exit 3,
//! an outage later is one line on stderr and a reconnect.

use std::io::Write;

use comanda_common::Order;
use crossterm::style::Stylize;

use super::output::{local, money, pizzas, status_color};
use super::{CommandResult, Io};
use crate::api::events::{LiveEvent, StreamEvent, run_events};
use crate::api::{ApiClient, ApiError};

/// Stops the stream's task when `watch` ends (Ctrl-C drops the future).
struct AbortOnDrop(tokio::task::JoinHandle<()>);
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn watch(api: &ApiClient, io: &mut Io) -> CommandResult {
    if !api.has_session().await {
        return Err(ApiError::NotSignedIn.into());
    }
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<StreamEvent>();
    let _task = AbortOnDrop(tokio::spawn(run_events(api.clone(), tx)));
    let mut connected_once = false;
    let mut reconnecting = false;
    while let Some(StreamEvent { id, event }) = rx.recv().await {
        match event {
            LiveEvent::Connected => {
                if !connected_once && !io.json {
                    io.text(&row_text(
                        "UPDATED", "ORDER", "USER", "STATUS", "PIZZAS", "TOTAL",
                    ))?;
                }
                if reconnecting {
                    writeln!(io.err, "live again")?;
                }
                connected_once = true;
                reconnecting = false;
            }
            LiveEvent::Reconnecting(why) => {
                if !connected_once {
                    return Err(ApiError::Unreachable(api.base_url().to_owned()).into());
                }
                if !reconnecting {
                    writeln!(io.err, "reconnecting: {why}")?;
                }
                reconnecting = true;
            }
            LiveEvent::Order(order) => {
                if io.json {
                    io.json(&serde_json::json!({ "id": id, "order": order }))?;
                } else {
                    let color = io.color;
                    io.text(&order_row(&order, color))?;
                }
            }
            LiveEvent::Reset => {
                if io.json {
                    io.json(&serde_json::json!({ "reset": true }))?;
                } else {
                    io.text("reset: events were missed; list the orders again")?;
                }
            }
            LiveEvent::SessionEnded => return Err(ApiError::SessionEnded.into()),
        }
    }
    Ok(())
}

/// One line of fixed columns, so that rows printed one by one stay aligned under the header.
fn row_text(
    updated: &str,
    id: &str,
    user: &str,
    status: &str,
    pizzas: &str,
    total: &str,
) -> String {
    format!("{updated:<16}  {id:>6}  {user:>5}  {status:<9}  {pizzas:>6}  {total:>9}")
}

fn order_row(order: &Order, color: bool) -> String {
    let status = format!("{:<9}", order.status.as_str());
    let status = if color {
        status.with(status_color(order.status)).to_string()
    } else {
        status
    };
    row_text(
        &local(order.updated_at),
        &order.id.to_string(),
        &order.user_id.to_string(),
        &status,
        &pizzas(order).to_string(),
        &money(order.total_cents),
    )
}
