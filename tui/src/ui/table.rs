//! Tables that never wrap (cells cut with `…`, only the visible rows built) and the
//! placeholders of lists that are loading, failed or empty.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::app::{App, Load};
use crate::theme::ellipsize;

/// A column: its header, and a fixed width or `None` to share what is left.
pub(super) struct Col {
    header: &'static str,
    width: Option<u16>,
    right: bool,
}

pub(super) const fn fixed(header: &'static str, width: u16) -> Col {
    Col {
        header,
        width: Some(width),
        right: false,
    }
}
pub(super) const fn num(header: &'static str, width: u16) -> Col {
    Col {
        header,
        width: Some(width),
        right: true,
    }
}
pub(super) const fn flex(header: &'static str) -> Col {
    Col {
        header,
        width: None,
        right: false,
    }
}

fn widths(cols: &[Col], total: u16) -> Vec<u16> {
    let spacing = cols.len().saturating_sub(1) as u16;
    let fixed: u16 = cols.iter().filter_map(|c| c.width).sum();
    let flex_n = cols.iter().filter(|c| c.width.is_none()).count() as u16;
    let rest = total.saturating_sub(fixed + spacing);
    let each = rest.checked_div(flex_n).unwrap_or(0);
    cols.iter().map(|c| c.width.unwrap_or(each)).collect()
}

fn cell(text: &str, width: u16, right: bool, style: Style) -> Cell<'static> {
    let s = ellipsize(text, width as usize);
    let s = if right {
        format!("{s:>w$}", w = width as usize)
    } else {
        s
    };
    Cell::from(Span::styled(s, style))
}

/// How many rows a list has and which one is selected.
pub(super) struct At {
    pub(super) len: usize,
    pub(super) selected: usize,
}

/// A table whose cells are cut with `…` to their column, so no row ever wraps.
pub(super) fn table(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    block: Block,
    cols: &[Col],
    rows: impl Iterator<Item = Vec<(String, Style)>>,
    at: At,
) {
    let At { len, selected } = at;
    let inner = block.inner(area);
    let inner_w = inner.width.saturating_sub(2);
    // Only the rows on screen are built: the list can be long. The selection stays in view
    // (at the bottom when scrolling down), as a fresh TableState would place it.
    let height = inner.height.saturating_sub(1).max(1) as usize;
    let selected = selected.min(len.saturating_sub(1));
    let start = (selected + 1).saturating_sub(height);
    let ws = widths(cols, inner_w);
    let header = Row::new(
        cols.iter()
            .zip(&ws)
            .map(|(c, w)| cell(c.header, *w, c.right, app.theme.dim()))
            .collect::<Vec<_>>(),
    );
    let rows: Vec<Row> = rows
        .skip(start)
        .take(height)
        .map(|r| {
            Row::new(
                r.into_iter()
                    .zip(cols.iter().zip(&ws))
                    .map(|((text, style), (c, w))| cell(&text, *w, c.right, style))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let n = rows.len();
    let t = Table::new(
        rows,
        ws.iter()
            .map(|w| Constraint::Length(*w))
            .collect::<Vec<_>>(),
    )
    .header(header)
    .block(block)
    .row_highlight_style(app.theme.selected())
    .highlight_symbol("▌ ");
    let mut state = TableState::default();
    if n > 0 {
        state.select(Some((selected - start).min(n - 1)));
    }
    frame.render_stateful_widget(t, area, &mut state);
}

/// The body for a list that is not loaded (yet): loading, failed, or empty.
pub(super) fn placeholder(
    app: &App,
    frame: &mut Frame,
    area: Rect,
    block: Block,
    load: &Load,
    empty: &str,
    what: &str,
) -> bool {
    let t = app.theme;
    let w = block.inner(area).width.saturating_sub(1) as usize;
    let fit = |text: String| format!(" {}", ellipsize(&text, w));
    let mut lines = vec![Line::default()];
    match load {
        Load::Idle | Load::Loading => lines.push(Line::from(Span::styled(
            fit(format!("Loading {what}…")),
            t.dim(),
        ))),
        Load::Failed(e) => {
            lines.push(Line::from(Span::styled(
                fit(format!("Could not load {what}:")),
                t.error(),
            )));
            lines.push(Line::from(Span::styled(fit(e.clone()), t.error())));
            lines.push(Line::from(Span::styled(
                fit("Press r to try again.".into()),
                t.dim(),
            )));
        }
        Load::Loaded => lines.push(Line::from(Span::styled(fit(empty.to_owned()), t.dim()))),
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
    true
}

pub(super) fn titled(
    app: &App,
    left: String,
    right: Option<(&'static str, Style)>,
) -> Block<'static> {
    let mut b = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(Span::styled(left, app.theme.title())));
    if let Some((text, style)) = right {
        b = b.title_top(Line::from(Span::styled(format!(" {text} "), style)).right_aligned());
    }
    b
}
