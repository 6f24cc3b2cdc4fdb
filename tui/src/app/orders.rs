//! The orders list (tab 1): newest first, status filter, mine/all for admins, pages loaded
//! as the selection nears the end, and live changes merged in place.

use comanda_common::{Order, OrderCreate, OrderList, OrderQuery, OrderScope, OrderStatus};

use super::keys::Cmd;
use super::{App, DetailState, Load, Outcome, Popup, PromptKind, Route, move_selection};
use crate::api::ApiResult;

/// Rows per page of `GET /orders/`.
pub const PAGE: i64 = 50;

/// The status filter, cycled with `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    Any,
    Only(OrderStatus),
}

impl StatusFilter {
    fn next(self) -> StatusFilter {
        match self {
            StatusFilter::Any => StatusFilter::Only(OrderStatus::Pending),
            StatusFilter::Only(OrderStatus::Pending) => StatusFilter::Only(OrderStatus::Finished),
            StatusFilter::Only(OrderStatus::Finished) => StatusFilter::Only(OrderStatus::Cancelled),
            StatusFilter::Only(OrderStatus::Cancelled) => StatusFilter::Any,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Any => "any status",
            StatusFilter::Only(s) => s.as_str(),
        }
    }
    fn admits(self, s: OrderStatus) -> bool {
        match self {
            StatusFilter::Any => true,
            StatusFilter::Only(x) => x == s,
        }
    }
}

#[derive(Debug, Default)]
pub struct OrdersState {
    pub orders: Vec<Order>,
    pub load: Load,
    pub selected: usize,
    pub status: StatusFilter,
    pub all: bool,
    /// Text filter (`/`), over id, status and customer.
    pub filter: String,
    pub has_more: bool,
    pub loading_more: bool,
    pub generation: u64,
}

impl App {
    /// The orders as listed: the loaded ones that pass the text filter.
    pub fn visible_orders(&self) -> Vec<&Order> {
        let f = self.orders.filter.to_lowercase();
        self.orders
            .orders
            .iter()
            .filter(|o| {
                f.is_empty()
                    || o.id.to_string().contains(&f)
                    || o.status.as_str().contains(&f)
                    || self
                        .names
                        .get(&o.user_id)
                        .is_some_and(|n| n.to_lowercase().contains(&f))
            })
            .collect()
    }

    pub(super) fn reload_orders(&mut self) {
        self.orders.generation = self.fresh_generation();
        self.orders.load = Load::Loading;
        self.orders.loading_more = false;
        self.fetch_orders(0);
    }

    fn fetch_orders(&mut self, offset: i64) {
        let generation = self.orders.generation;
        let query = OrderQuery {
            offset: Some(offset),
            limit: Some(PAGE),
            status: match self.orders.status {
                StatusFilter::Any => None,
                StatusFilter::Only(s) => Some(s),
            },
            scope: Some(if self.orders.all {
                OrderScope::All
            } else {
                OrderScope::Mine
            }),
            user_id: None,
        };
        tracing::debug!(offset, status = ?query.status, scope = ?query.scope, "loading orders");
        let api = self.api.clone();
        self.spawn("loading orders", async move {
            Outcome::OrdersLoaded {
                generation,
                offset,
                result: api.list_orders(&query).await,
            }
        });
    }

    pub(super) fn on_orders_loaded(
        &mut self,
        generation: u64,
        offset: i64,
        r: ApiResult<OrderList>,
    ) {
        if generation != self.orders.generation {
            return;
        }
        self.orders.loading_more = false;
        match r {
            Ok(list) => {
                self.orders.has_more = list.orders.len() as i64 == PAGE;
                if offset == 0 {
                    self.orders.orders = list.orders;
                } else {
                    for o in list.orders {
                        if !self.orders.orders.iter().any(|x| x.id == o.id) {
                            self.orders.orders.push(o);
                        }
                    }
                }
                self.orders.load = Load::Loaded;
                let len = self.visible_orders().len();
                self.orders.selected = self.orders.selected.min(len.saturating_sub(1));
                self.ask_customer_names();
            }
            Err(e) => {
                if offset == 0 {
                    self.orders.load = Load::Failed(e.to_string());
                }
                self.fail(e);
            }
        }
    }

    /// Admins see every customer's name: look up the ones not known yet.
    fn ask_customer_names(&mut self) {
        if !self.orders.all || !self.is_admin() {
            return;
        }
        let missing: Vec<i64> = self
            .orders
            .orders
            .iter()
            .map(|o| o.user_id)
            .filter(|id| !self.names.contains_key(id) && !self.names_asked.contains(id))
            .collect();
        for id in missing {
            self.ask_name(id);
        }
    }

    /// Looks up one customer's name (admins), once.
    pub(super) fn ask_name(&mut self, id: i64) {
        if self.is_admin() && !self.names.contains_key(&id) && self.names_asked.insert(id) {
            let api = self.api.clone();
            self.spawn("loading names", async move {
                Outcome::CustomerName(api.get_user(id).await)
            });
        }
    }

    pub(super) fn orders_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => {
                let len = self.visible_orders().len();
                self.orders.selected = move_selection(self.orders.selected, len, cmd, 10);
                self.maybe_load_more();
            }
            Cmd::Open => {
                let id = self
                    .visible_orders()
                    .get(self.orders.selected)
                    .map(|o| o.id);
                if let Some(id) = id {
                    let order = self.orders.orders.iter().find(|o| o.id == id).cloned();
                    self.open_order(id, order);
                }
            }
            Cmd::New => {
                let api = self.api.clone();
                let key = crate::api::new_idempotency_key();
                self.spawn("creating an order", async move {
                    Outcome::OrderCreated(
                        api.create_order(&OrderCreate::default(), Some(&key)).await,
                    )
                });
            }
            Cmd::CycleStatus => {
                self.orders.status = self.orders.status.next();
                self.orders.selected = 0;
                self.reload_orders();
            }
            Cmd::ToggleScope => {
                self.orders.all = !self.orders.all;
                self.orders.selected = 0;
                self.reload_orders();
            }
            Cmd::Filter => {
                self.popup = Some(Popup::prompt(PromptKind::FilterOrders, &self.orders.filter));
            }
            Cmd::ClearFilter => {
                self.orders.filter.clear();
                self.orders.selected = 0;
            }
            Cmd::Reload => self.reload_orders(),
            _ => {}
        }
    }

    fn maybe_load_more(&mut self) {
        let len = self.visible_orders().len();
        if self.orders.has_more
            && !self.orders.loading_more
            && self.orders.load == Load::Loaded
            && self.orders.selected + 10 >= len
        {
            self.orders.loading_more = true;
            let offset = self.orders.orders.len() as i64;
            self.fetch_orders(offset);
        }
    }

    pub(super) fn open_order(&mut self, id: i64, known: Option<Order>) {
        let generation = self.fresh_generation();
        self.detail = Some(DetailState::new(id, known, generation));
        self.route = Route::Detail;
        self.load_order(id);
    }

    pub(super) fn on_order_created(&mut self, r: ApiResult<Order>) {
        match r {
            Ok(order) => {
                self.merge_order(order.clone());
                let generation = self.fresh_generation();
                self.detail = Some(DetailState::new(order.id, Some(order), generation));
                self.route = Route::Detail;
            }
            Err(e) => self.fail(e),
        }
    }

    /// Puts a changed order in the list: replaced in place, or inserted newest first when
    /// it belongs to this view; dropped when it no longer passes the status filter.
    pub(super) fn merge_order(&mut self, order: Order) {
        let mine = self.me.as_ref().is_some_and(|m| m.id == order.user_id);
        let in_scope = mine || (self.orders.all && self.is_admin());
        let admitted = in_scope && self.orders.status.admits(order.status);
        let list = &mut self.orders.orders;
        match list.iter().position(|o| o.id == order.id) {
            Some(i) if admitted => list[i] = order,
            Some(i) => {
                list.remove(i);
            }
            None if admitted && self.orders.load == Load::Loaded => {
                let at = list
                    .iter()
                    .position(|o| o.id < order.id)
                    .unwrap_or(list.len());
                if at < list.len() || !self.orders.has_more {
                    list.insert(at, order);
                    if at <= self.orders.selected && self.orders.selected + 1 < list.len() {
                        self.orders.selected += 1;
                    }
                }
            }
            None => {}
        }
        self.ask_customer_names();
    }

    pub(super) fn on_order_event(&mut self, order: Order) {
        if let Some(d) = self.detail.as_mut()
            && d.id == order.id
        {
            d.set_order(order.clone());
        }
        self.merge_order(order);
    }
}
