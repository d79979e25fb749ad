//! The findings table: the header with the sort column marked, then only the visible rows (the
//! plain queue, or the incidents view's lines).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::put;
use super::rows::{Column, Content, MARKER, columns, finding_row};
use crate::app::App;
use crate::store::SortKey;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 2 || area.width < 10 {
        return;
    }
    let theme = &app.look.theme;
    let cols = columns(area.width, &Content::of(app), app.findings.wide);
    let table = &app.findings.table;

    // Header, with the sort column marked.
    let header = Rect { height: 1, ..area };
    buf.set_style(header, theme.header);
    let mut x = area.x + MARKER;
    let sorted = match table.sort {
        SortKey::Severity => Column::Severity,
        SortKey::LastSeen => Column::Age,
        SortKey::Account => Column::Account,
        SortKey::Type => Column::Type,
        SortKey::Sla => Column::Sla,
    };
    for (column, title, w) in &cols {
        let label = if *column == sorted {
            let natural_desc = matches!(table.sort, SortKey::Severity | SortKey::LastSeen);
            format!(
                "{title}{}",
                if natural_desc != table.reverse {
                    "↓"
                } else {
                    "↑"
                }
            )
        } else {
            title.to_string()
        };
        put(buf, x, area.y, &label, usize::from(*w), theme.header);
        x += w + 1;
    }

    // Findings that arrived above the visible top while the cursor was further down.
    let offset_hint = table.offset.min(table.selected);
    if table.newer > 0 && offset_hint > 0 {
        let text = format!(" ▲ {} newer · g ", super::text::thousands(table.newer));
        let w = super::text::width(&text) as u16;
        if w + 20 < area.width {
            put(
                buf,
                area.right() - w,
                area.y,
                &text,
                usize::from(w),
                theme.header.patch(theme.unseen),
            );
        }
    }

    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let page = usize::from(body.height);
    if table.is_empty() {
        if app.store.is_empty()
            && super::guide::draw(buf, body, app, &crate::app::readiness::Readiness::of(app))
        {
            return;
        }
        let message = if app.store.is_empty() {
            "waiting for the first findings…".to_string()
        } else {
            format!(
                "no finding matches '{}' — x clears the filter",
                table.filter_text
            )
        };
        put(
            buf,
            body.x + 2,
            body.y + 1.min(body.height - 1),
            &message,
            usize::from(body.width - 2),
            theme.muted,
        );
        return;
    }
    // The stored offset is a hint; the selected row is always on screen.
    let offset = table
        .offset
        .min(table.selected)
        .max((table.selected + 1).saturating_sub(page));
    if table.incidents.active() {
        super::incidents::draw(buf, body, app, &cols, offset);
        return;
    }
    for (row, &ix) in table.rows.iter().skip(offset).take(page).enumerate() {
        let y = body.y + row as u16;
        finding_row(buf, body, y, app, &cols, ix, offset + row == table.selected);
    }
}
