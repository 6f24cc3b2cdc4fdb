//! The frame around the screens, a pure function of the app state: header (tabs), the
//! screen in front, footer (key hints from the key table of what is in front) and a status
//! bar (errors, spinner); then the app's own popups over it all.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{App, Ctx, Live};
use crate::keys::{self, Global};
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
    app.ctx.body.set(body);
    render_header(app, frame, header);
    app.screens.render(app.route, &app.ctx, frame, body);
    render_footer(app, frame, footer);
    render_status(app, frame, status);
    if let Some(c) = &app.confirm {
        c.render(app.ctx.theme, frame, body);
    }
    if let Some(h) = &app.help {
        h.render(app.ctx.theme, frame, body);
    }
}

/// The header's tabs: number, name, and the columns each takes.
fn tab_spans(app: &App) -> Vec<(u8, String, u16)> {
    let mut x = " comanda ".chars().count() as u16;
    let mut out = Vec::new();
    for (t, _) in app.tabs() {
        x += 1;
        let text = format!("{} {}", t.n, t.name);
        out.push((t.n, text.clone(), x));
        x += text.chars().count() as u16;
    }
    out
}

/// The tab under column `x` of the header, if any (mouse clicks).
pub fn tab_at(app: &App, x: u16) -> Option<u8> {
    tab_spans(app)
        .into_iter()
        .find(|(_, text, start)| x >= *start && x < start + text.chars().count() as u16)
        .map(|(n, _, _)| n)
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.ctx.theme;
    let mut spans = vec![Span::styled(" comanda ", t.title())];
    if let Some(me) = &app.ctx.me {
        let in_tab = app.route.in_tab();
        for (n, text, _) in tab_spans(app) {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(text, t.tab(in_tab == n)));
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
        spans.push(Span::styled(ellipsize(app.ctx.server_url(), room), t.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The footer's hints, `(key, word)`: what is in front, from its own key table.
pub fn hints(app: &App) -> Vec<(&'static str, &'static str)> {
    if app.confirm.is_some() {
        return crate::popups::Confirm::<crate::app::AppYes>::help().hints;
    }
    let help = app.screens.help(app.route, &app.ctx);
    let screen = help.hints;
    if !help.global {
        return screen;
    }
    // Help and quit first, so they are never cut off on a narrow terminal; log out last.
    let global: Vec<(Global, &'static str, &'static str)> = keys::GLOBAL
        .iter()
        .filter(|b| b.who.admits(app.is_admin()))
        .filter_map(|b| b.hint.map(|w| (b.cmd, b.label, w)))
        .filter(|(_, label, _)| !screen.iter().any(|(l, _)| l == label))
        .collect();
    let mut out: Vec<(&'static str, &'static str)> = global
        .iter()
        .filter(|(cmd, _, _)| *cmd != Global::Logout)
        .map(|(_, l, w)| (*l, *w))
        .collect();
    out.extend(screen);
    out.extend(
        global
            .iter()
            .filter(|(cmd, _, _)| *cmd == Global::Logout)
            .map(|(_, l, w)| (*l, *w)),
    );
    out
}

fn render_footer(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.ctx.theme;
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    let width = area.width as usize;
    for (label, word) in hints(app) {
        let piece = label.chars().count() + 1 + word.chars().count() + 2;
        if used + piece > width {
            break;
        }
        spans.push(Span::styled(label, t.key()));
        spans.push(Span::raw(format!(" {word}  ")));
        used += piece;
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn render_status(app: &App, frame: &mut Frame, area: Rect) {
    let ctx = &app.ctx;
    let t = ctx.theme;
    let width = area.width as usize;
    let line = if let Some(s) = &ctx.status {
        let style = if s.error { t.error() } else { t.info() };
        Line::from(Span::styled(
            format!(" {}", ellipsize(&s.text, width.saturating_sub(1))),
            style,
        ))
    } else if let Some(label) = ctx.busy_label() {
        let spin = SPINNER[ctx.spinner % SPINNER.len()];
        Line::from(Span::styled(format!(" {spin} {label}…"), t.dim()))
    } else if ctx.me.is_none() {
        Line::default()
    } else {
        Line::from(Span::styled(
            format!(" {}", ellipsize(ctx.server_url(), width.saturating_sub(1))),
            t.dim(),
        ))
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// The live marker of the orders list.
pub fn live_marker(ctx: &Ctx) -> (&'static str, Style) {
    match ctx.live {
        Live::Live => ("● live", ctx.theme.live(true)),
        Live::Connecting => ("○ connecting…", ctx.theme.live(false)),
        Live::Reconnecting => ("○ reconnecting…", ctx.theme.live(false)),
        Live::Off => ("○ offline", ctx.theme.live(false)),
    }
}
