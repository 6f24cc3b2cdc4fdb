//! The screens that are lists (orders, order detail, menu, users) and the profile page.

use comanda_common::OrderStatus;
use comanda_common::validate::format_cents;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::live_marker;
use super::table::{At, fixed, flex, num, placeholder, table, titled};
use crate::app::{App, Load, StatusFilter};
use crate::theme::ellipsize;

pub fn orders(app: &App, frame: &mut Frame, area: Rect) {
    let o = &app.orders;
    let mut title = if o.all {
        " All orders".to_owned()
    } else {
        " My orders".to_owned()
    };
    if let StatusFilter::Only(s) = o.status {
        title.push_str(&format!(" · {s}"));
    }
    if !o.filter.is_empty() {
        title.push_str(&format!(" · “{}”", ellipsize(&o.filter, 12)));
    }
    title.push(' ');
    let block = titled(app, title, Some(live_marker(app)));
    let visible = app.visible_orders();
    if o.load != Load::Loaded || visible.is_empty() {
        let empty = if o.filter.is_empty() && o.status == StatusFilter::Any {
            "No orders yet. Press n to start one."
        } else {
            "No orders match. Esc clears the filter, s changes the status."
        };
        placeholder(app, frame, area, block, &o.load, empty, "orders");
        return;
    }
    let mut cols = vec![
        num("#", 6),
        fixed("Status", 9),
        num("Items", 5),
        num("Total", 9),
        num("Age", 4),
    ];
    if o.all {
        cols.push(flex("Customer"));
    }
    let rows = visible.iter().map(|ord| {
        let count: i64 = ord.items.iter().map(|i| i.quantity).sum();
        let mut r = vec![
            (ord.id.to_string(), Style::new()),
            (ord.status.to_string(), app.theme.status(ord.status)),
            (count.to_string(), Style::new()),
            (format_cents(ord.total_cents), Style::new()),
            (app.clock.age(ord.created_at), Style::new()),
        ];
        if o.all {
            let name = app
                .names
                .get(&ord.user_id)
                .cloned()
                .unwrap_or_else(|| format!("user {}", ord.user_id));
            r.push((name, Style::new()));
        }
        r
    });
    let more = if o.loading_more {
        " loading more…"
    } else {
        ""
    };
    let block = block.title_bottom(Line::from(Span::styled(
        format!(
            " {} of {}{} ",
            o.selected.min(visible.len() - 1) + 1,
            visible.len(),
            more
        ),
        app.theme.dim(),
    )));
    table(
        app,
        frame,
        area,
        block,
        &cols,
        rows,
        At {
            len: visible.len(),
            selected: o.selected,
        },
    );
}

pub fn detail(app: &App, frame: &mut Frame, area: Rect) {
    let Some(d) = &app.detail else { return };
    let t = app.theme;
    let Some(order) = &d.order else {
        let block = titled(app, format!(" Order #{} ", d.id), None);
        placeholder(app, frame, area, block, &d.load, "", "the order");
        return;
    };
    let [info, items] = Layout::vertical([Constraint::Length(3), Constraint::Min(3)]).areas(area);
    let who = if app.is_admin() && app.me.as_ref().is_some_and(|m| m.id != order.user_id) {
        format!(
            " · {}",
            app.names
                .get(&order.user_id)
                .cloned()
                .unwrap_or_else(|| format!("user {}", order.user_id))
        )
    } else {
        String::new()
    };
    let w = info.width.saturating_sub(3) as usize;
    let line = Line::from(vec![
        Span::raw(" "),
        Span::styled(order.status.to_string(), t.status(order.status)),
        Span::raw(ellipsize(
            &format!(" · {}{}", app.clock.local(order.created_at), who),
            w.saturating_sub(order.status.as_str().len()),
        )),
    ]);
    frame.render_widget(
        Paragraph::new(line).block(titled(app, format!(" Order #{} ", order.id), None)),
        info,
    );
    let block = titled(app, " Items ".into(), None);
    if order.items.is_empty() {
        let msg = if order.status == OrderStatus::Pending {
            "No items yet. Press a to add one."
        } else {
            "No items."
        };
        placeholder(app, frame, items, block, &Load::Loaded, msg, "");
        return;
    }
    let cols = [
        flex("Flavor"),
        fixed("Size", 6),
        num("Qty", 3),
        num("Unit", 8),
        num("Subtotal", 9),
    ];
    let rows = order.items.iter().map(|i| {
        vec![
            (i.flavor.clone(), Style::new()),
            (i.size.to_string(), Style::new()),
            (i.quantity.to_string(), Style::new()),
            (format_cents(i.unit_price_cents), Style::new()),
            (format_cents(i.subtotal_cents), Style::new()),
        ]
    });
    let block = block.title_bottom(
        Line::from(Span::styled(
            format!(" Total {} ", format_cents(order.total_cents)),
            t.title(),
        ))
        .right_aligned(),
    );
    table(
        app,
        frame,
        items,
        block,
        &cols,
        rows,
        At {
            len: order.items.len(),
            selected: d.selected,
        },
    );
}

pub fn menu(app: &App, frame: &mut Frame, area: Rect) {
    let m = &app.menu;
    let mut title = " Menu".to_owned();
    if !m.filter.is_empty() {
        title.push_str(&format!(" · “{}”", ellipsize(&m.filter, 12)));
    }
    title.push(' ');
    let block = titled(app, title, None);
    let visible = app.visible_menu();
    if m.load != Load::Loaded || visible.is_empty() {
        let empty = if m.filter.is_empty() {
            "The menu is empty."
        } else {
            "Nothing matches. Esc clears the filter."
        };
        placeholder(app, frame, area, block, &m.load, empty, "the menu");
        return;
    }
    let admin = app.is_admin();
    let mut cols = vec![flex("Flavor"), fixed("Size", 6), num("Price", 9)];
    if admin {
        cols.push(fixed("Available", 9));
    }
    let rows = visible.iter().map(|i| {
        let dim = if i.available {
            Style::new()
        } else {
            app.theme.dim()
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
        app,
        frame,
        area,
        block,
        &cols,
        rows,
        At {
            len: visible.len(),
            selected: m.selected,
        },
    );
}

pub fn profile(app: &App, frame: &mut Frame, area: Rect) {
    let t = app.theme;
    let block = titled(app, " Profile ".into(), None);
    let Some(me) = &app.me else { return };
    let w = block.inner(area).width.saturating_sub(18) as usize;
    let row = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!(" {k:<16}"), t.dim()),
            Span::raw(ellipsize(&v, w)),
        ])
    };
    let lines = vec![
        Line::default(),
        row("Username", me.username.clone()),
        row("Email", me.email.clone()),
        row(
            "Role",
            if me.is_admin {
                "admin".into()
            } else {
                "customer".into()
            },
        ),
        row("Member since", app.clock.local(me.created_at)),
        row("Server", app.server_url().to_owned()),
        row("Session kept in", app.api.store().describe()),
    ];
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

pub fn users(app: &App, frame: &mut Frame, area: Rect) {
    let u = &app.users;
    let mut title = " Users".to_owned();
    if !u.q.is_empty() {
        title.push_str(&format!(" · “{}”", ellipsize(&u.q, 12)));
    }
    title.push(' ');
    let block = titled(app, title, None);
    if u.load != Load::Loaded || u.users.is_empty() {
        placeholder(
            app,
            frame,
            area,
            block,
            &u.load,
            "No users match. Esc clears the search.",
            "users",
        );
        return;
    }
    let cols = [
        num("#", 4),
        flex("Username"),
        flex("Email"),
        fixed("Role", 5),
        fixed("Active", 6),
    ];
    let rows = u.users.iter().map(|x| {
        let dim = if x.is_active {
            Style::new()
        } else {
            app.theme.dim()
        };
        vec![
            (x.id.to_string(), dim),
            (x.username.clone(), dim),
            (x.email.clone(), dim),
            (if x.is_admin { "admin" } else { "" }.to_owned(), dim),
            (if x.is_active { "yes" } else { "no" }.to_owned(), dim),
        ]
    });
    let more = if u.loading_more {
        " loading more…"
    } else {
        ""
    };
    let block = block.title_bottom(Line::from(Span::styled(
        format!(
            " {} of {}{} ",
            u.selected.min(u.users.len() - 1) + 1,
            u.users.len(),
            more
        ),
        app.theme.dim(),
    )));
    table(
        app,
        frame,
        area,
        block,
        &cols,
        rows,
        At {
            len: u.users.len(),
            selected: u.selected,
        },
    );
}
