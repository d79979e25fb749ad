//! The log group picker: the prefix being typed, the groups found, the ones chosen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::{fill_row, layout, put};
use crate::app::App;
use crate::app::groups::{GroupPicker, MOST_GROUPS};
use crate::model::text::clean_line;

pub fn draw(buf: &mut Buffer, body: Rect, app: &App, picker: &GroupPicker) {
    let theme = &app.look.theme;
    let area = layout::help_box(body);
    Clear.render(area, buf);
    buf.set_style(area, theme.base);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(format!(
            " Log groups to tail · {} of {MOST_GROUPS} chosen ",
            picker.chosen.len()
        ))
        .title_style(theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 4 {
        return;
    }
    let width = usize::from(inner.width.saturating_sub(2));
    let x = inner.x + 1;
    put(
        buf,
        x,
        inner.y,
        &format!("starting with: {}▏", clean_line(picker.prefix.text(), 200)),
        width,
        theme.accent,
    );
    let state = match (&picker.error, picker.loading) {
        (Some(error), _) => (clean_line(error, 500).into_owned(), theme.error),
        (None, true) => ("listing…".to_string(), theme.muted),
        (None, false) if picker.more => (
            format!(
                "the first {} groups; more start with this: type more of the name",
                picker.found.len()
            ),
            theme.warning,
        ),
        (None, false) => (format!("{} groups", picker.found.len()), theme.muted),
    };
    put(buf, x, inner.y + 1, &state.0, width, state.1);
    let list = Rect {
        y: inner.y + 2,
        height: inner.height - 3,
        ..inner
    };
    let first = (picker.cursor + 1).saturating_sub(usize::from(list.height));
    for (row, group) in picker
        .found
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(list.height))
    {
        let y = list.y + (row - first) as u16;
        let style = if row == picker.cursor {
            fill_row(buf, list, y, theme.selected);
            theme.base.patch(theme.selected)
        } else {
            theme.base
        };
        let mark = if picker.chosen.contains(group) {
            "[x]"
        } else {
            "[ ]"
        };
        put(
            buf,
            x,
            y,
            &format!("{mark} {}", clean_line(group, 512)),
            width,
            style,
        );
    }
    put(
        buf,
        x,
        inner.bottom() - 1,
        "type to narrow · ↑/↓ · Space picks · Enter tails the chosen groups · Esc cancels",
        width,
        theme.muted,
    );
}
