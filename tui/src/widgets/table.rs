//! Tables that never wrap (cells cut with `…`, only the visible rows built) and the
//! placeholders of lists that are loading, failed or empty.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::screens::Load;
use crate::theme::Theme;
use crate::theme::ellipsize;

/// A column: its header, and a fixed width or `None` to share what is left.
pub struct Col {
    header: &'static str,
    width: Option<u16>,
    right: bool,
}

pub const fn fixed(header: &'static str, width: u16) -> Col {
    Col {
        header,
        width: Some(width),
        right: false,
    }
}
pub const fn num(header: &'static str, width: u16) -> Col {
    Col {
        header,
        width: Some(width),
        right: true,
    }
}
pub const fn flex(header: &'static str) -> Col {
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
pub struct At {
    pub len: usize,
    pub selected: usize,
}

/// A table whose cells are cut with `…` to their column, so no row ever wraps.
pub fn table(
    theme: Theme,
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
    let height = rows_in(area);
    let selected = selected.min(len.saturating_sub(1));
    let start = first_row(selected, len, area);
    let ws = widths(cols, inner_w);
    let header = Row::new(
        cols.iter()
            .zip(&ws)
            .map(|(c, w)| cell(c.header, *w, c.right, theme.dim()))
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
    .row_highlight_style(theme.selected())
    .highlight_symbol("▌ ");
    let mut state = TableState::default();
    if n > 0 {
        state.select(Some((selected - start).min(n - 1)));
    }
    frame.render_stateful_widget(t, area, &mut state);
}

/// How many rows a bordered table with a header shows in `area`: one screen, for PgDn.
pub fn rows_in(area: Rect) -> usize {
    area.height.saturating_sub(3).max(1) as usize
}

/// The index of the first row drawn when `selected` of `len` is shown in `area`.
pub fn first_row(selected: usize, len: usize, area: Rect) -> usize {
    let selected = selected.min(len.saturating_sub(1));
    (selected + 1).saturating_sub(rows_in(area))
}

/// The row under the terminal line `y` of a table drawn in `area`, if any.
pub fn row_at(y: u16, selected: usize, len: usize, area: Rect) -> Option<usize> {
    let top = area.y + 2; // border, header
    if y < top || y >= area.bottom().saturating_sub(1) {
        return None;
    }
    let i = first_row(selected, len, area) + (y - top) as usize;
    (i < len).then_some(i)
}

/// The body for a list that is not loaded (yet): loading, failed, or empty.
pub fn placeholder(
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
    block: Block,
    load: &Load,
    empty: &str,
    what: &str,
) -> bool {
    let t = theme;
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

pub fn titled(theme: Theme, left: String, right: Option<(&'static str, Style)>) -> Block<'static> {
    let mut b = Block::default()
        .borders(Borders::ALL)
        .title(Line::from(Span::styled(left, theme.title())));
    if let Some((text, style)) = right {
        b = b.title_top(Line::from(Span::styled(format!(" {text} "), style)).right_aligned());
    }
    b
}
