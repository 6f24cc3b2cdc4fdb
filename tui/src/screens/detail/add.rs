//! Adding an item to the order: the menu picker (its menu reloaded when it opens and when
//! it is older than [`MENU_FRESH`], so the price picked is the price charged; typing filters
//! it), then the quantity prompt.

use std::time::Instant;

use comanda_common::MenuItem;
use ratatui::crossterm::event::KeyEvent;

use super::{Ask, Detail, MENU_FRESH, Msg, Popup};
use crate::app::Ctx;
use crate::popups::Prompt;
use crate::popups::picker::Pick;
use crate::screens::{Handled, Load};
use crate::widgets::form::{Field, Form};
use crate::widgets::table::rows_in;

/// The menu as the picker shows it.
#[derive(Debug, Default)]
pub struct PickerMenu {
    pub items: Vec<MenuItem>,
    pub load: Load,
    /// When the items were loaded.
    pub at: Option<Instant>,
    /// The items may be shown: loaded since the picker was opened.
    pub shown: bool,
    pub generation: u64,
}

impl PickerMenu {
    /// Items loaded just now (tests and snapshots).
    pub fn set(&mut self, items: Vec<MenuItem>) {
        self.items = items;
        self.load = Load::Loaded;
        self.at = Some(Instant::now());
        self.shown = true;
    }

    pub(super) fn fresh(&self) -> bool {
        self.at.is_some_and(|t| t.elapsed() < MENU_FRESH)
    }
}

impl Detail {
    /// The menu items that can be ordered now, filtered by the picker's typing.
    pub fn orderable(&self) -> Vec<&MenuItem> {
        let f = match &self.popup {
            Some(Popup::Picker(p)) => p.filter_text(),
            _ => String::new(),
        };
        if !self.menu.shown {
            return Vec::new();
        }
        self.menu
            .items
            .iter()
            .filter(|i| i.available)
            .filter(|i| {
                f.is_empty() || i.flavor.to_lowercase().contains(&f) || i.size.as_str().contains(&f)
            })
            .collect()
    }

    pub(super) fn reload_menu(&mut self, ctx: &mut Ctx) {
        self.menu.generation = ctx.fresh_generation();
        self.menu.load = Load::Loading;
        let generation = self.menu.generation;
        let api = ctx.api.clone();
        ctx.spawn("loading the menu", async move {
            Msg::Menu {
                generation,
                result: api.menu(false).await.map(|m| m.items),
            }
        });
    }

    fn picked(&mut self, index: usize) {
        let Some(item) = self.orderable().get(index).map(|i| (*i).clone()) else {
            return;
        };
        let ask = Ask::Quantity {
            flavor: item.flavor.clone(),
            size: item.size,
        };
        let title = format!("How many {} ({})?", item.flavor, item.size);
        let form = Form::new(vec![Field::digits("Quantity").with_suggestion("1")]);
        self.popup = Some(Popup::Prompt(Prompt::new(ask, title, form)));
    }

    pub(super) fn picker_key(&mut self, key: KeyEvent, ctx: &mut Ctx) -> Handled {
        let len = self.orderable().len();
        let page = rows_in(ctx.body.get()).saturating_sub(4);
        let Some(Popup::Picker(p)) = self.popup.as_mut() else {
            return Handled::Yes;
        };
        match p.key(&key, len, page) {
            Pick::Chosen(i) => self.picked(i),
            Pick::Cancel => self.popup = None,
            Pick::Help => return Handled::Help,
            Pick::Kept => {}
        }
        Handled::Yes
    }
}
