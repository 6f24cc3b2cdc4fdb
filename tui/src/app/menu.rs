//! The menu (tab 2): flavors and sizes with prices; admins add items, change prices and
//! mark items unavailable.

use comanda_common::validate::format_cents;
use comanda_common::{MenuItem, MenuItemCreate, MenuItemPatch};

use super::keys::Cmd;
use super::{App, Load, Outcome, Popup, PromptKind, move_selection};
use crate::api::ApiResult;

#[derive(Debug, Default)]
pub struct MenuState {
    pub items: Vec<MenuItem>,
    pub load: Load,
    pub selected: usize,
    pub filter: String,
    pub generation: u64,
}

impl App {
    pub fn visible_menu(&self) -> Vec<&MenuItem> {
        let f = self.menu.filter.to_lowercase();
        self.menu
            .items
            .iter()
            .filter(|i| {
                f.is_empty() || i.flavor.to_lowercase().contains(&f) || i.size.as_str().contains(&f)
            })
            .collect()
    }

    pub(super) fn reload_menu(&mut self) {
        self.menu.generation = self.fresh_generation();
        self.menu.load = Load::Loading;
        let generation = self.menu.generation;
        let admin = self.is_admin();
        let api = self.api.clone();
        self.spawn("loading the menu", async move {
            Outcome::MenuLoaded {
                generation,
                result: api.menu(admin).await.map(|m| m.items),
            }
        });
    }

    pub(super) fn on_menu_loaded(&mut self, generation: u64, r: ApiResult<Vec<MenuItem>>) {
        if generation != self.menu.generation {
            return;
        }
        match r {
            Ok(items) => {
                self.menu.items = items;
                self.menu.load = Load::Loaded;
                let len = self.visible_menu().len();
                self.menu.selected = self.menu.selected.min(len.saturating_sub(1));
            }
            Err(e) => {
                self.menu.load = Load::Failed(e.to_string());
                self.fail(e);
            }
        }
    }

    pub(super) fn on_menu_changed(&mut self, verb: &'static str, r: ApiResult<MenuItem>) {
        match r {
            Ok(item) => {
                match self.menu.items.iter_mut().find(|i| i.id == item.id) {
                    Some(slot) => *slot = item,
                    None => {
                        self.menu.items.push(item);
                        self.menu.items.sort_by(|a, b| {
                            a.flavor
                                .to_lowercase()
                                .cmp(&b.flavor.to_lowercase())
                                .then(a.size.cmp(&b.size))
                        });
                    }
                }
                self.set_info(verb);
            }
            Err(e) => self.fail(e),
        }
    }

    fn selected_menu_item(&self) -> Option<MenuItem> {
        self.visible_menu()
            .get(self.menu.selected)
            .map(|i| (*i).clone())
    }

    pub(super) fn menu_cmd(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Up | Cmd::Down | Cmd::PageUp | Cmd::PageDown | Cmd::Top | Cmd::Bottom => {
                let len = self.visible_menu().len();
                self.menu.selected = move_selection(self.menu.selected, len, cmd, 10);
            }
            Cmd::New => self.popup = Some(Popup::prompt(PromptKind::NewMenuItem, "")),
            Cmd::EditPrice => {
                if let Some(item) = self.selected_menu_item() {
                    let kind = PromptKind::EditPrice {
                        id: item.id,
                        flavor: item.flavor,
                        size: item.size,
                    };
                    self.popup = Some(Popup::prompt(kind, &format_cents(item.price_cents)));
                }
            }
            Cmd::ToggleAvailable => {
                if let Some(item) = self.selected_menu_item() {
                    let verb = if item.available {
                        "Marked unavailable"
                    } else {
                        "Marked available"
                    };
                    let patch = MenuItemPatch {
                        price_cents: None,
                        available: Some(!item.available),
                    };
                    self.patch_menu_item(item.id, patch, verb);
                }
            }
            Cmd::Filter => {
                self.popup = Some(Popup::prompt(PromptKind::FilterMenu, &self.menu.filter))
            }
            Cmd::ClearFilter => {
                self.menu.filter.clear();
                self.menu.selected = 0;
            }
            Cmd::Reload => self.reload_menu(),
            _ => {}
        }
    }

    pub(super) fn patch_menu_item(&mut self, id: i64, patch: MenuItemPatch, verb: &'static str) {
        let api = self.api.clone();
        self.spawn("saving the menu", async move {
            Outcome::MenuChanged {
                verb,
                result: api.patch_menu_item(id, &patch).await,
            }
        });
    }

    pub(super) fn create_menu_item(&mut self, body: MenuItemCreate) {
        let api = self.api.clone();
        self.spawn("adding to the menu", async move {
            Outcome::MenuChanged {
                verb: "Menu item added",
                result: api.create_menu_item(&body).await,
            }
        });
    }
}
