//! The kitchen's board (tab 5, admins): every pending order of every customer, oldest
//! first, with its number, customer, age and lines. It loads once (every page of
//! `GET /orders/?scope=all&status=pending`, whose pages name the customers) and then follows
//! the live stream: a new order appears by itself, highlighted for a moment and with a
//! terminal bell (unless `--quiet` or the config says otherwise); finished and cancelled
//! orders leave. Ages are worked out from the clock at each frame, so they tick without a
//! request. `Space` marks orders; `f`/`c` finish or cancel the marked ones (or the selected
//! one) after one `y`/`n`, and each order's result is reported.
//!
//! Nothing here grows with time: the board holds the pending orders and their marks only,
//! and a card's highlight is its arrival time, not a timer.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use comanda_common::{Order, OrderList, OrderQuery, OrderScope, OrderStatus};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use super::{Handled, Help, Load, Screen, Tab};
use crate::api::ApiResult;
use crate::app::{Ctx, Event, Options};
use crate::config::BoardSettings;
use crate::keys::{Binding, K, Nav, Who, key, move_selection};
use crate::popups::Confirm;
use crate::popups::confirm::Answer;
use crate::widgets::table::{row_at, rows_in};

mod bulk;
mod view;

pub use bulk::{Bulk, Yes};

/// Orders per request while loading the board (the API's largest page).
pub const PAGE: i64 = comanda_common::paging::MAX_LIMIT;

/// How long a new order stays highlighted.
pub const HIGHLIGHT_SECS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Mark,
    Finish,
    Cancel,
    Unmark,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Char(' ')], "Space", Cmd::Mark, "mark / unmark").hint("mark"),
    key(
        &[K::Char('f')],
        "f",
        Cmd::Finish,
        "finish marked (or selected)",
    )
    .hint("finish"),
    key(
        &[K::Char('c')],
        "c",
        Cmd::Cancel,
        "cancel marked (or selected)",
    )
    .hint("cancel"),
    key(
        &[K::Code(KeyCode::Esc)],
        "Esc",
        Cmd::Unmark,
        "unmark every order",
    ),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload").hint("reload"),
];

/// Answers of the board's requests.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        offset: i64,
        result: ApiResult<OrderList>,
    },
    /// Each order's answer to a finish or cancel, in the order asked.
    Done {
        bulk: Bulk,
        results: Vec<(i64, ApiResult<Order>)>,
    },
}

/// One pending order on the board.
#[derive(Debug, Clone)]
pub struct Card {
    pub order: Order,
    /// When it arrived through the live stream (None: it was there when the board loaded).
    pub arrived: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct Board {
    /// Oldest first (by number, which is creation order).
    pub cards: Vec<Card>,
    pub marked: BTreeSet<i64>,
    pub selected: usize,
    pub load: Load,
    pub generation: u64,
    /// The next page while the board loads.
    loading_offset: Option<i64>,
    /// The pages loaded so far, swapped in once the last one is there.
    incoming: Vec<Order>,
    pub popup: Option<Confirm<Yes>>,
    /// Ages, bell: from the config file and `--quiet`.
    pub settings: BoardSettings,
    /// Orders whose finish or cancel is on its way.
    pub busy: BTreeSet<i64>,
}

impl Board {
    pub fn new(options: &Options) -> Board {
        Board {
            settings: options.board,
            ..Board::default()
        }
    }

    /// The selected row, within the rows there are.
    pub fn selected_row(&self) -> usize {
        self.selected.min(self.cards.len().saturating_sub(1))
    }

    /// Loads every pending order again (a reset of the live stream, `r`, the first visit).
    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.generation = ctx.fresh_generation();
        self.load = Load::Loading;
        self.incoming.clear();
        self.fetch(0, ctx);
    }

    fn fetch(&mut self, offset: i64, ctx: &mut Ctx) {
        self.loading_offset = Some(offset);
        let generation = self.generation;
        let query = OrderQuery {
            offset: Some(offset),
            limit: Some(PAGE),
            status: Some(OrderStatus::Pending),
            scope: Some(OrderScope::All),
            user_id: None,
            q: None,
        };
        let api = ctx.api.clone();
        ctx.spawn("loading the board", async move {
            Msg::Loaded {
                generation,
                offset,
                result: api.list_orders(&query).await,
            }
        });
    }

    fn on_loaded(&mut self, generation: u64, offset: i64, r: ApiResult<OrderList>, ctx: &mut Ctx) {
        if generation != self.generation || self.loading_offset != Some(offset) {
            return;
        }
        match r {
            Ok(list) => {
                ctx.learn_names(&list.orders);
                let full = list.orders.len() as i64 == PAGE;
                for mut o in list.orders {
                    // An order can move between pages while they load: once is enough.
                    if !self.incoming.iter().any(|x| x.id == o.id) {
                        o.username = None;
                        self.incoming.push(o);
                    }
                }
                if full {
                    self.fetch(offset + PAGE, ctx);
                    return;
                }
                self.loading_offset = None;
                self.swap_in(ctx);
            }
            Err(e) => {
                self.loading_offset = None;
                self.incoming.clear();
                self.load = Load::Failed(e.to_string());
                ctx.fail(e);
            }
        }
    }

    /// The loaded pages become the board; marks and highlights of orders still there stay.
    fn swap_in(&mut self, ctx: &mut Ctx) {
        let selected_id = self.selected_id();
        let mut orders = std::mem::take(&mut self.incoming);
        orders.sort_by_key(|o| o.id);
        let old = std::mem::take(&mut self.cards);
        self.cards = orders
            .into_iter()
            .map(|order| Card {
                arrived: old
                    .iter()
                    .find(|c| c.order.id == order.id)
                    .and_then(|c| c.arrived),
                order,
            })
            .collect();
        self.marked
            .retain(|id| self.cards.iter().any(|c| c.order.id == *id));
        self.load = Load::Loaded;
        self.reselect(selected_id);
        for c in &self.cards {
            if !ctx.names.contains_key(&c.order.user_id) {
                ctx.ask_name(c.order.user_id);
            }
        }
    }

    fn selected_id(&self) -> Option<i64> {
        self.cards.get(self.selected_row()).map(|c| c.order.id)
    }

    /// Keeps the selection on order `id` if it is still there, else on the same row.
    fn reselect(&mut self, id: Option<i64>) {
        if let Some(i) = id.and_then(|id| self.cards.iter().position(|c| c.order.id == id)) {
            self.selected = i;
        }
        self.selected = self.selected_row();
    }

    /// A changed order: a pending one is on the board (new ones highlighted, with the bell),
    /// any other leaves it.
    pub fn merge(&mut self, order: Order, ctx: &mut Ctx) {
        let selected_id = self.selected_id();
        let at = self.cards.iter().position(|c| c.order.id == order.id);
        match (at, order.status == OrderStatus::Pending) {
            (Some(i), true) => self.cards[i].order = order,
            (Some(i), false) => {
                self.cards.remove(i);
                self.marked.remove(&order.id);
                if selected_id == Some(order.id) {
                    self.selected = i;
                }
            }
            (None, true) if self.load == Load::Loaded => {
                if !ctx.names.contains_key(&order.user_id) {
                    ctx.ask_name(order.user_id);
                }
                let pos = self
                    .cards
                    .iter()
                    .position(|c| c.order.id > order.id)
                    .unwrap_or(self.cards.len());
                self.cards.insert(
                    pos,
                    Card {
                        order,
                        arrived: Some(ctx.clock.now()),
                    },
                );
                if self.settings.bell {
                    ctx.ring_bell();
                }
            }
            // While the board loads, the pages will have it (or a later event will).
            (None, _) => {}
        }
        self.reselect(selected_id);
    }

    /// The list's part of the body (the selected order is shown in full under it).
    fn list_area(&self, area: Rect) -> Rect {
        view::split(self, area).0
    }
}

impl Screen for Board {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Board";
    const TAB: Option<Tab> = Some(Tab {
        n: 5,
        name: "Board",
        help: "Board tab",
        who: Who::Admin,
    });
    const IN_TAB: u8 = 5;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const LIST: bool = true;

    fn offers(&self, cmd: Cmd, _ctx: &Ctx) -> bool {
        match cmd {
            Cmd::Mark | Cmd::Finish | Cmd::Cancel => !self.cards.is_empty(),
            Cmd::Unmark => !self.marked.is_empty(),
            Cmd::Reload => true,
        }
    }

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        match cmd {
            Cmd::Mark => {
                if let Some(id) = self.selected_id()
                    && !self.marked.remove(&id)
                {
                    self.marked.insert(id);
                }
                // Marking moves on, so several orders are marked with Space Space Space.
                self.selected = (self.selected_row() + 1).min(self.cards.len().saturating_sub(1));
            }
            Cmd::Finish => self.ask(Bulk::Finish),
            Cmd::Cancel => self.ask(Bulk::Cancel),
            Cmd::Unmark => self.marked.clear(),
            Cmd::Reload => self.reload(ctx),
        }
    }

    fn on_nav(&mut self, nav: Nav, ctx: &mut Ctx) {
        let page = rows_in(self.list_area(ctx.body.get()));
        self.selected = move_selection(self.selected_row(), self.cards.len(), nav, page);
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        self.popup.as_ref()?;
        match Confirm::key(&mut self.popup, &key) {
            Answer::Yes(yes) => self.run(yes, ctx),
            Answer::Help => return Some(Handled::Help),
            Answer::No | Answer::Open => {}
        }
        Some(Handled::Yes)
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        self.popup.as_ref().map(|_| Confirm::<Yes>::help())
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Loaded {
                generation,
                offset,
                result,
            } => self.on_loaded(generation, offset, result, ctx),
            Msg::Done { bulk, results } => self.on_done(bulk, results, ctx),
        }
    }

    fn on_event(&mut self, ev: &Event, ctx: &mut Ctx) {
        match ev {
            Event::SignedIn(_) | Event::SessionEnded(_) => {
                *self = Board {
                    settings: self.settings,
                    ..Board::default()
                }
            }
            Event::OrderChanged(order) if ctx.is_admin() => self.merge((**order).clone(), ctx),
            Event::Reset if self.load != Load::Idle => self.reload(ctx),
            Event::UserDeleted(id) => {
                let selected_id = self.selected_id();
                self.cards.retain(|c| c.order.user_id != *id);
                let cards = &self.cards;
                self.marked
                    .retain(|m| cards.iter().any(|c| c.order.id == *m));
                self.reselect(selected_id);
            }
            _ => {}
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        if self.load == Load::Idle {
            self.reload(ctx);
        }
    }

    fn click(&mut self, area: Rect, _x: u16, y: u16, double: bool, _ctx: &mut Ctx) {
        if self.popup.is_some() {
            return;
        }
        let list = self.list_area(area);
        if let Some(i) = row_at(y, self.selected_row(), self.cards.len(), list) {
            self.selected = i;
            if double
                && let Some(id) = self.selected_id()
                && !self.marked.remove(&id)
            {
                self.marked.insert(id);
            }
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        view::render(self, ctx, frame, area);
        if let Some(c) = &self.popup {
            c.render(ctx.theme, frame, area);
        }
    }
}
