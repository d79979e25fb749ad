//! The logs screen: the CloudTrail stream as one line per record, newest at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::put;
use super::text::{thousands, width};
use crate::app::App;
use crate::model::LogEvent;

const TIME: u16 = 8;
const ACCOUNT: u16 = 14;
const REGION: u16 = 14;
const ACTION: u16 = 34;
const PRINCIPAL: u16 = 22;
const SOURCE_IP: u16 = 15;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 2 {
        return;
    }
    let theme = &app.theme;
    let logs = &app.logs;
    let header = Rect { height: 1, ..area };
    buf.set_style(header, theme.header);
    let wide = area.width >= 120;
    let mut x = area.x + 1;
    let mut cols: Vec<(&str, u16)> = vec![("TIME", TIME), ("ACCOUNT", ACCOUNT)];
    if wide {
        cols.push(("REGION", REGION));
    }
    cols.extend([("EVENT", ACTION), ("PRINCIPAL", PRINCIPAL)]);
    if wide {
        cols.push(("SOURCE IP", SOURCE_IP));
    }
    for (title, w) in &cols {
        x = put(buf, x, area.y, title, usize::from(*w), theme.header).max(x + w) + 1;
    }
    put(
        buf,
        x,
        area.y,
        "ERROR",
        usize::from(area.right().saturating_sub(x)),
        theme.header,
    );

    let state = if logs.paused {
        format!(
            " PAUSED · {} new · {} events ",
            thousands(logs.arrived_while_paused),
            thousands(logs.len())
        )
    } else if logs.following() {
        format!(" following · {} events ", thousands(logs.len()))
    } else {
        format!(" {} events · G follows ", thousands(logs.len()))
    };
    let style = if logs.paused {
        theme.warning
    } else {
        theme.muted
    };
    let w = width(&state) as u16;
    if w < area.width / 2 {
        put(buf, area.right() - w, area.y, &state, usize::from(w), style);
    }

    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    if logs.is_empty() {
        put(
            buf,
            body.x + 2,
            body.y + 1.min(body.height - 1),
            "waiting for log events…",
            usize::from(body.width.saturating_sub(2)),
            theme.muted,
        );
        return;
    }
    let page = usize::from(body.height);
    let selected = logs.selected_index().unwrap_or(0);
    // The selected line sits at the bottom while following, anywhere on screen otherwise.
    let first = (selected + 1).saturating_sub(page);
    for (row, event) in logs.events().iter().skip(first).take(page).enumerate() {
        let y = body.y + row as u16;
        let is_selected = first + row == selected && !logs.following();
        if is_selected {
            buf.set_style(
                Rect {
                    y,
                    height: 1,
                    ..body
                },
                theme.selected,
            );
        }
        draw_event(
            buf,
            Rect {
                y,
                height: 1,
                ..body
            },
            event,
            app,
            &cols,
            is_selected,
        );
    }
}

fn draw_event(
    buf: &mut Buffer,
    row: Rect,
    event: &LogEvent,
    app: &App,
    cols: &[(&str, u16)],
    selected: bool,
) {
    let theme = &app.theme;
    let patch = |s: ratatui::style::Style| if selected { s.patch(theme.selected) } else { s };
    let time = event
        .timestamp
        .to_zoned(app.time_zone.clone())
        .strftime("%H:%M:%S")
        .to_string();
    let mut x = row.x + 1;
    let account = app.directory.name_of(&event.account_id);
    let Some(trail) = &event.trail else {
        x = put(buf, x, row.y, &time, usize::from(TIME), patch(theme.muted)) + 1;
        x = put(buf, x, row.y, &event.stream, 28, patch(theme.muted)).max(x) + 1;
        let message = event.message.display_line(512);
        put(
            buf,
            x,
            row.y,
            &message,
            usize::from(row.right().saturating_sub(x)),
            patch(theme.base),
        );
        return;
    };
    let error = trail.error_code.as_deref().unwrap_or("");
    let action = trail.action();
    let principal = trail.principal();
    let source_ip = trail.source_ip.as_deref().unwrap_or("");
    let region = trail.aws_region.as_deref().unwrap_or(&event.region);
    for (title, w) in cols {
        let (text, style) = match *title {
            "TIME" => (time.as_str(), theme.muted),
            "ACCOUNT" => (account, theme.base),
            "REGION" => (region, theme.muted),
            "EVENT" => (
                action.as_str(),
                if trail.read_only == Some(false) {
                    theme.accent
                } else {
                    theme.base
                },
            ),
            "PRINCIPAL" => (
                principal,
                if principal == "root" {
                    theme.warning
                } else {
                    theme.base
                },
            ),
            _ => (source_ip, theme.muted),
        };
        put(buf, x, row.y, text, usize::from(*w), patch(style));
        x += w + 1;
    }
    put(
        buf,
        x,
        row.y,
        error,
        usize::from(row.right().saturating_sub(x)),
        patch(theme.error),
    );
}
