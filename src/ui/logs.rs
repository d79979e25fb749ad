//! The logs screen: the CloudTrail stream as one line per record, newest at the bottom.
//!
//! ```text
//!  CloudTrail · 1,724 events · following ─────────────────────────────
//!  TIME     ACCOUNT        REGION     EVENT             PRINCIPAL  SOURCE IP  ERROR
//!  09:29:43 prod-payments  eu-west-1  kms:DisableKey    alice      203.0.…    AccessDenied
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::thousands;
use super::{fill_row, put, section_title};
use crate::app::App;
use crate::model::LogEvent;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Time,
    Account,
    Region,
    Event,
    Principal,
    SourceIp,
    Error,
}

/// Columns and widths for a terminal `width` wide: region and source IP only when there is room;
/// event, principal and error share what the fixed columns leave.
fn columns(width: u16, dated: bool) -> Vec<(Col, &'static str, u16)> {
    let wide = width >= 110;
    let time = if dated { DATED_TIME } else { 8 };
    let mut fixed = vec![(Col::Time, "TIME", time), (Col::Account, "ACCOUNT", 16)];
    if wide {
        fixed.push((Col::Region, "REGION", 14));
    }
    let used: u16 =
        fixed.iter().map(|(_, _, w)| w + 1).sum::<u16>() + 1 + if wide { 16 } else { 0 } + 3;
    let flex = width.saturating_sub(used);
    let event = flex * 2 / 5;
    let principal = flex * 3 / 10;
    let error = flex - event - principal;
    let mut cols = fixed;
    cols.push((Col::Event, "EVENT", event));
    cols.push((Col::Principal, "PRINCIPAL", principal));
    if wide {
        cols.push((Col::SourceIp, "SOURCE IP", 15));
    }
    cols.push((Col::Error, "ERROR", error));
    cols
}

/// Width of `01-14 23:59:58`: a view that spans days says the day of each event.
const DATED_TIME: u16 = 14;

/// Whether the events shown fall on more than one day (in the clock's time zone): then each
/// line says its day, not only its time.
fn spans_days(app: &App, logs: &crate::app::logs::LogView) -> bool {
    let day = |row: usize| {
        logs.row(row)
            .map(|e| e.timestamp.to_zoned(app.look.time_zone.clone()).date())
    };
    match (day(0), day(logs.rows().saturating_sub(1))) {
        (Some(first), Some(last)) => first != last,
        _ => false,
    }
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 3 {
        return;
    }
    let theme = &app.look.theme;
    if let Some(view) = app.logs.insights() {
        return draw_insights(buf, area, app, view);
    }
    if let Some(pivot) = app.logs.pivot() {
        return draw_pivot(buf, area, app, pivot);
    }
    let logs = &app.logs.buffer;
    let state = if logs.paused {
        format!(
            "PAUSED · {} new since · Space resumes",
            thousands(logs.arrived_while_paused)
        )
    } else if logs.following() {
        "following".to_string()
    } else if app.logs.newest_first {
        "g follows".to_string()
    } else {
        "G follows".to_string()
    };
    let state = if app.logs.newest_first {
        format!("newest first · {state}")
    } else {
        state
    };
    let shown = match logs.filter() {
        Some(filter) => format!(" · {} match {}", thousands(logs.rows()), filter.as_str()),
        None => String::new(),
    };
    section_title(
        buf,
        area,
        &format!(
            "CloudTrail · {} events{shown}{} · {state}",
            thousands(logs.len()),
            short_of(app, logs)
        ),
        app,
        !logs.paused,
    );
    if logs.paused {
        let label = " PAUSED ";
        put(
            buf,
            area.right().saturating_sub(9),
            area.y,
            label,
            8,
            theme.warning,
        );
    }
    draw_events(buf, area, app, logs, "waiting for log events…");
}

/// What the buffer is short of: events still being read (a backlog over the next polls),
/// events that left it to make room.
fn short_of(app: &App, logs: &crate::app::logs::LogView) -> String {
    let mut text = String::new();
    let reading = app
        .health
        .iter()
        .filter(|(key, _)| key.service == crate::model::health::Service::CloudWatchLogs)
        .filter_map(|(_, health)| health.backlog)
        .reduce(|a, b| a + b);
    if let Some(read) = reading {
        text.push_str(&format!(
            " · {} read, more coming",
            thousands(read as usize)
        ));
    }
    // Events waiting to be merged, and events the live tail left out: the stream on screen is
    // late, or not all of it.
    if let Some((lag, _)) = app.logs.behind {
        text.push_str(&format!(" · behind by {:.1} s", lag.as_secs_f64()));
    }
    if app.logs.sampled.is_some_and(|at| {
        app.now.duration_since(at) < jiff::SignedDuration::from_secs(SAMPLED_KEPT_SECONDS)
    }) {
        text.push_str(" · sampled by the live tail (over 500 events/s)");
    }
    text.push_str(&dropped(logs));
    text
}

/// Seconds "sampled" stays in the title after the live tail last said so.
const SAMPLED_KEPT_SECONDS: i64 = 60;

/// ` · 1,234 older dropped (buffer 100,000)` once the buffer is full.
fn dropped(logs: &crate::app::logs::LogView) -> String {
    match logs.dropped() {
        0 => String::new(),
        n => format!(
            " · {} older dropped (buffer {})",
            thousands(n as usize),
            thousands(logs.capacity())
        ),
    }
}

/// A finding's activity: what it names, the window searched, how the search went.
fn draw_pivot(buf: &mut Buffer, area: Rect, app: &App, pivot: &crate::app::Pivot) {
    let request = &pivot.request;
    let state = if pivot.searching {
        "searching the CloudTrail history…".to_string()
    } else if let Some(error) = &pivot.error {
        format!("search failed: {error}")
    } else {
        let left_out = pivot.left_out.as_deref().map_or(String::new(), |l| {
            format!(" · {}", crate::model::text::clean_line(l, 512))
        });
        format!(
            "{} events{left_out}{}",
            thousands(pivot.view.len()),
            dropped(&pivot.view)
        )
    };
    let time = |t: jiff::Timestamp| {
        t.to_zoned(app.look.time_zone.clone())
            .strftime("%m-%d %H:%M")
            .to_string()
    };
    section_title(
        buf,
        area,
        &format!(
            "Activity · {state} · {} · {} {} · {}–{} · Esc: back · {}",
            request.pattern,
            app.directory.name_of(&request.account),
            request.region,
            time(request.start),
            time(request.end),
            request.title,
        ),
        app,
        false,
    );
    let empty = if pivot.searching {
        "looking…"
    } else {
        "no CloudTrail record in the window names what the finding names"
    };
    draw_events(buf, area, app, &pivot.view, empty);
}

/// A Logs Insights query: its status and bytes scanned, then its rows as a table whose columns
/// are the result fields, sized to their widest value.
fn draw_insights(buf: &mut Buffer, area: Rect, app: &App, view: &crate::app::InsightsView) {
    let theme = &app.look.theme;
    let latest = &view.latest;
    let esc = if latest.done {
        "Esc closes"
    } else {
        "Esc stops"
    };
    section_title(
        buf,
        area,
        &format!(
            "Logs Insights · {} · {} rows · {} scanned · {esc} · {}",
            latest.status,
            thousands(latest.rows.len()),
            bytes(latest.bytes_scanned),
            crate::model::text::clean_line(&view.request.query, 1024)
        ),
        app,
        false,
    );
    let mut y = area.y + 1;
    let width = usize::from(area.width.saturating_sub(2));
    if let Some(error) = &latest.error {
        let error = crate::model::text::clean_line(error, 1024);
        put(buf, area.x + 1, y, &error, width, theme.error);
        y += 1;
    }
    if let Some(left_out) = &latest.left_out
        && y < area.bottom()
    {
        let note = crate::model::text::clean_line(left_out, 1024);
        put(buf, area.x + 1, y, &note, width, theme.warning);
        y += 1;
    }
    if latest.capped() && y < area.bottom() {
        let note = format!(
            "the first {} rows: Logs Insights returns no more — narrow the query or the range",
            thousands(crate::limits::INSIGHTS_ROWS)
        );
        put(buf, area.x + 1, y, &note, width, theme.warning);
        y += 1;
    }
    let mut fields: Vec<&str> = Vec::new();
    for row in &latest.rows {
        for (field, _) in row {
            if !fields.contains(&field.as_str()) {
                fields.push(field);
            }
        }
    }
    if fields.is_empty() || y >= area.bottom() {
        return;
    }
    let widths: Vec<usize> = fields
        .iter()
        .map(|f| {
            latest
                .rows
                .iter()
                .filter_map(|row| row.iter().find(|(k, _)| k == f))
                .map(|(_, v)| v.chars().count())
                .max()
                .unwrap_or(0)
                .max(f.len())
                .min(60)
        })
        .collect();
    let header = Rect {
        y,
        height: 1,
        ..area
    };
    buf.set_style(header, theme.header);
    let mut x = area.x + 1;
    for (field, w) in fields.iter().zip(&widths) {
        x = put(buf, x, y, field, *w, theme.header).max(x + *w as u16) + 1;
    }
    y += 1;
    for row in latest.rows.iter().skip(view.scroll) {
        if y >= area.bottom() {
            break;
        }
        let mut x = area.x + 1;
        for (field, w) in fields.iter().zip(&widths) {
            let value = row
                .iter()
                .find(|(k, _)| k == field)
                .map_or("", |(_, v)| v.as_str());
            let value = crate::model::text::clean_line(value, 512);
            x = put(buf, x, y, &value, *w, theme.base).max(x + *w as u16) + 1;
            if x >= area.right() {
                break;
            }
        }
        y += 1;
    }
}

fn bytes(n: f64) -> String {
    match n {
        n if n >= 1e9 => format!("{:.1} GB", n / 1e9),
        n if n >= 1e6 => format!("{:.1} MB", n / 1e6),
        n if n >= 1e3 => format!("{:.1} kB", n / 1e3),
        n => format!("{n:.0} B"),
    }
}

/// The column header and one line per event, the selection kept in view.
fn draw_events(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    logs: &crate::app::logs::LogView,
    empty: &str,
) {
    let theme = &app.look.theme;
    let dated = spans_days(app, logs);
    let cols = columns(area.width, dated);
    let header = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    buf.set_style(header, theme.header);
    let mut x = area.x + 1;
    for (_, title, w) in &cols {
        put(buf, x, header.y, title, usize::from(*w), theme.header);
        x += w + 1;
    }

    let body = Rect {
        y: area.y + 2,
        height: area.height - 2,
        ..area
    };
    if logs.rows() == 0 {
        let empty = match logs.filter() {
            Some(filter) if !logs.is_empty() => {
                format!(
                    "no event matches {} — / Enter on an empty line shows all",
                    filter.as_str()
                )
            }
            _ => empty.to_string(),
        };
        put(
            buf,
            body.x + 2,
            body.y,
            &empty,
            usize::from(body.width.saturating_sub(2)),
            theme.muted,
        );
        return;
    }
    let page = usize::from(body.height);
    let selected = logs.selected_index().unwrap_or(0);
    // With a filter on, the cells holding what it matched stand out.
    let mark = logs.filter().and_then(|p| p.highlight());
    // While following, the newest line sits at the bottom (at the top, newest first);
    // otherwise the selection stays in view. Lines are counted in the order shown.
    let rows = logs.rows();
    let shown = |line: usize| {
        if app.logs.newest_first {
            rows - 1 - line
        } else {
            line
        }
    };
    let selected_line = shown(selected.min(rows - 1));
    let first = (selected_line + 1).saturating_sub(page);
    for (row, event) in (first..rows)
        .take(page)
        .filter_map(|line| logs.row(shown(line)))
        .enumerate()
    {
        let y = body.y + row as u16;
        let is_selected = first + row == selected_line && !logs.following();
        if is_selected {
            fill_row(buf, body, y, theme.selected);
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
            (is_selected, dated),
            mark.as_deref(),
        );
    }
}

fn draw_event(
    buf: &mut Buffer,
    row: Rect,
    event: &LogEvent,
    app: &App,
    cols: &[(Col, &str, u16)],
    (selected, dated): (bool, bool),
    mark: Option<&str>,
) {
    let theme = &app.look.theme;
    let patch = |s: Style| if selected { s.patch(theme.selected) } else { s };
    let marked = |text: &str, s: Style| match mark {
        Some(m) if text.contains(m) => s.patch(theme.json.search_match),
        _ => s,
    };
    let time = event
        .timestamp
        .to_zoned(app.look.time_zone.clone())
        .strftime(if dated { "%m-%d %H:%M:%S" } else { "%H:%M:%S" })
        .to_string();
    let time_width = if dated { DATED_TIME } else { 8 };
    let account = app.directory.name_of(&event.account_id);
    let mut x = row.x + 1;
    let Some(trail) = &event.trail else {
        // Not CloudTrail: time, stream, the message on one line.
        x = put(
            buf,
            x,
            row.y,
            &time,
            usize::from(time_width),
            patch(theme.muted),
        ) + 1;
        x = put(buf, x, row.y, &event.stream, 28, patch(theme.muted)).max(x) + 1;
        let message = event.message.display_line(512);
        put(
            buf,
            x,
            row.y,
            &message,
            usize::from(row.right().saturating_sub(x)),
            patch(marked(&message, theme.base)),
        );
        return;
    };
    let action = trail.action();
    let principal = trail.principal();
    super::masking::learn(|mask| mask.learn_principal(principal));
    for (col, _, w) in cols {
        let (text, style): (&str, Style) = match col {
            Col::Time => (&time, theme.muted),
            Col::Account => (account, theme.base),
            Col::Region => (
                trail.aws_region.as_deref().unwrap_or(&event.region),
                theme.muted,
            ),
            Col::Event => (
                &action,
                if trail.read_only == Some(false) {
                    theme.accent
                } else {
                    theme.base
                },
            ),
            Col::Principal => (
                principal,
                if principal == "root" {
                    theme.warning
                } else {
                    theme.base
                },
            ),
            Col::SourceIp => (trail.source_ip.as_deref().unwrap_or(""), theme.muted),
            Col::Error => (
                trail
                    .error_code
                    .as_deref()
                    .or(trail.error_message.as_deref())
                    .unwrap_or(""),
                theme.error,
            ),
        };
        put(
            buf,
            x,
            row.y,
            text,
            usize::from(*w),
            patch(marked(text, style)),
        );
        x += w + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_the_width() {
        for width in [60u16, 80, 100, 110, 120, 200] {
            for dated in [false, true] {
                let used: u16 = columns(width, dated)
                    .iter()
                    .map(|(_, _, w)| w + 1)
                    .sum::<u16>()
                    + 1;
                assert!(used <= width, "width {width}: {used}");
            }
        }
        assert!(
            columns(120, false)
                .iter()
                .any(|(c, _, _)| *c == Col::SourceIp)
        );
        assert!(!columns(80, false).iter().any(|(c, _, _)| *c == Col::Region));
    }
}
