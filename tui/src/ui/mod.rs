//! Drawing: a pure function of the app state. Header (tabs), body (the screen), footer
//! (key hints from the screen's key table) and a status bar (errors, spinner).

mod lists;
mod login;
mod popups;
mod table;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::keys::{self, Binding};
use crate::app::{App, Live, Route};
use crate::theme::ellipsize;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// Draws the whole app.
pub fn render(app: &App, frame: &mut Frame) {
    let [header, body, footer, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(app, frame, header);
    match app.route {
        Route::Login => login::render(app, frame, body),
        Route::Orders => lists::orders(app, frame, body),
        Route::Detail => lists::detail(app, frame, body),
        Route::Menu => lists::menu(app, frame, body),
        Route::Profile => lists::profile(app, frame, body),
        Route::Users => lists::users(app, frame, body),
    }
    render_footer(app, frame, footer);
    render_status(app, frame, status);
    popups::render(app, frame, body);
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let mut spans = vec![Span::styled(" comanda ", t.title())];
    if let Some(me) = &app.me {
        let mut tabs = vec![(1, "Orders"), (2, "Menu"), (3, "Profile")];
        if me.is_admin {
            tabs.push((4, "Users"));
        }
        for (n, name) in tabs {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                format!("{n} {name}"),
                t.tab(app.route.tab() == n),
            ));
        }
        let who = if me.is_admin {
            format!("{} (admin) ", me.username)
        } else {
            format!("{} ", me.username)
        };
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let room = (area.width as usize).saturating_sub(used + 1);
        let who = ellipsize(&who, room);
        let pad = room.saturating_sub(who.chars().count()) + 1;
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::styled(who, t.dim()));
    } else {
        let room = (area.width as usize).saturating_sub(10);
        spans.push(Span::styled(ellipsize(app.server_url(), room), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The hints of the current screen, from its key table.
fn hint_bindings(app: &App) -> Vec<&'static Binding> {
    let admin = app.is_admin();
    let mut out: Vec<&'static Binding> = keys::visible(app.key_table(), admin)
        .filter(|b| b.hint)
        .collect();
    if app.route == Route::Detail {
        let pending = app.detail.as_ref().is_some_and(|d| d.is_pending());
        if !pending {
            out.retain(|b| {
                !matches!(
                    b.cmd,
                    keys::Cmd::Add
                        | keys::Cmd::Delete
                        | keys::Cmd::CancelOrder
                        | keys::Cmd::FinishOrder
                )
            });
        }
    }
    if app.route != Route::Login {
        // Help and quit first, so they are never cut off on a narrow terminal; log out last.
        let (last, first): (Vec<&'static Binding>, Vec<&'static Binding>) =
            keys::visible(keys::GLOBAL, admin)
                .filter(|b| b.hint)
                .partition(|b| b.cmd == keys::Cmd::Logout);
        let screen = std::mem::take(&mut out);
        out = first;
        let screen_has_logout = screen.iter().any(|b| b.cmd == keys::Cmd::Logout);
        out.extend(screen);
        if !screen_has_logout {
            out.extend(last);
        }
    }
    out
}

fn render_footer(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    let width = area.width as usize;
    for b in hint_bindings(app) {
        let word = hint_word(app, b);
        let piece = b.label.chars().count() + 1 + word.chars().count() + 2;
        if used + piece > width {
            break;
        }
        spans.push(Span::styled(b.label, t.key()));
        spans.push(Span::raw(format!(" {word}  ")));
        used += piece;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The first word(s) of a description, short enough for the hint bar.
fn hint_word(app: &App, b: &Binding) -> &'static str {
    match b.cmd {
        keys::Cmd::Help => "help",
        keys::Cmd::Back if app.route == Route::Detail => "back",
        keys::Cmd::Back => "quit",
        keys::Cmd::Delete if app.route == Route::Detail => "remove",
        keys::Cmd::Filter if app.route == Route::Users => "search",
        keys::Cmd::Logout => "log out",
        keys::Cmd::Open => "open",
        keys::Cmd::New => "new",
        keys::Cmd::CycleStatus => "status",
        keys::Cmd::ToggleScope => "mine/all",
        keys::Cmd::Filter => "filter",
        keys::Cmd::Reload => "reload",
        keys::Cmd::Add => "add",
        keys::Cmd::Delete => "delete",
        keys::Cmd::CancelOrder => "cancel",
        keys::Cmd::FinishOrder => "finish",
        keys::Cmd::EditPrice => "price",
        keys::Cmd::ToggleAvailable => "available",
        keys::Cmd::EditUsername => "username",
        keys::Cmd::EditEmail => "email",
        keys::Cmd::EditPassword => "password",
        keys::Cmd::LogoutAll => "log out all",
        keys::Cmd::DeleteAccount => "delete",
        keys::Cmd::ToggleAdmin => "admin",
        keys::Cmd::ToggleActive => "active",
        keys::Cmd::Submit => "submit",
        keys::Cmd::NextField => "next",
        keys::Cmd::SwitchForm => "sign in/up",
        keys::Cmd::Quit => "quit",
        _ => b.desc,
    }
}

fn render_status(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let width = area.width as usize;
    let line = if let Some(s) = &app.status {
        let style = if s.error { t.error() } else { t.info() };
        Line::from(Span::styled(
            format!(" {}", ellipsize(&s.text, width.saturating_sub(1))),
            style,
        ))
    } else if let Some(label) = app.busy_label() {
        let spin = SPINNER[app.spinner % SPINNER.len()];
        Line::from(Span::styled(format!(" {spin} {label}…"), t.dim()))
    } else if app.route == Route::Login {
        Line::default()
    } else {
        Line::from(Span::styled(
            format!(" {}", ellipsize(app.server_url(), width.saturating_sub(1))),
            t.dim(),
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The live marker of the orders list.
pub fn live_marker(app: &App) -> (&'static str, Style) {
    match app.live {
        Live::Live => ("● live", app.theme.live(true)),
        Live::Connecting => ("○ connecting…", app.theme.live(false)),
        Live::Reconnecting => ("○ reconnecting…", app.theme.live(false)),
        Live::Off => ("○ offline", app.theme.live(false)),
    }
}
