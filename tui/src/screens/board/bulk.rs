//! Finishing or cancelling several orders at once: the question, the requests (sent
//! together) and the report of each order's result.

use comanda_common::Order;

use super::{Board, Msg};
use crate::api::{ApiClient, ApiError, ApiResult};
use crate::app::Ctx;
use crate::popups::Confirm;

/// Finish or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    Finish,
    Cancel,
}

impl Bulk {
    fn verb(self) -> &'static str {
        match self {
            Bulk::Finish => "Finish",
            Bulk::Cancel => "Cancel",
        }
    }
    fn done(self) -> &'static str {
        match self {
            Bulk::Finish => "Finished",
            Bulk::Cancel => "Cancelled",
        }
    }
    fn not_done(self) -> &'static str {
        match self {
            Bulk::Finish => "not finished",
            Bulk::Cancel => "not cancelled",
        }
    }
    async fn send(self, api: &ApiClient, id: i64) -> ApiResult<Order> {
        match self {
            Bulk::Finish => api.finish_order(id).await,
            Bulk::Cancel => api.cancel_order(id).await,
        }
    }
}

/// What a `y` does: the action and the orders it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Yes {
    pub bulk: Bulk,
    pub ids: Vec<i64>,
}

impl Board {
    /// The orders `f`/`c` act on: the marked ones, else the selected one.
    pub fn targets(&self) -> Vec<i64> {
        if self.marked.is_empty() {
            self.selected_id().into_iter().collect()
        } else {
            self.marked.iter().copied().collect()
        }
    }

    pub(super) fn ask(&mut self, bulk: Bulk) {
        let ids = self.targets();
        if ids.is_empty() {
            return;
        }
        let question = if ids.len() == 1 {
            format!("{} order #{}?", bulk.verb(), ids[0])
        } else {
            format!("{} {} orders ({})?", bulk.verb(), ids.len(), numbers(&ids))
        };
        self.popup = Some(Confirm::new(question, Yes { bulk, ids }));
    }

    pub(super) fn run(&mut self, yes: Yes, ctx: &mut Ctx) {
        let Yes { bulk, ids } = yes;
        self.busy.extend(ids.iter().copied());
        let api = ctx.api.clone();
        let label = match bulk {
            Bulk::Finish => "finishing orders",
            Bulk::Cancel => "cancelling orders",
        };
        ctx.spawn(label, async move {
            let each = ids.into_iter().map(|id| {
                let api = api.clone();
                async move { (id, bulk.send(&api, id).await) }
            });
            Msg::Done {
                bulk,
                results: futures::future::join_all(each).await,
            }
        });
    }

    /// Each order's result: the done ones leave the board; the others stay marked, and the
    /// status line says which and why.
    pub(super) fn on_done(
        &mut self,
        bulk: Bulk,
        results: Vec<(i64, ApiResult<Order>)>,
        ctx: &mut Ctx,
    ) {
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for (id, r) in results {
            self.busy.remove(&id);
            match r {
                Ok(order) => {
                    done.push(id);
                    self.merge(order, ctx);
                }
                Err(ApiError::SessionEnded) => return ctx.fail(ApiError::SessionEnded),
                Err(e) => failed.push((id, e.to_string())),
            }
        }
        let mut text = String::new();
        if !done.is_empty() {
            text = format!("{} {}", bulk.done(), numbers(&done));
        }
        if failed.is_empty() {
            ctx.set_info(text);
            return;
        }
        if !text.is_empty() {
            text.push_str(" · ");
        }
        text.push_str(bulk.not_done());
        text.push_str(": ");
        let reasons: Vec<String> = failed
            .iter()
            .map(|(id, why)| format!("#{id} {why}"))
            .collect();
        text.push_str(&reasons.join(", "));
        ctx.set_error(text);
    }
}

/// `#12, #14`.
fn numbers(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}
