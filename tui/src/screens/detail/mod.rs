//! One order: its lines, total and status, and the actions its status allows: add an item
//! (a menu picker, reloaded when opened, then the quantity), remove a line, cancel, finish.

use std::time::{Duration, Instant};

use comanda_common::{MenuItem, Order, OrderItemCreate, OrderStatus, Quantity, Size};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};

use super::{Handled, Help, Load, Route, Screen};
use crate::api::{ApiClient, ApiResult};
use crate::app::{Ctx, Event, Options};
use crate::keys::{Binding, K, Nav, key, move_selection};
use crate::popups::confirm::Answer;
use crate::popups::prompt::PromptKey;
use crate::popups::{Confirm, Picker, Prompt};
use crate::widgets::form::{Field, Form};
use crate::widgets::table::{row_at, rows_in};

mod add;
mod view;

pub use add::PickerMenu;

/// The picker's menu is reloaded when it is older than this, so the price picked is the
/// price charged.
pub const MENU_FRESH: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Back,
    Add,
    More,
    Less,
    SetQuantity,
    Remove,
    Cancel,
    Finish,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(
        &[K::Char('q'), K::Code(KeyCode::Esc)],
        "q",
        Cmd::Back,
        "back to the orders",
    )
    .hint("back"),
    key(&[K::Char('a')], "a", Cmd::Add, "add an item").hint("add"),
    key(
        &[K::Char('+'), K::Char('=')],
        "+",
        Cmd::More,
        "one more of the line",
    ),
    key(&[K::Char('-')], "-", Cmd::Less, "one less of the line"),
    key(
        &[K::Char('e')],
        "e",
        Cmd::SetQuantity,
        "type the line's quantity",
    ),
    key(&[K::Char('d')], "d", Cmd::Remove, "remove the item").hint("remove"),
    key(&[K::Char('c')], "c", Cmd::Cancel, "cancel the order").hint("cancel"),
    key(&[K::Char('f')], "f", Cmd::Finish, "finish the order").hint("finish"),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload").hint("reload"),
];

/// What a `y` does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Yes {
    RemoveItem(i64),
    Cancel,
    Finish,
}

/// What a prompt here asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    /// How many of this menu item to add.
    Quantity { flavor: String, size: Size },
    /// The new quantity of a line.
    LineQuantity { item_id: i64 },
}

/// The popup open over the order, if any.
#[derive(Debug, Clone)]
pub enum Popup {
    Confirm(Confirm<Yes>),
    Picker(Picker),
    Prompt(Prompt<Ask>),
}

/// Answers of the order screen's requests.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        result: ApiResult<Order>,
    },
    Changed {
        generation: u64,
        verb: &'static str,
        result: ApiResult<Order>,
    },
    Menu {
        generation: u64,
        result: ApiResult<Vec<MenuItem>>,
    },
}

#[derive(Debug, Default)]
pub struct Detail {
    pub id: i64,
    pub order: Option<Order>,
    pub load: Load,
    pub selected: usize,
    pub generation: u64,
    pub popup: Option<Popup>,
    pub menu: PickerMenu,
}

impl Detail {
    pub fn new(_options: &Options) -> Detail {
        Detail::default()
    }

    /// Shows order `id` (what is `known` of it at once), loading it fresh.
    pub fn open(&mut self, id: i64, known: Option<Order>, ctx: &mut Ctx) {
        let menu = std::mem::take(&mut self.menu);
        *self = Detail {
            id,
            load: if known.is_some() {
                Load::Loaded
            } else {
                Load::Loading
            },
            order: known,
            generation: ctx.fresh_generation(),
            menu,
            ..Detail::default()
        };
        self.load_order(ctx);
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

    fn load_order(&mut self, ctx: &mut Ctx) {
        let (id, generation) = (self.id, self.generation);
        let api = ctx.api.clone();
        ctx.spawn("loading the order", async move {
            Msg::Loaded {
                generation,
                result: api.order(id).await,
            }
        });
    }

    fn change<F, Fut>(&mut self, label: &'static str, verb: &'static str, ctx: &mut Ctx, f: F)
    where
        F: FnOnce(ApiClient, i64) -> Fut,
        Fut: std::future::Future<Output = ApiResult<Order>> + Send + 'static,
    {
        let generation = self.generation;
        let fut = f(ctx.api.clone(), self.id);
        ctx.spawn(label, async move {
            Msg::Changed {
                generation,
                verb,
                result: fut.await,
            }
        });
    }

    fn confirmed(&mut self, yes: Yes, ctx: &mut Ctx) {
        match yes {
            Yes::RemoveItem(item_id) => self.change(
                "removing the item",
                "Item removed",
                ctx,
                move |api, id| async move { api.remove_item(id, item_id).await },
            ),
            Yes::Cancel => {
                self.change("cancelling", "Order cancelled", ctx, |api, id| async move {
                    api.cancel_order(id).await
                })
            }
            Yes::Finish => self.change("finishing", "Order finished", ctx, |api, id| async move {
                api.finish_order(id).await
            }),
        }
    }

    fn selected_line(&self) -> Option<comanda_common::OrderItem> {
        self.order
            .as_ref()
            .and_then(|o| o.items.get(self.selected))
            .cloned()
    }

    /// `PATCH` the line to `quantity` (the line keeps its unit price).
    fn set_quantity(&mut self, item_id: i64, quantity: i64, ctx: &mut Ctx) {
        // One key per change: a retry after a timeout is not a second change.
        let key = crate::api::new_idempotency_key();
        self.change(
            "changing the quantity",
            "Quantity changed",
            ctx,
            move |api, id| async move {
                api.set_item_quantity(id, item_id, quantity, Some(&key))
                    .await
            },
        );
    }

    fn submit(&mut self, ctx: &mut Ctx) {
        let Some(Popup::Prompt(p)) = self.popup.as_mut() else {
            return;
        };
        let q = p
            .form
            .value(0)
            .trim()
            .parse::<i64>()
            .ok()
            .map(Quantity::parse);
        let Some(Ok(q)) = q else {
            p.refuse(Quantity::MSG);
            return;
        };
        p.waiting = true;
        let (flavor, size) = match p.ask.clone() {
            Ask::Quantity { flavor, size } => (flavor, size),
            Ask::LineQuantity { item_id } => return self.set_quantity(item_id, q.get(), ctx),
        };
        let item = OrderItemCreate {
            flavor,
            size,
            quantity: q.get(),
        };
        // One key per "add": a retry after a timeout never adds the item twice.
        let key = crate::api::new_idempotency_key();
        self.change(
            "adding the item",
            "Item added",
            ctx,
            move |api, id| async move { api.add_item(id, &item, Some(&key)).await },
        );
    }

    fn items_area(area: Rect) -> Rect {
        let [_, items] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
        items
    }
}

impl Screen for Detail {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Order";
    const IN_TAB: u8 = 1;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const LIST: bool = true;

    fn offers(&self, cmd: Cmd, _ctx: &Ctx) -> bool {
        match cmd {
            Cmd::Add
            | Cmd::More
            | Cmd::Less
            | Cmd::SetQuantity
            | Cmd::Remove
            | Cmd::Cancel
            | Cmd::Finish => self.is_pending(),
            Cmd::Back | Cmd::Reload => true,
        }
    }

    fn key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Handled {
        if let Some(h) = self.modal_key(key, ctx) {
            return h;
        }
        // An action the status does not allow says why, instead of doing nothing.
        if let Some(cmd) = crate::keys::lookup(KEYS, &key, ctx.is_admin()) {
            if self.offers(cmd, ctx) {
                self.on_cmd(cmd, ctx);
            } else {
                let status = self.order.as_ref().map_or("loading", |o| o.status.as_str());
                ctx.set_error(format!(
                    "Order #{} is {status}: only pending orders change",
                    self.id
                ));
            }
            return Handled::Yes;
        }
        if let Some(nav) = crate::keys::lookup(crate::keys::NAV, &key, false) {
            self.on_nav(nav, ctx);
            return Handled::Yes;
        }
        Handled::No
    }

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        let id = self.id;
        match cmd {
            Cmd::Back => {
                // Forget the order: answers still on their way for it are dropped.
                let menu = std::mem::take(&mut self.menu);
                *self = Detail {
                    menu,
                    ..Detail::default()
                };
                ctx.emit(Event::Show(Route::Orders));
            }
            Cmd::Reload => self.load_order(ctx),
            Cmd::Add => {
                // The menu is always asked again, and nothing is offered before the answer:
                // the price picked must be the price charged.
                self.popup = Some(Popup::Picker(Picker::default()));
                self.menu.shown = false;
                self.reload_menu(ctx);
            }
            Cmd::More | Cmd::Less => {
                let Some(item) = self.selected_line() else {
                    return ctx.set_error("No item to change");
                };
                let to = if cmd == Cmd::More {
                    item.quantity + 1
                } else {
                    item.quantity - 1
                };
                if to < 1 {
                    // One less than one is no line at all: the same question as `d`.
                    return self.on_cmd(Cmd::Remove, ctx);
                }
                if Quantity::parse(to).is_err() {
                    return ctx.set_error(Quantity::MSG);
                }
                self.set_quantity(item.id, to, ctx);
            }
            Cmd::SetQuantity => {
                let Some(item) = self.selected_line() else {
                    return ctx.set_error("No item to change");
                };
                let title = format!("How many {} ({})?", item.flavor, item.size);
                let form = Form::new(vec![
                    Field::digits("Quantity").with_suggestion(&item.quantity.to_string()),
                ]);
                let ask = Ask::LineQuantity { item_id: item.id };
                self.popup = Some(Popup::Prompt(Prompt::new(ask, title, form)));
            }
            Cmd::Remove => {
                let item = self.selected_line();
                match item {
                    Some(item) => {
                        self.popup = Some(Popup::Confirm(Confirm::new(
                            format!("Remove {} × {} {}?", item.quantity, item.flavor, item.size),
                            Yes::RemoveItem(item.id),
                        )))
                    }
                    None => ctx.set_error("No item to remove"),
                }
            }
            Cmd::Cancel => {
                self.popup = Some(Popup::Confirm(Confirm::new(
                    format!("Cancel order #{id}?"),
                    Yes::Cancel,
                )))
            }
            Cmd::Finish => {
                self.popup = Some(Popup::Confirm(Confirm::new(
                    format!("Finish order #{id}?"),
                    Yes::Finish,
                )))
            }
        }
    }

    fn on_nav(&mut self, nav: Nav, ctx: &mut Ctx) {
        let len = self.order.as_ref().map_or(0, |o| o.items.len());
        let page = rows_in(Self::items_area(ctx.body.get()));
        self.selected = move_selection(self.selected, len, nav, page);
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        let popup = self.popup.as_mut()?;
        Some(match popup {
            Popup::Confirm(_) => {
                let mut slot = match self.popup.take() {
                    Some(Popup::Confirm(c)) => Some(c),
                    _ => None,
                };
                let answer = Confirm::key(&mut slot, &key);
                self.popup = slot.map(Popup::Confirm);
                match answer {
                    Answer::Yes(yes) => self.confirmed(yes, ctx),
                    Answer::Help => return Some(Handled::Help),
                    Answer::No | Answer::Open => {}
                }
                Handled::Yes
            }
            Popup::Picker(_) => self.picker_key(key, ctx),
            Popup::Prompt(p) => {
                match p.key(&key) {
                    PromptKey::Submit => self.submit(ctx),
                    PromptKey::Cancel => self.popup = None,
                    PromptKey::Help => return Some(Handled::Help),
                    PromptKey::Kept => {}
                }
                Handled::Yes
            }
        })
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        Some(match self.popup.as_ref()? {
            Popup::Confirm(_) => Confirm::<Yes>::help(),
            Popup::Picker(_) => Picker::help("Add an item"),
            Popup::Prompt(p) => p.help(),
        })
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Loaded { generation, result } => {
                if generation != self.generation {
                    return;
                }
                match result {
                    Ok(order) => {
                        ctx.ask_name(order.user_id);
                        self.set_order(order);
                    }
                    Err(e) => {
                        if self.order.is_none() {
                            self.load = Load::Failed(e.to_string());
                        }
                        ctx.fail(e);
                    }
                }
            }
            Msg::Changed {
                generation,
                verb,
                result,
            } => {
                let here = generation == self.generation;
                match result {
                    Ok(order) => {
                        ctx.emit(Event::OrderChanged(Box::new(order.clone())));
                        if here {
                            self.set_order(order);
                            if matches!(self.popup, Some(Popup::Prompt(_))) {
                                self.popup = None;
                            }
                            ctx.set_info(verb);
                        }
                    }
                    Err(e) => match self.popup.as_mut() {
                        // The prompt that sent it stays open, with the server's reason.
                        Some(Popup::Prompt(p)) if here && p.waiting => p.refuse(e.to_string()),
                        _ => ctx.fail(e),
                    },
                }
            }
            Msg::Menu { generation, result } => {
                if generation != self.menu.generation {
                    return;
                }
                match result {
                    Ok(items) => {
                        self.menu.items = items;
                        self.menu.load = Load::Loaded;
                        self.menu.at = Some(Instant::now());
                        self.menu.shown = true;
                    }
                    Err(e) => {
                        self.menu.load = Load::Failed(e.to_string());
                        ctx.fail(e);
                    }
                }
            }
        }
    }

    fn on_event(&mut self, ev: &Event, ctx: &mut Ctx) {
        match ev {
            Event::OpenOrder { id, known } => {
                self.open(*id, known.as_deref().cloned(), ctx);
                ctx.emit(Event::Show(Route::Detail));
            }
            Event::OrderChanged(order) if order.id == self.id && self.order.is_some() => {
                self.set_order((**order).clone())
            }
            Event::Reset if self.id != 0 => self.load_order(ctx),
            Event::SessionEnded(_) => *self = Detail::default(),
            _ => {}
        }
    }

    fn tick(&mut self, ctx: &mut Ctx) {
        // An open picker never shows a menu older than a few seconds.
        if matches!(self.popup, Some(Popup::Picker(_)))
            && !self.menu.fresh()
            && self.menu.load != Load::Loading
        {
            self.reload_menu(ctx);
        }
    }

    fn click(&mut self, area: Rect, _x: u16, y: u16, _double: bool, _ctx: &mut Ctx) {
        if self.popup.is_some() {
            return;
        }
        let len = self.order.as_ref().map_or(0, |o| o.items.len());
        if let Some(i) = row_at(y, self.selected, len, Self::items_area(area)) {
            self.selected = i;
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        self.draw(ctx, frame, area);
    }
}
