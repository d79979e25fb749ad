//! Drawing: a pure function of the app state onto a ratatui frame.

mod act;
mod detail;
mod findings;
mod groups;
mod guide;
pub mod help;
mod incidents;
pub mod inert;
pub mod links;
mod logs;
pub(crate) mod masking;
mod overview;
mod posture;
mod rows;
mod sources;
mod status;
pub mod text;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::layout;
use ratatui::style::Style;

use crate::app::{App, Screen, Tab};

/// Draws the whole screen (in presenter mode, with identifiers masked).
pub fn draw(frame: &mut Frame, app: &App) {
    masking::drawing(app, || draw_frame(frame, app));
}

fn draw_frame(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let parts = layout::frame(area);
    let buf = frame.buffer_mut();
    buf.set_style(area, app.look.theme.base);
    status::tabs(buf, parts.tabs, app);
    match app.stack.last() {
        Some(Screen::Detail(detail)) => detail::draw_finding(buf, parts.body, app, detail),
        Some(Screen::Record(record)) => detail::draw_record(buf, parts.body, app, record),
        None => match app.tab {
            Tab::Overview => overview::draw(buf, parts.body, app),
            Tab::Findings => findings::draw(buf, parts.body, app),
            Tab::Logs => logs::draw(buf, parts.body, app),
            Tab::Sources => sources::draw(buf, parts.body, app),
            Tab::Posture => posture::draw(buf, parts.body, app),
        },
    }
    match &app.modal {
        Some(crate::app::Modal::Help { .. }) => help::draw(buf, parts.body, app),
        Some(crate::app::Modal::Action(flow)) => act::draw(buf, parts.body, app, flow),
        Some(crate::app::Modal::Groups(picker)) => groups::draw(buf, parts.body, app, picker),
        Some(crate::app::Modal::Text {
            title,
            lines,
            scroll,
        }) => help::draw_text(buf, parts.body, app, title, lines, *scroll),
        _ => {}
    }
    let cursor = status::bottom(buf, parts.status, app);
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}

/// Writes `text` at (x, y), cut to `width` columns; returns the column after it.
pub(crate) fn put(buf: &mut Buffer, x: u16, y: u16, text: &str, width: usize, style: Style) -> u16 {
    if width == 0 {
        return x;
    }
    let text = masking::shown(text);
    let fitted = text::fit(&text, width);
    let (end, _) = buf.set_stringn(x, y, fitted.as_ref(), width, style);
    end
}

/// Where a value too wide for its cell loses characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// At the end (`Unauthorized network acc…`): titles, names.
    End,
    /// In the middle (`Unauth…SSHBruteForce`): finding types.
    Middle,
    /// At the start (`…AdminRole/carol-ops`): ids and ARNs.
    Start,
}

/// [`put`], cutting a value too wide where `cut` says.
pub(crate) fn put_cut(
    buf: &mut Buffer,
    (x, y): (u16, u16),
    text: &str,
    width: usize,
    style: Style,
    cut: Cut,
) -> u16 {
    if width == 0 {
        return x;
    }
    let text = masking::shown(text);
    let fitted = match cut {
        Cut::End => text::fit(&text, width),
        Cut::Middle => text::fit_middle(&text, width),
        Cut::Start => text::fit_tail(&text, width),
    };
    let (end, _) = buf.set_stringn(x, y, fitted.as_ref(), width, style);
    end
}

/// Starts a table row: paints the selection highlight when it is selected, and gives the
/// style every cell of it is drawn in (the cell's own, under the highlight).
pub(crate) fn table_row<'a>(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    theme: &'a crate::theme::Theme,
    selected: bool,
) -> impl Fn(ratatui::style::Style) -> ratatui::style::Style + 'a {
    if selected {
        fill_row(buf, area, y, theme.selected);
    }
    move |style| {
        if selected {
            style.patch(theme.selected)
        } else {
            style
        }
    }
}

/// Paints row `y` of `area` (the selection highlight).
pub(crate) fn fill_row(buf: &mut Buffer, area: Rect, y: u16, style: Style) {
    buf.set_style(
        Rect {
            y,
            height: 1,
            ..area
        },
        style,
    );
}

/// A one-row section title: ` Title ─────` across `area`'s top row.
pub(crate) fn section_title(buf: &mut Buffer, area: Rect, title: &str, app: &App, focused: bool) {
    if area.height == 0 {
        return;
    }
    let style = if focused {
        app.look.theme.title
    } else {
        app.look.theme.muted
    };
    let end = put(
        buf,
        area.x,
        area.y,
        &format!(" {title} "),
        usize::from(area.width),
        style,
    );
    let rest = area.right().saturating_sub(end);
    if rest > 0 {
        buf.set_stringn(
            end,
            area.y,
            "─".repeat(usize::from(rest)),
            usize::from(rest),
            app.look.theme.border,
        );
    }
}

/// Word-wrapped lines of at most `width` characters; a word longer than a line is cut. Linear
/// in the text: a plan's parameters can be one "word" of a hundred thousand ids.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    // Masked before it is cut into lines: a stand-in is never half of a real value.
    let text = &*masking::shown(text);
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    // Characters in `line`.
    let mut used = 0;
    for mut word in text.split(' ') {
        loop {
            let gap = usize::from(used > 0);
            // The word fits when it has no character past the room left.
            let fits = width
                .checked_sub(used + gap)
                .is_some_and(|room| word.chars().nth(room).is_none());
            if fits {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(word);
                used += gap + word.chars().count();
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
                continue;
            }
            // Alone on the line and still too long: cut it.
            let at = word
                .char_indices()
                .nth(width)
                .map_or(word.len(), |(i, _)| i);
            lines.push(word[..at].to_string());
            word = &word[at..];
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
