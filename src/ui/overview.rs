//! The overview: severity × account heat table, last-hour sparkline, top types, source health.
//!
//! ```text
//! ┌ Open findings by account ──────────┐┌ New findings, last hour ──────┐
//! │ ACCOUNT        CRIT HIGH MED LOW … ││ ▁▂▁▃▅▂▁▁▂▇                     │
//! │ Production                         │├ Top finding types ─────────────┤
//! │  prod-web ⚑       1    4  12   9   ││  12 ▲ Recon:EC2/PortProbe…     │
//! └────────────────────────────────────┘└────────────────────────────────┘
//!  Sources ● 70 ok ◌ 1 not enabled · last update 3s ago
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Sparkline, Widget};

use super::text::{age, thousands, width};
use super::{put, section_title};
use crate::app::App;
use crate::app::stats::AccountRow;
use crate::model::SeverityLabel;

const NAME_WIDTH: u16 = 18;
const CELL: u16 = 5;
/// Name, five severities, total.
const HEAT_WIDTH: u16 = NAME_WIDTH + CELL * 6 + 1;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 4 {
        return;
    }
    let health_row = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };
    let main = Rect {
        height: area.height - 1,
        ..area
    };
    let (heat, side) = if main.width >= HEAT_WIDTH + 30 {
        (
            Rect {
                width: HEAT_WIDTH + 1,
                ..main
            },
            Rect {
                x: main.x + HEAT_WIDTH + 2,
                width: main.width - HEAT_WIDTH - 2,
                ..main
            },
        )
    } else {
        let top = main.height / 2;
        (
            Rect {
                height: top,
                ..main
            },
            Rect {
                y: main.y + top,
                height: main.height - top,
                ..main
            },
        )
    };
    heat_table(buf, heat, app);
    let spark_height = 4.min(side.height);
    sparkline(
        buf,
        Rect {
            height: spark_height,
            ..side
        },
        app,
    );
    top_types(
        buf,
        Rect {
            y: side.y + spark_height,
            height: side.height - spark_height,
            ..side
        },
        app,
    );
    health_line(buf, health_row, app);
}

fn heat_table(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.theme;
    let stats = &app.stats;
    section_title(
        buf,
        area,
        &format!("Open findings by account · {}", thousands(stats.active)),
        app,
        true,
    );
    if area.height < 3 {
        return;
    }
    let y = area.y + 1;
    let mut x = put(
        buf,
        area.x + 1,
        y,
        "ACCOUNT",
        usize::from(NAME_WIDTH),
        theme.header,
    );
    x = x.max(area.x + 1 + NAME_WIDTH);
    for label in SeverityLabel::ALL {
        let sev = theme.severity(label);
        x = put(
            buf,
            x,
            y,
            &format!("{:>5}", label.short()),
            usize::from(CELL),
            sev.style,
        );
    }
    put(
        buf,
        x,
        y,
        &format!("{:>5}", "ALL"),
        usize::from(CELL),
        theme.header,
    );

    // Rows: an OU heading before each OU's accounts.
    let mut lines: Vec<Option<(usize, &AccountRow)>> = Vec::new();
    let mut last_ou: Option<&str> = None;
    for (i, row) in stats.accounts.iter().enumerate() {
        if last_ou != Some(row.ou_path.as_str()) {
            lines.push(None);
            last_ou = Some(row.ou_path.as_str());
        }
        lines.push(Some((i, row)));
    }
    let body = Rect {
        y: area.y + 2,
        height: area.height.saturating_sub(3),
        ..area
    };
    let page = usize::from(body.height);
    let selected_line = lines
        .iter()
        .position(|l| l.is_some_and(|(i, _)| i == app.overview_row))
        .unwrap_or(0);
    let offset = selected_line.saturating_sub(page.saturating_sub(1));
    let max_counts: [u32; 5] = std::array::from_fn(|r| {
        stats
            .accounts
            .iter()
            .map(|a| a.counts[r])
            .max()
            .unwrap_or(0)
    });
    for (n, line) in lines.iter().skip(offset).take(page).enumerate() {
        let y = body.y + n as u16;
        match line {
            None => {
                let ou = lines
                    .get(offset + n + 1)
                    .and_then(|l| l.map(|(_, r)| r.ou_path.as_str()))
                    .unwrap_or("");
                let ou = if ou.is_empty() { "(root)" } else { ou };
                put(
                    buf,
                    area.x + 1,
                    y,
                    ou,
                    usize::from(area.width.saturating_sub(2)),
                    theme.muted,
                );
            }
            Some((i, row)) => {
                let selected = *i == app.overview_row;
                let row_area = Rect {
                    y,
                    height: 1,
                    ..body
                };
                if selected {
                    buf.set_style(row_area, theme.selected);
                }
                let patch =
                    |s: ratatui::style::Style| if selected { s.patch(theme.selected) } else { s };
                let badge = if row.production { " ⚑" } else { "" };
                let name_style = if row.production {
                    theme.production
                } else {
                    theme.base
                };
                let name = format!("{}{badge}", row.name);
                put(
                    buf,
                    area.x + 2,
                    y,
                    &name,
                    usize::from(NAME_WIDTH - 1),
                    patch(name_style),
                );
                let mut x = area.x + 1 + NAME_WIDTH;
                for (r, count) in row.counts.iter().enumerate() {
                    let sev = theme.severity(SeverityLabel::ALL[r]);
                    let (text, mut style) = if *count == 0 {
                        ("·".to_string(), theme.muted)
                    } else {
                        (count.to_string(), sev.style)
                    };
                    // The hottest cell of each column stands out.
                    if *count > 0 && *count == max_counts[r] {
                        style = style.add_modifier(
                            ratatui::style::Modifier::BOLD | ratatui::style::Modifier::UNDERLINED,
                        );
                    }
                    x = put(
                        buf,
                        x,
                        y,
                        &format!("{text:>5}"),
                        usize::from(CELL),
                        patch(style),
                    );
                }
                put(
                    buf,
                    x,
                    y,
                    &format!("{:>5}", row.total()),
                    usize::from(CELL),
                    patch(theme.base),
                );
            }
        }
    }
    let totals_y = area.bottom() - 1;
    if totals_y > area.y + 2 {
        put(
            buf,
            area.x + 1,
            totals_y,
            "all accounts",
            usize::from(NAME_WIDTH),
            theme.header,
        );
        let mut x = area.x + 1 + NAME_WIDTH;
        for (r, count) in stats.totals.iter().enumerate() {
            let sev = theme.severity(SeverityLabel::ALL[r]);
            x = put(
                buf,
                x,
                totals_y,
                &format!("{count:>5}"),
                usize::from(CELL),
                sev.style,
            );
        }
        put(
            buf,
            x,
            totals_y,
            &format!("{:>5}", stats.active),
            usize::from(CELL),
            theme.header,
        );
    }
}

fn sparkline(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let stats = &app.stats;
    section_title(
        buf,
        area,
        &format!("New findings, last hour · {}", stats.new_last_hour),
        app,
        true,
    );
    if area.height < 2 {
        return;
    }
    let chart = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height - 1,
    };
    // The most recent minutes are the ones that fit.
    let take = usize::from(chart.width).min(stats.new_per_minute.len());
    let data = &stats.new_per_minute[stats.new_per_minute.len() - take..];
    Sparkline::default()
        .data(data)
        .style(app.theme.sparkline)
        .render(chart, buf);
}

fn top_types(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let theme = &app.theme;
    section_title(buf, area, "Top finding types", app, true);
    let types = &app.stats.top_types;
    let max = types.iter().map(|t| t.1).max().unwrap_or(1).max(1);
    for (n, (name, count, sev)) in types
        .iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        let y = area.y + 1 + n as u16;
        let style = theme.severity(*sev);
        let mut x = put(buf, area.x + 1, y, &format!("{count:>5} "), 6, theme.base);
        x = put(buf, x, y, &format!("{} ", style.symbol), 2, style.style);
        let bar_room = 8u16.min(area.width / 5);
        let bar = (u32::from(bar_room) * count).div_ceil(max) as usize;
        x = put(
            buf,
            x,
            y,
            &"▇".repeat(bar),
            usize::from(bar_room),
            theme.bar,
        );
        x = x.max(area.x + 1 + 6 + 2 + bar_room) + 1;
        put(
            buf,
            x,
            y,
            name,
            usize::from(area.right().saturating_sub(x)),
            theme.base,
        );
    }
}

fn health_line(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.theme;
    let mut x = put(buf, area.x + 1, area.y, "Sources ", 8, theme.header);
    let summary = super::status::health_summary(app);
    if summary.is_empty() {
        put(
            buf,
            x,
            area.y,
            "no source has answered yet",
            usize::from(area.right().saturating_sub(x)),
            theme.muted,
        );
        return;
    }
    for (text, state) in summary {
        let style = if state.is_problem() {
            theme.warning
        } else if state == crate::model::health::HealthState::Ok {
            theme.ok
        } else {
            theme.muted
        };
        x = put(
            buf,
            x,
            area.y,
            &format!("{text}  "),
            width(&text) + 2,
            style,
        );
    }
    // Name the first problem, so the analyst knows where to look.
    let problem = app
        .health
        .iter()
        .find(|(_, h)| h.state != crate::model::health::HealthState::Ok);
    let mut detail = String::new();
    if let Some((key, health)) = problem {
        let account = app.directory.name_of(&key.account_id);
        let message = health.message.as_deref().unwrap_or(health.state.as_str());
        detail = format!(
            "· {account} {} {}: {message} ",
            key.region,
            key.service.name()
        );
    }
    if let Some(at) = app.last_batch {
        detail.push_str(&format!("· updated {} ago", age(app.now, at)));
    }
    put(
        buf,
        x,
        area.y,
        &detail,
        usize::from(area.right().saturating_sub(x)),
        theme.muted,
    );
}
