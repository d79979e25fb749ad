//! The help overlay: the text [`crate::app::help`] generates, in a scrolling box.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Widget};

use super::put;
pub use crate::app::help::keymap_text;
use crate::app::help::lines;
use crate::app::{App, layout};

pub fn draw(buf: &mut Buffer, body: Rect, app: &App) {
    let area = layout::help_box(body);
    let scroll = match app.modal {
        Some(crate::app::Modal::Help { scroll }) => scroll,
        _ => 0,
    };
    Clear.render(area, buf);
    buf.set_style(area, app.look.theme.base);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.look.theme.border)
        .title(" Keys · symbols · filter · Esc closes · j/k scroll ")
        .title_style(app.look.theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    let lines = lines(app);
    let page = usize::from(inner.height);
    let scroll = scroll.min(lines.len().saturating_sub(page));
    for (n, (text, heading)) in lines.iter().skip(scroll).take(page).enumerate() {
        let style = if *heading {
            app.look.theme.header
        } else {
            app.look.theme.base
        };
        put(
            buf,
            inner.x + 1,
            inner.y + n as u16,
            text,
            usize::from(inner.width.saturating_sub(2)),
            style,
        );
    }
}

/// A text overlay (`Modal::Text`): its lines, wrapped, scrolled as the help is.
pub fn draw_text(
    buf: &mut Buffer,
    body: Rect,
    app: &App,
    title: &str,
    text: &[String],
    scroll: usize,
) {
    let area = layout::help_box(body);
    Clear.render(area, buf);
    buf.set_style(area, app.look.theme.base);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.look.theme.border)
        .title(format!(" {title} · Esc closes · j/k scroll "))
        .title_style(app.look.theme.title);
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width.saturating_sub(2)).max(10);
    let lines: Vec<&String> = text.iter().collect();
    let wrapped: Vec<(String, bool)> = lines
        .iter()
        .flat_map(|line| {
            let comment = line.starts_with('#');
            super::wrap(line, width)
                .into_iter()
                .map(move |part| (part, comment))
        })
        .collect();
    let page = usize::from(inner.height);
    let scroll = scroll.min(wrapped.len().saturating_sub(page));
    for (n, (part, comment)) in wrapped.iter().skip(scroll).take(page).enumerate() {
        let style = if *comment {
            app.look.theme.muted
        } else {
            app.look.theme.base
        };
        put(buf, inner.x + 1, inner.y + n as u16, part, width, style);
    }
}
