//! The orders list (tab 1): newest first, status filter, mine/all for admins, `/` searching
//! on the server as you type (all pages and statuses), pages loaded as the selection nears
//! the end, and live changes merged in place.

use comanda_common::validate::format_cents;
use comanda_common::{Order, OrderCreate, OrderList, OrderQuery, OrderScope, OrderStatus};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{Handled, Help, Load, Screen, Tab};
use crate::api::ApiResult;
use crate::app::{Ctx, Event, Options};
use crate::keys::{Binding, K, Nav, Who, key, move_selection};
use crate::theme::ellipsize;
use crate::widgets::filter::{self, Filter, FilterKey};
use crate::widgets::table::{At, fixed, flex, num, placeholder, row_at, rows_in, table, titled};

/// Rows per page of `GET /orders/`.
pub const PAGE: i64 = 50;

/// What `/` looks at, as said on screen and in the README.
pub const SCOPE: &str = "order #, status, flavor, total · all pages";
/// The same for admins looking at every order.
pub const SCOPE_ALL: &str = "order #, status, flavor, total, customer · all pages";

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Open,
    New,
    CycleStatus,
    ToggleScope,
    Filter,
    ClearFilter,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(
        &[K::Code(KeyCode::Enter)],
        "Enter",
        Cmd::Open,
        "open the order",
    )
    .hint("open"),
    key(&[K::Char('n')], "n", Cmd::New, "new order").hint("new"),
    key(&[K::Char('s')], "s", Cmd::CycleStatus, "filter by status").hint("status"),
    key(&[K::Char('m')], "m", Cmd::ToggleScope, "mine / all orders")
        .hint("mine/all")
        .admin(),
    key(&[K::Char('/')], "/", Cmd::Filter, "search, as you type").hint("filter"),
    key(
        &[K::Code(KeyCode::Esc)],
        "Esc",
        Cmd::ClearFilter,
        "clear the filter",
    ),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload").hint("reload"),
];

/// Answers of the orders list's requests.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        offset: i64,
        result: ApiResult<OrderList>,
    },
    Created(ApiResult<Order>),
}

#[derive(Debug, Default)]
pub struct Orders {
    pub orders: Vec<Order>,
    pub load: Load,
    /// The selected row. While more pages are coming it may point past the rows loaded
    /// (after `r` far down a long list): the pages load until it is covered.
    pub selected: usize,
    pub status: StatusFilter,
    pub all: bool,
    /// `/`: searched on the server.
    pub filter: Filter,
    pub has_more: bool,
    pub loading_more: bool,
    pub generation: u64,
}

impl Orders {
    pub fn new(_options: &Options) -> Orders {
        Orders::default()
    }

    /// The selected row, within the rows there are.
    pub fn selected_row(&self) -> usize {
        self.selected.min(self.orders.len().saturating_sub(1))
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.generation = ctx.fresh_generation();
        self.load = Load::Loading;
        self.loading_more = false;
        self.fetch(0, ctx);
    }

    fn fetch(&mut self, offset: i64, ctx: &mut Ctx) {
        let generation = self.generation;
        let q = self.filter.text();
        let query = OrderQuery {
            offset: Some(offset),
            limit: Some(PAGE),
            status: match self.status {
                StatusFilter::Any => None,
                StatusFilter::Only(s) => Some(s),
            },
            scope: Some(if self.all {
                OrderScope::All
            } else {
                OrderScope::Mine
            }),
            user_id: None,
            q: (!q.is_empty()).then(|| q.to_owned()),
        };
        tracing::debug!(offset, status = ?query.status, scope = ?query.scope, "loading orders");
        let api = ctx.api.clone();
        ctx.spawn("loading orders", async move {
            Msg::Loaded {
                generation,
                offset,
                result: api.list_orders(&query).await,
            }
        });
    }

    fn on_loaded(&mut self, generation: u64, offset: i64, r: ApiResult<OrderList>, ctx: &mut Ctx) {
        if generation != self.generation {
            return;
        }
        self.loading_more = false;
        match r {
            Ok(list) => {
                ctx.learn_names(&list.orders);
                self.has_more = list.orders.len() as i64 == PAGE;
                if offset == 0 {
                    self.orders = list.orders;
                } else {
                    for o in list.orders {
                        if !self.orders.iter().any(|x| x.id == o.id) {
                            self.orders.push(o);
                        }
                    }
                }
                self.load = Load::Loaded;
                if !self.has_more {
                    self.selected = self.selected_row();
                }
                self.ask_customer_names(ctx);
                // The selection may be near (or past) the end of what is loaded.
                self.maybe_load_more(ctx);
            }
            Err(e) => {
                if offset == 0 {
                    self.load = Load::Failed(e.to_string());
                }
                ctx.fail(e);
            }
        }
    }

    /// Admins see every customer's name: look up the ones not known yet.
    fn ask_customer_names(&self, ctx: &mut Ctx) {
        if !self.all || !ctx.is_admin() {
            return;
        }
        let ids: Vec<i64> = self.orders.iter().map(|o| o.user_id).collect();
        for id in ids {
            ctx.ask_name(id);
        }
    }

    fn maybe_load_more(&mut self, ctx: &mut Ctx) {
        let len = self.orders.len();
        if self.has_more
            && !self.loading_more
            && self.load == Load::Loaded
            && self.selected + 10 >= len
        {
            self.loading_more = true;
            self.fetch(len as i64, ctx);
        }
    }

    /// Whether `order` passes the `/` filter, as the server decides it (for live changes).
    fn passes_filter(&self, order: &Order, ctx: &Ctx) -> bool {
        let f = self.filter.text().to_lowercase();
        f.is_empty()
            || order.id.to_string().contains(&f)
            || order.status.as_str().contains(&f)
            || format_cents(order.total_cents).contains(&f)
            || order
                .items
                .iter()
                .any(|i| i.flavor.to_lowercase().contains(&f))
            || (self.all
                && ctx
                    .names
                    .get(&order.user_id)
                    .is_some_and(|n| n.to_lowercase().contains(&f)))
    }

    /// Puts a changed order in the list: replaced in place, or inserted newest first when
    /// it belongs to this view; dropped when it no longer passes the filters.
    pub fn merge(&mut self, order: Order, ctx: &mut Ctx) {
        let mine = ctx.my_id() == Some(order.user_id);
        let in_scope = mine || (self.all && ctx.is_admin());
        let admitted =
            in_scope && self.status.admits(order.status) && self.passes_filter(&order, ctx);
        let list = &mut self.orders;
        match list.iter().position(|o| o.id == order.id) {
            Some(i) if admitted => list[i] = order,
            Some(i) => {
                list.remove(i);
                if self.selected > i {
                    self.selected -= 1;
                }
            }
            None if admitted && self.load == Load::Loaded => {
                let at = list
                    .iter()
                    .position(|o| o.id < order.id)
                    .unwrap_or(list.len());
                if at < list.len() || !self.has_more {
                    list.insert(at, order);
                    if at <= self.selected && self.selected + 1 < list.len() {
                        self.selected += 1;
                    }
                }
            }
            None => {}
        }
        self.ask_customer_names(ctx);
    }

    fn open_selected(&mut self, ctx: &mut Ctx) {
        if let Some(o) = self.orders.get(self.selected_row()) {
            ctx.emit(Event::OpenOrder {
                id: o.id,
                known: Some(Box::new(o.clone())),
            });
        }
    }
}

impl Screen for Orders {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Orders";
    const TAB: Option<Tab> = Some(Tab {
        n: 1,
        name: "Orders",
        help: "Orders tab",
        who: Who::Anyone,
    });
    const IN_TAB: u8 = 1;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const LIST: bool = true;

    fn offers(&self, cmd: Cmd, _ctx: &Ctx) -> bool {
        cmd != Cmd::ClearFilter || !self.filter.is_empty()
    }

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        match cmd {
            Cmd::Open => self.open_selected(ctx),
            Cmd::New => {
                let api = ctx.api.clone();
                // One key per `n`: a retry after a timeout never makes a second order.
                let key = crate::api::new_idempotency_key();
                ctx.spawn("creating an order", async move {
                    Msg::Created(api.create_order(&OrderCreate::default(), Some(&key)).await)
                });
            }
            // Another list: the rows of the old one are not shown under the new title.
            Cmd::CycleStatus => {
                self.status = self.status.next();
                self.orders.clear();
                self.selected = 0;
                self.reload(ctx);
            }
            Cmd::ToggleScope => {
                self.all = !self.all;
                self.orders.clear();
                self.selected = 0;
                self.reload(ctx);
            }
            Cmd::Filter => self.filter.start(),
            Cmd::ClearFilter => {
                self.filter.clear();
                self.selected = 0;
                self.reload(ctx);
            }
            Cmd::Reload => self.reload(ctx),
        }
    }

    fn on_nav(&mut self, nav: Nav, ctx: &mut Ctx) {
        let page = rows_in(filter::split(ctx.body.get(), &self.filter).0);
        self.selected = move_selection(self.selected, self.orders.len(), nav, page);
        self.maybe_load_more(ctx);
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        if !self.filter.editing {
            return None;
        }
        match self.filter.key(&key) {
            FilterKey::Help => return Some(Handled::Help),
            FilterKey::Changed | FilterKey::Cleared => {
                self.selected = 0;
                self.reload(ctx);
            }
            FilterKey::Kept | FilterKey::Ignored => {}
        }
        Some(Handled::Yes)
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        self.filter.editing.then(|| Filter::help("orders"))
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Loaded {
                generation,
                offset,
                result,
            } => self.on_loaded(generation, offset, result, ctx),
            Msg::Created(Ok(order)) => {
                self.merge(order.clone(), ctx);
                ctx.emit(Event::OpenOrder {
                    id: order.id,
                    known: Some(Box::new(order)),
                });
            }
            Msg::Created(Err(e)) => ctx.fail(e),
        }
    }

    fn on_event(&mut self, ev: &Event, ctx: &mut Ctx) {
        match ev {
            Event::SignedIn(_) => {
                *self = Orders::default();
                self.reload(ctx);
            }
            Event::SessionEnded(_) => *self = Orders::default(),
            Event::OrderChanged(order) => self.merge((**order).clone(), ctx),
            Event::Reset if self.load != Load::Idle => self.reload(ctx),
            Event::UserDeleted(id) => {
                let before = self.orders.len();
                self.orders.retain(|o| o.user_id != *id);
                if self.orders.len() != before {
                    self.selected = self.selected_row();
                }
            }
            _ => {}
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        if self.load == Load::Idle {
            self.reload(ctx);
        }
    }

    fn click(&mut self, area: Rect, _x: u16, y: u16, double: bool, ctx: &mut Ctx) {
        let (list, _) = filter::split(area, &self.filter);
        if let Some(i) = row_at(y, self.selected, self.orders.len(), list) {
            self.selected = i;
            if double {
                self.open_selected(ctx);
            }
            self.maybe_load_more(ctx);
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let (area, filter_line) = filter::split(area, &self.filter);
        if let Some(line) = filter_line {
            let scope = if self.all { SCOPE_ALL } else { SCOPE };
            self.filter.render(ctx.theme, frame, line, scope);
        }
        let mut title = if self.all {
            " All orders".to_owned()
        } else {
            " My orders".to_owned()
        };
        if let StatusFilter::Only(s) = self.status {
            title.push_str(&format!(" · {s}"));
        }
        if !self.filter.is_empty() {
            title.push_str(&format!(" · “{}”", ellipsize(self.filter.text(), 12)));
        }
        title.push(' ');
        let block = titled(ctx.theme, title, Some(crate::ui::live_marker(ctx)));
        // While a reload (a new search) is on its way, the rows there are stay shown.
        if self.orders.is_empty() {
            let empty = if self.filter.is_empty() && self.status == StatusFilter::Any {
                "No orders yet. Press n to start one."
            } else {
                "No orders match. Esc clears the filter, s changes the status."
            };
            placeholder(ctx.theme, frame, area, block, &self.load, empty, "orders");
            return;
        }
        let mut cols = vec![
            num("#", 6),
            fixed("Status", 9),
            num("Items", 5),
            num("Total", 9),
            num("Age", 4),
        ];
        if self.all {
            cols.push(flex("Customer"));
        }
        let rows = self.orders.iter().map(|ord| {
            let count: i64 = ord.items.iter().map(|i| i.quantity).sum();
            let mut r = vec![
                (ord.id.to_string(), Style::new()),
                (ord.status.to_string(), ctx.theme.status(ord.status)),
                (count.to_string(), Style::new()),
                (format_cents(ord.total_cents), Style::new()),
                (ctx.clock.age(ord.created_at), Style::new()),
            ];
            if self.all {
                r.push((ctx.name_of(ord.user_id), Style::new()));
            }
            r
        });
        let len = self.orders.len();
        let more = if self.loading_more {
            " loading more…"
        } else {
            ""
        };
        let plus = if self.has_more { "+" } else { "" };
        let block = block.title_bottom(Line::from(Span::styled(
            format!(" {} of {len}{plus}{more} ", self.selected_row() + 1),
            ctx.theme.dim(),
        )));
        table(
            ctx.theme,
            frame,
            area,
            block,
            &cols,
            rows,
            At {
                len,
                selected: self.selected_row(),
            },
        );
    }
}
