//! The sources screen: the health of every (account, region, service) picket reads, problems
//! first, with the message a human needs to fix each.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::text::age;
use super::{fill_row, put, section_title};
use crate::app::App;
use crate::model::health::{Health, HealthKey};

/// Health entries in display order: problems first, then by account, region, service.
pub fn ordered(app: &App) -> Vec<(&HealthKey, &Health)> {
    let mut rows: Vec<_> = app.health.iter().collect();
    rows.sort_by_key(|(key, health)| (!health.state.is_problem(), health.state, (*key).clone()));
    rows
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 3 {
        return;
    }
    let theme = &app.theme;
    let rows = ordered(app);
    section_title(buf, area, &format!("Sources · {}", rows.len()), app, true);
    let header = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    buf.set_style(header, theme.header);
    let columns: [(&str, u16); 5] = [
        ("ACCOUNT", 18),
        ("REGION", 15),
        ("SERVICE", 12),
        ("STATE", 12),
        ("LAST OK", 8),
    ];
    let mut x = area.x + 1;
    for (title, w) in columns {
        put(buf, x, header.y, title, usize::from(w), theme.header);
        x += w + 1;
    }
    put(
        buf,
        x,
        header.y,
        "WHAT TO DO",
        usize::from(area.right().saturating_sub(x)),
        theme.header,
    );
    let body = Rect {
        y: area.y + 2,
        height: area.height - 2,
        ..area
    };
    if rows.is_empty() {
        put(
            buf,
            body.x + 2,
            body.y,
            "no source has answered yet",
            usize::from(body.width.saturating_sub(2)),
            theme.muted,
        );
        return;
    }
    let page = usize::from(body.height);
    let selected = app.sources_row.min(rows.len() - 1);
    let first = (selected + 1).saturating_sub(page);
    for (n, (key, health)) in rows.iter().enumerate().skip(first).take(page) {
        let y = body.y + (n - first) as u16;
        let is_selected = n == selected;
        if is_selected {
            fill_row(buf, body, y, theme.selected);
        }
        let patch = |s: ratatui::style::Style| {
            if is_selected {
                s.patch(theme.selected)
            } else {
                s
            }
        };
        let last_ok = health
            .last_success
            .map_or_else(|| "never".to_string(), |t| age(app.now, t));
        let cells = [
            (
                app.directory.name_of(&key.account_id).to_string(),
                theme.base,
            ),
            (key.region.to_string(), theme.muted),
            (key.service.name().to_string(), theme.base),
            (
                health.state.as_str().to_string(),
                theme.health(health.state),
            ),
            (last_ok, theme.muted),
        ];
        let mut x = body.x + 1;
        for ((text, style), (_, w)) in cells.iter().zip(columns) {
            put(buf, x, y, text, usize::from(w), patch(*style));
            x += w + 1;
        }
        let message = health.message.as_deref().unwrap_or("");
        put(
            buf,
            x,
            y,
            message,
            usize::from(body.right().saturating_sub(x)),
            patch(theme.base),
        );
    }
}
