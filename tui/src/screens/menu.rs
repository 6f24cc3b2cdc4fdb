//! The menu (tab 2): flavors and sizes with prices, filtered as you type; admins add items,
//! change prices and mark items unavailable.

use comanda_common::validate::format_cents;
use comanda_common::{Flavor, MenuItem, MenuItemCreate, MenuItemPatch, PriceCents, Size};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{Handled, Help, Load, Screen, Tab};
use crate::api::ApiResult;
use crate::app::{Ctx, Event, Options};
use crate::keys::{Binding, K, Nav, Who, key, move_selection};
use crate::popups::Prompt;
use crate::popups::prompt::PromptKey;
use crate::theme::ellipsize;
use crate::widgets::filter::{self, Filter, FilterKey};
use crate::widgets::form::{Field, Form};
use crate::widgets::table::{At, fixed, flex, num, placeholder, row_at, rows_in, table, titled};

/// The sizes offered for a new item, smallest first.
pub const SIZES: &[&str] = &["small", "medium", "large"];
/// What a price must look like.
pub const PRICE_RULE: &str = "price like 12.50, from 0.01 to 10000.00";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    New,
    EditPrice,
    ToggleAvailable,
    Filter,
    ClearFilter,
    Reload,
}

pub const KEYS: &[Binding<Cmd>] = &[
    key(&[K::Char('n')], "n", Cmd::New, "new menu item")
        .hint("new")
        .admin(),
    key(
        &[K::Char('e'), K::Code(KeyCode::Enter)],
        "e",
        Cmd::EditPrice,
        "change the price",
    )
    .hint("price")
    .admin(),
    key(
        &[K::Char('t')],
        "t",
        Cmd::ToggleAvailable,
        "toggle available",
    )
    .hint("available")
    .admin(),
    key(&[K::Char('/')], "/", Cmd::Filter, "filter, as you type").hint("filter"),
    key(
        &[K::Code(KeyCode::Esc)],
        "Esc",
        Cmd::ClearFilter,
        "clear the filter",
    ),
    key(&[K::Char('r')], "r", Cmd::Reload, "reload").hint("reload"),
];

/// What a prompt here asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    NewItem,
    Price { id: i64 },
}

/// Answers of the menu's requests.
#[derive(Debug)]
pub enum Msg {
    Loaded {
        generation: u64,
        result: ApiResult<Vec<MenuItem>>,
    },
    Changed {
        verb: &'static str,
        result: ApiResult<MenuItem>,
    },
}

#[derive(Debug, Default)]
pub struct Menu {
    pub items: Vec<MenuItem>,
    pub load: Load,
    pub selected: usize,
    pub filter: Filter,
    pub generation: u64,
    pub popup: Option<Prompt<Ask>>,
}

/// Parses `12.50`, `12,5` or `12` as cents.
pub fn parse_money(s: &str) -> Option<i64> {
    let s = s.trim().replace(',', ".");
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w.to_owned(), f.to_owned()),
        None => (s.clone(), String::new()),
    };
    if whole.is_empty() && frac.is_empty() || frac.len() > 2 {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    w.checked_mul(100)?.checked_add(f)
}

impl Menu {
    pub fn new(_options: &Options) -> Menu {
        Menu::default()
    }

    /// The items as listed: the ones that pass the filter.
    pub fn visible(&self) -> Vec<&MenuItem> {
        let f = self.filter.text().to_lowercase();
        self.items
            .iter()
            .filter(|i| {
                f.is_empty() || i.flavor.to_lowercase().contains(&f) || i.size.as_str().contains(&f)
            })
            .collect()
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.generation = ctx.fresh_generation();
        self.load = Load::Loading;
        let generation = self.generation;
        let admin = ctx.is_admin();
        let api = ctx.api.clone();
        ctx.spawn("loading the menu", async move {
            Msg::Loaded {
                generation,
                result: api.menu(admin).await.map(|m| m.items),
            }
        });
    }

    fn selected_item(&self) -> Option<MenuItem> {
        self.visible().get(self.selected).map(|i| (*i).clone())
    }

    fn patch(&mut self, id: i64, patch: MenuItemPatch, verb: &'static str, ctx: &mut Ctx) {
        let api = ctx.api.clone();
        ctx.spawn("saving the menu", async move {
            Msg::Changed {
                verb,
                result: api.patch_menu_item(id, &patch).await,
            }
        });
    }

    fn submit(&mut self, ctx: &mut Ctx) {
        let Some(p) = self.popup.as_mut() else {
            return;
        };
        let form = &p.form;
        match p.ask {
            Ask::NewItem => {
                let flavor = Flavor::parse(form.value(0));
                let size = Size::parse(form.value(1));
                let price = parse_money(form.value(2)).map(PriceCents::parse);
                let body = match (flavor, size, price) {
                    (Err(m), _, _) => return p.refuse(m),
                    (_, None, _) => return p.refuse("size must be small, medium or large"),
                    (_, _, None) | (_, _, Some(Err(_))) => return p.refuse(PRICE_RULE),
                    (Ok(f), Some(size), Some(Ok(price))) => MenuItemCreate {
                        flavor: f.into_inner(),
                        size,
                        price_cents: price.get(),
                    },
                };
                p.waiting = true;
                let api = ctx.api.clone();
                ctx.spawn("adding to the menu", async move {
                    Msg::Changed {
                        verb: "Menu item added",
                        result: api.create_menu_item(&body).await,
                    }
                });
            }
            Ask::Price { id } => match parse_money(form.value(0)).map(PriceCents::parse) {
                Some(Ok(price)) => {
                    p.waiting = true;
                    let patch = MenuItemPatch {
                        price_cents: Some(price.get()),
                        available: None,
                    };
                    self.patch(id, patch, "Price changed", ctx);
                }
                _ => p.refuse(PRICE_RULE),
            },
        }
    }

    fn on_changed(&mut self, verb: &'static str, r: ApiResult<MenuItem>, ctx: &mut Ctx) {
        match r {
            Ok(item) => {
                if self.popup.as_ref().is_some_and(|p| p.waiting) {
                    self.popup = None;
                }
                match self.items.iter_mut().find(|i| i.id == item.id) {
                    Some(slot) => *slot = item,
                    None => {
                        self.items.push(item);
                        self.items.sort_by(|a, b| {
                            a.flavor
                                .to_lowercase()
                                .cmp(&b.flavor.to_lowercase())
                                .then(a.size.cmp(&b.size))
                        });
                    }
                }
                ctx.set_info(verb);
            }
            Err(e) => match self.popup.as_mut() {
                // The form that sent it stays open with the server's reason.
                Some(p) if p.waiting => p.refuse(e.to_string()),
                _ => ctx.fail(e),
            },
        }
    }
}

impl Screen for Menu {
    type Msg = Msg;
    type Cmd = Cmd;
    const NAME: &'static str = "Menu";
    const TAB: Option<Tab> = Some(Tab {
        n: 2,
        name: "Menu",
        help: "Menu tab",
        who: Who::Anyone,
    });
    const IN_TAB: u8 = 2;
    const KEYS: &'static [Binding<Cmd>] = KEYS;
    const LIST: bool = true;

    fn offers(&self, cmd: Cmd, _ctx: &Ctx) -> bool {
        cmd != Cmd::ClearFilter || !self.filter.is_empty()
    }

    fn on_cmd(&mut self, cmd: Cmd, ctx: &mut Ctx) {
        match cmd {
            Cmd::New => {
                let form = Form::new(vec![
                    Field::new("Flavor"),
                    Field::choice("Size", SIZES, "medium"),
                    Field::new("Price"),
                ]);
                self.popup = Some(Prompt::new(Ask::NewItem, "New menu item", form));
            }
            Cmd::EditPrice => {
                if let Some(item) = self.selected_item() {
                    let title = format!("Price of {} ({})", item.flavor, item.size);
                    let form = Form::new(vec![
                        Field::new("Price").with_value(&format_cents(item.price_cents)),
                    ]);
                    self.popup = Some(Prompt::new(Ask::Price { id: item.id }, title, form));
                }
            }
            Cmd::ToggleAvailable => {
                if let Some(item) = self.selected_item() {
                    let verb = if item.available {
                        "Marked unavailable"
                    } else {
                        "Marked available"
                    };
                    let patch = MenuItemPatch {
                        price_cents: None,
                        available: Some(!item.available),
                    };
                    self.patch(item.id, patch, verb, ctx);
                }
            }
            Cmd::Filter => self.filter.start(),
            Cmd::ClearFilter => {
                self.filter.clear();
                self.selected = 0;
            }
            Cmd::Reload => self.reload(ctx),
        }
    }

    fn on_nav(&mut self, nav: Nav, ctx: &mut Ctx) {
        let page = rows_in(filter::split(ctx.body.get(), &self.filter).0);
        self.selected = move_selection(self.selected, self.visible().len(), nav, page);
    }

    fn modal_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Option<Handled> {
        if let Some(p) = self.popup.as_mut() {
            match p.key(&key) {
                PromptKey::Submit => self.submit(ctx),
                PromptKey::Cancel => self.popup = None,
                PromptKey::Help => return Some(Handled::Help),
                PromptKey::Kept => {}
            }
            return Some(Handled::Yes);
        }
        if self.filter.editing {
            match self.filter.key(&key) {
                FilterKey::Help => return Some(Handled::Help),
                FilterKey::Changed | FilterKey::Cleared => self.selected = 0,
                FilterKey::Kept | FilterKey::Ignored => {}
            }
            return Some(Handled::Yes);
        }
        None
    }

    fn modal_help(&self, _ctx: &Ctx) -> Option<Help> {
        if let Some(p) = &self.popup {
            return Some(p.help());
        }
        self.filter.editing.then(|| Filter::help("the menu"))
    }

    fn update(&mut self, msg: Msg, ctx: &mut Ctx) {
        match msg {
            Msg::Loaded { generation, result } => {
                if generation != self.generation {
                    return;
                }
                match result {
                    Ok(items) => {
                        self.items = items;
                        self.load = Load::Loaded;
                        let len = self.visible().len();
                        self.selected = self.selected.min(len.saturating_sub(1));
                    }
                    Err(e) => {
                        self.load = Load::Failed(e.to_string());
                        ctx.fail(e);
                    }
                }
            }
            Msg::Changed { verb, result } => self.on_changed(verb, result, ctx),
        }
    }

    fn on_event(&mut self, ev: &Event, _ctx: &mut Ctx) {
        if matches!(ev, Event::SessionEnded(_) | Event::SignedIn(_)) {
            *self = Menu::default();
        }
    }

    fn enter(&mut self, ctx: &mut Ctx) {
        if self.load == Load::Idle {
            self.reload(ctx);
        }
    }

    fn click(&mut self, area: Rect, _x: u16, y: u16, double: bool, ctx: &mut Ctx) {
        let (list, _) = filter::split(area, &self.filter);
        if let Some(i) = row_at(y, self.selected, self.visible().len(), list) {
            self.selected = i;
            if double && ctx.is_admin() {
                self.on_cmd(Cmd::EditPrice, ctx);
            }
        }
    }

    fn render(&self, ctx: &Ctx, frame: &mut Frame, area: Rect) {
        let full = area;
        let (area, filter_line) = filter::split(area, &self.filter);
        if let Some(line) = filter_line {
            self.filter
                .render(ctx.theme, frame, line, "flavor, size · the whole menu");
        }
        let mut title = " Menu".to_owned();
        if !self.filter.is_empty() {
            title.push_str(&format!(" · “{}”", ellipsize(self.filter.text(), 12)));
        }
        title.push(' ');
        let block = titled(ctx.theme, title, None);
        let visible = self.visible();
        if self.load != Load::Loaded || visible.is_empty() {
            let empty = if self.filter.is_empty() {
                "The menu is empty."
            } else {
                "Nothing matches. Esc clears the filter."
            };
            placeholder(ctx.theme, frame, area, block, &self.load, empty, "the menu");
        } else {
            let admin = ctx.is_admin();
            let mut cols = vec![flex("Flavor"), fixed("Size", 6), num("Price", 9)];
            if admin {
                cols.push(fixed("Available", 9));
            }
            let rows = visible.iter().map(|i| {
                let dim = if i.available {
                    Style::new()
                } else {
                    ctx.theme.dim()
                };
                let mut r = vec![
                    (i.flavor.clone(), dim),
                    (i.size.to_string(), dim),
                    (format_cents(i.price_cents), dim),
                ];
                if admin {
                    r.push((if i.available { "yes" } else { "no" }.to_owned(), dim));
                }
                r
            });
            table(
                ctx.theme,
                frame,
                area,
                block,
                &cols,
                rows,
                At {
                    len: visible.len(),
                    selected: self.selected,
                },
            );
        }
        if let Some(p) = &self.popup {
            p.render(ctx.theme, frame, full);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_money;

    #[test]
    fn money_input() {
        assert_eq!(parse_money("12.50"), Some(1250));
        assert_eq!(parse_money("12,5"), Some(1250));
        assert_eq!(parse_money("7"), Some(700));
        assert_eq!(parse_money(".05"), Some(5));
        assert_eq!(parse_money("1.234"), None);
        assert_eq!(parse_money("abc"), None);
        assert_eq!(parse_money(""), None);
    }
}
