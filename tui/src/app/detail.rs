//! One order: its lines, total and status, and the actions its status allows.

use comanda_common::{Order, OrderItemCreate, OrderStatus};

use super::keys::Cmd;
use super::{App, Confirmed, Load, Outcome, Popup, move_selection};
use crate::api::ApiResult;

#[derive(Debug)]
pub struct DetailState {
    pub id: i64,
    pub order: Option<Order>,
    pub load: Load,
    pub selected: usize,
    pub generation: u64,
}

impl DetailState {
    pub fn new(id: i64, order: Option<Order>, generation: u64) -> DetailState {
        DetailState {
            id,
            load: if order.is_some() {
                Load::Loaded
            } else {
                Load::Loading
            },
            order,
            selected: 0,
            generation,
        }
    }

    pub fn set_order(&mut self, order: Order) {
        self.selected = self.selected.min(order.items.len().saturating_sub(1));
        self.order = Some(order);
        self.load = Load::Loaded;
    }

    pub fn is_pending(&self) -> bool {
        self.order
            .as_ref()
            .is_some_and(|o| o.status == OrderStatus::Pending)
    }
}

impl App {
    pub(super) fn load_order(&mut self, id: i64) {
        let Some(generation) = self.detail.as_ref().map(|d| d.generation) else {
            return;
        };
        let api = self.api.clone();
        self.spawn("loading the order", async move {
            Outcome::OrderLoaded {
                generation,
                result: api.order(id).await,
            }
        });
    }

    fn detail_generation(&self) -> Option<u64> {
        self.detail.as_ref().map(|d| d.generation)
    }

    pub(super) fn on_order_loaded(&mut self, generation: u64, r: ApiResult<Order>) {
        if self.detail_generation() != Some(generation) {
            return;
        }
        match r {
            Ok(order) => {
                self.ask_name(order.user_id);
                if let Some(d) = self.detail.as_mut() {
                    d.set_order(order);
                }
            }
            Err(e) => {
                if let Some(d) = self.detail.as_mut()
                    && d.order.is_none()
                {
                    d.load = Load::Failed(e.to_string());
                }
                self.fail(e);
            }
        }
    }

    pub(super) fn on_order_changed(
        &mut self,
        generation: u64,
        verb: &'static str,
        r: ApiResult<Order>,
    ) {
        match r {
            Ok(order) => {
                self.merge_order(order.clone());
                if self.detail_generation() == Some(generation) {
                    if let Some(d) = self.detail.as_mut() {
                        d.set_order(order);
                    }
                    self.set_info(verb);
                }
            }
            Err(e) => self.fail(e),
        }
    }

    fn order_change<F, Fut>(&mut self, label: &'static str, verb: &'static str, f: F)
    where
        F: FnOnce(crate::api::ApiClient, i64) -> Fut,
        Fut: std::future::Future<Output = ApiResult<Order>> + Send + 'static,
    {
        let Some(d) = self.detail.as_ref() else {
            return;
        };
        let generation = d.generation;
        let fut = f(self.api.clone(), d.id);
        self.spawn(label, async move {
            Outcome::OrderChanged {
                generation,
                verb,
                result: fut.await,
            }
        });
    }

    pub(super) fn detail_cmd(&mut self, cmd: Cmd) {
        let Some(d) = self.detail.as_mut() else {
            return;
        };
        let pending = d.is_pending();
        let id = d.id;
        match cmd {
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => {
                let len = d.order.as_ref().map_or(0, |o| o.items.len());
                d.selected = move_selection(d.selected, len, cmd, 10);
            }
            Cmd::Back => {
                self.detail = None;
                self.route = super::Route::Orders;
            }
            Cmd::Reload => self.load_order(id),
            Cmd::Add | Cmd::Delete | Cmd::CancelOrder | Cmd::FinishOrder if !pending => {
                let status = d.order.as_ref().map_or("loading", |o| o.status.as_str());
                self.set_error(format!(
                    "Order #{id} is {status}: only pending orders change"
                ));
            }
            Cmd::Add => {
                self.popup = Some(Popup::Picker { selected: 0 });
                if self.menu.load != Load::Loaded {
                    self.reload_menu();
                }
            }
            Cmd::Delete => {
                let item = d
                    .order
                    .as_ref()
                    .and_then(|o| o.items.get(d.selected))
                    .cloned();
                match item {
                    Some(item) => {
                        self.popup = Some(Popup::Confirm {
                            question: format!(
                                "Remove {} × {} {}?",
                                item.quantity, item.flavor, item.size
                            ),
                            on_yes: Confirmed::RemoveItem {
                                order_id: id,
                                item_id: item.id,
                            },
                        })
                    }
                    None => self.set_error("No item to remove"),
                }
            }
            Cmd::CancelOrder => {
                self.popup = Some(Popup::Confirm {
                    question: format!("Cancel order #{id}?"),
                    on_yes: Confirmed::CancelOrder(id),
                })
            }
            Cmd::FinishOrder => {
                self.popup = Some(Popup::Confirm {
                    question: format!("Finish order #{id}?"),
                    on_yes: Confirmed::FinishOrder(id),
                })
            }
            _ => {}
        }
    }

    pub(super) fn add_item(&mut self, item: OrderItemCreate) {
        let key = crate::api::new_idempotency_key();
        self.order_change("adding the item", "Item added", move |api, id| async move {
            api.add_item(id, &item, Some(&key)).await
        });
    }

    pub(super) fn remove_item(&mut self, item_id: i64) {
        self.order_change(
            "removing the item",
            "Item removed",
            move |api, id| async move { api.remove_item(id, item_id).await },
        );
    }

    pub(super) fn cancel_order(&mut self) {
        self.order_change("cancelling", "Order cancelled", |api, id| async move {
            api.cancel_order(id).await
        });
    }

    pub(super) fn finish_order(&mut self) {
        self.order_change("finishing", "Order finished", |api, id| async move {
            api.finish_order(id).await
        });
    }
}
