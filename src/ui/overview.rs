//! The overview: severity × account heat table, last-hour sparkline, top types, the newest
//! findings and one line of source health.
//!
//! ```text
//!  Open findings by account ─────────  New findings, last hour ───────────
//!  ACCOUNT        CRIT HIGH  MED …      ▁▂▁▃▅▂▁▁▂▇
//!  Production                          Top finding types ─────────────────
//!   prod-web ⚑       1    4   12        12 ▲ ▇▇▇▇ Recon:EC2/PortProbe…
//!  Latest findings ──────────────────
//!   2m ▲ prod-web  Backdoor:EC2/…
//!  Sources ● 70 ok ◌ 1 not enabled · last update <1m ago
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Sparkline, Widget};

use super::text::{age, thousands, width};
use super::{Cut, fill_row, put, put_cut, section_title};
use crate::app::App;
use crate::app::stats::HeatLine;
use crate::model::SeverityLabel;
use crate::model::health::HealthState;

const NAME_WIDTH: u16 = 18;
const CELL: u16 = 5;
/// Name, five severities, total, and past SLA where there is room.
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
    // Nothing held: say why instead of drawing empty grids.
    if app.store.is_empty()
        && super::guide::draw(buf, main, app, &crate::app::readiness::Readiness::of(app))
    {
        health_line(buf, health_row, app);
        return;
    }
    let lines = app.stats.heat_lines();
    // Title, header, one line per OU and account, totals.
    let heat_needed = (lines.len().max(1) as u16 + 2).min(main.height);
    if main.width >= HEAT_WIDTH + 30 {
        // The past-SLA column where the right side keeps its room.
        let heat_width = if main.width >= HEAT_WIDTH + CELL + 60 {
            HEAT_WIDTH + CELL
        } else {
            HEAT_WIDTH
        };
        let left = Rect {
            width: heat_width + 1,
            ..main
        };
        let right = Rect {
            x: main.x + heat_width + 2,
            width: main.width - heat_width - 2,
            ..main
        };
        heat_table(
            buf,
            Rect {
                height: heat_needed,
                ..left
            },
            app,
            &lines,
        );
        let rest = Rect {
            y: left.y + heat_needed,
            height: left.height - heat_needed,
            ..left
        };
        if rest.height >= 4 {
            latest(
                buf,
                Rect {
                    y: rest.y + 1,
                    height: rest.height - 1,
                    ..rest
                },
                app,
            );
        }
        let spark_height = (right.height / 4).clamp(4, 8).min(right.height);
        sparkline(
            buf,
            Rect {
                height: spark_height,
                ..right
            },
            app,
        );
        top_types(
            buf,
            Rect {
                y: right.y + spark_height + 1,
                height: right.height.saturating_sub(spark_height + 1),
                ..right
            },
            app,
        );
    } else {
        let top = heat_needed.min(main.height / 2 + 2).min(main.height);
        heat_table(
            buf,
            Rect {
                height: top,
                ..main
            },
            app,
            &lines,
        );
        let rest = Rect {
            y: main.y + top,
            height: main.height - top,
            ..main
        };
        let spark_height = 4.min(rest.height);
        sparkline(
            buf,
            Rect {
                height: spark_height,
                ..rest
            },
            app,
        );
        top_types(
            buf,
            Rect {
                y: rest.y + spark_height,
                height: rest.height - spark_height,
                ..rest
            },
            app,
        );
    }
    health_line(buf, health_row, app);
}

/// A count in four characters at most, so a five-wide cell keeps a space before it:
/// `9999`, `340k`, `1.2M`, `12M`.
fn compact(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{}k", n / 1_000),
        1_000_000..=9_999_999 => format!("{:.1}M", n as f64 / 1e6),
        10_000_000..=999_999_999 => format!("{}M", n / 1_000_000),
        _ => format!("{}G", n / 1_000_000_000),
    }
}

/// Said beside the counts when they are the service's, not the queue's: while the queue
/// fills, or when picket reads only a scope of the organization.
fn server_mark(app: &App) -> String {
    match &app.stats.server {
        Some(server) => format!(
            " · server counts, {} as of {}",
            match server.service {
                crate::model::health::Service::GuardDuty => "GuardDuty",
                _ => "Security Hub",
            },
            crate::ui::text::clock(server.at, &app.look.time_zone)
        ),
        None => String::new(),
    }
}

fn heat_table(buf: &mut Buffer, area: Rect, app: &App, lines: &[HeatLine]) {
    let theme = &app.look.theme;
    let stats = &app.stats;
    section_title(
        buf,
        area,
        &format!(
            "Open findings by account · {}{}{}",
            thousands(stats.active),
            if stats.breached > 0 {
                format!(" · {} past SLA", thousands(stats.breached as usize))
            } else {
                String::new()
            },
            server_mark(app)
        ),
        app,
        true,
    );
    if area.height < 4 {
        return;
    }
    let y = area.y + 1;
    put(
        buf,
        area.x + 1,
        y,
        "ACCOUNT",
        usize::from(NAME_WIDTH),
        theme.header,
    );
    let mut x = area.x + 1 + NAME_WIDTH;
    for label in SeverityLabel::ALL {
        x = put(
            buf,
            x,
            y,
            &format!("{:>5}", label.short()),
            usize::from(CELL),
            theme.severity(label).style,
        );
    }
    let x = put(
        buf,
        x,
        y,
        &format!("{:>5}", "ALL"),
        usize::from(CELL),
        theme.header,
    );
    let late_column = area.width > HEAT_WIDTH + CELL;
    if late_column {
        put(buf, x, y, "  SLA!", usize::from(CELL + 1), theme.header);
    }

    let body = Rect {
        y: area.y + 2,
        height: area.height - 3,
        ..area
    };
    let page = usize::from(body.height);
    let cursor = app.overview.line_index(lines, &stats.accounts);
    // The OU headings and accounts scroll; the totals keep the last row.
    let body_lines = &lines[..lines.len().saturating_sub(1)];
    let offset = (cursor.min(body_lines.len().saturating_sub(1)) + 1).saturating_sub(page);
    let hottest: [u32; 5] = std::array::from_fn(|r| {
        stats
            .accounts
            .iter()
            .map(|a| a.counts[r])
            .max()
            .unwrap_or(0)
    });
    let column = app.overview.column;
    for (n, line) in body_lines.iter().enumerate().skip(offset).take(page) {
        let y = body.y + (n - offset) as u16;
        let selected = n == cursor;
        if selected {
            fill_row(buf, body, y, theme.selected);
        }
        let patch = |s: Style| if selected { s.patch(theme.selected) } else { s };
        let cells = HeatCells {
            y,
            selected: column.filter(|_| selected),
            zero: "·",
            theme,
        };
        match *line {
            HeatLine::Ou {
                first,
                counts,
                breached,
            } => {
                let ou = stats.accounts.get(first).map_or("", |a| a.ou_path.as_str());
                let label = if ou.is_empty() {
                    "(root)".into()
                } else {
                    super::masking::ou_path(ou)
                };
                // A long path keeps its end: the OU itself.
                let room = usize::from(NAME_WIDTH - 1);
                put_cut(
                    buf,
                    (area.x + 1, y),
                    &path_tail(&label, room),
                    room,
                    patch(theme.muted),
                    Cut::Start,
                );
                let x = cells.counts(buf, area.x + 1 + NAME_WIDTH, &counts, &|_, _| {
                    patch(theme.muted)
                });
                let total: u32 = counts.iter().sum();
                let x = put(
                    buf,
                    x,
                    y,
                    &format!("{:>5}", compact(u64::from(total))),
                    usize::from(CELL),
                    patch(theme.muted),
                );
                if late_column {
                    late_cell(buf, x, y, breached, theme, &patch);
                }
            }
            HeatLine::Account(i) => {
                let Some(row) = stats.accounts.get(i) else {
                    continue;
                };
                let (name, style) = if row.production {
                    (format!("{} ⚑", row.name), theme.production)
                } else {
                    (row.name.clone(), theme.base)
                };
                put(
                    buf,
                    area.x + 2,
                    y,
                    &name,
                    usize::from(NAME_WIDTH - 1),
                    patch(style),
                );
                let x = cells.counts(buf, area.x + 1 + NAME_WIDTH, &row.counts, &|r, count| {
                    let mut style = if count == 0 {
                        theme.muted
                    } else {
                        theme.severity(SeverityLabel::ALL[r]).style
                    };
                    // The hottest cell of each column stands out.
                    if count > 0 && count == hottest[r] {
                        style = style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
                    }
                    patch(style)
                });
                let x = put(
                    buf,
                    x,
                    y,
                    &format!("{:>5}", compact(u64::from(row.total()))),
                    usize::from(CELL),
                    patch(theme.base),
                );
                if late_column {
                    late_cell(buf, x, y, row.breached, theme, &patch);
                }
            }
            HeatLine::Totals => {}
        }
    }
    let totals_y = area.bottom() - 1;
    let totals_selected = !lines.is_empty() && cursor + 1 == lines.len();
    if totals_selected {
        fill_row(buf, area, totals_y, theme.selected);
    }
    let patch = |s: Style| {
        if totals_selected {
            s.patch(theme.selected)
        } else {
            s
        }
    };
    put(
        buf,
        area.x + 1,
        totals_y,
        "all accounts",
        usize::from(NAME_WIDTH),
        patch(theme.header),
    );
    let cells = HeatCells {
        y: totals_y,
        selected: column.filter(|_| totals_selected),
        zero: "0",
        theme,
    };
    let x = cells.counts(buf, area.x + 1 + NAME_WIDTH, &stats.totals, &|r, _| {
        patch(theme.severity(SeverityLabel::ALL[r]).style)
    });
    let x = put(
        buf,
        x,
        totals_y,
        &format!("{:>5}", compact(stats.active as u64)),
        usize::from(CELL),
        patch(theme.header),
    );
    if late_column {
        late_cell(buf, x, totals_y, stats.breached, theme, &patch);
    }
}

/// An OU path in `room` columns: whole, or its last parts that fit after `…/`.
fn path_tail(path: &str, room: usize) -> String {
    if width(path) <= room {
        return path.to_string();
    }
    path.match_indices('/')
        .map(|(i, _)| &path[i..])
        .find(|tail| width(tail) < room)
        .map_or_else(|| path.to_string(), |tail| format!("…{tail}"))
}

pub use crate::app::symbols::SELECTED_CELL;

/// The severity cells of one line of the heat table.
struct HeatCells<'a> {
    y: u16,
    /// The cell selected on this line, if it is the selected line.
    selected: Option<usize>,
    /// What a count of zero shows.
    zero: &'static str,
    theme: &'a crate::theme::Theme,
}

impl HeatCells<'_> {
    /// Draws the five counts from `x` in the styles `style(column, count)` gives; the selected
    /// cell is marked and stands out in reverse (whatever the theme: a theme that shows the
    /// selected line in reverse shows the cell without). Answers where the next cell goes.
    fn counts(
        &self,
        buf: &mut Buffer,
        mut x: u16,
        counts: &[u32; 5],
        style: &dyn Fn(usize, u32) -> Style,
    ) -> u16 {
        for (r, &count) in counts.iter().enumerate() {
            let text = if count == 0 {
                self.zero.to_string()
            } else {
                compact(u64::from(count))
            };
            let mut cell_style = style(r, count);
            let text = if self.selected == Some(r) {
                let reversed = self
                    .theme
                    .selected
                    .add_modifier
                    .contains(Modifier::REVERSED);
                cell_style = if reversed {
                    cell_style.remove_modifier(Modifier::REVERSED)
                } else {
                    cell_style.add_modifier(Modifier::REVERSED)
                }
                .add_modifier(Modifier::BOLD);
                format!("{SELECTED_CELL}{text:>4}")
            } else {
                format!("{text:>5}")
            };
            x = put(buf, x, self.y, &text, usize::from(CELL), cell_style);
        }
        x
    }
}

/// Open findings past their SLA: a dot for none, the count in the error colour.
fn late_cell(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    breached: u32,
    theme: &crate::theme::Theme,
    patch: &dyn Fn(Style) -> Style,
) {
    let (text, style) = if breached == 0 {
        ("·".to_string(), theme.muted)
    } else {
        (compact(u64::from(breached)), theme.error)
    };
    put(
        buf,
        x,
        y,
        &format!("{text:>6}"),
        usize::from(CELL + 1),
        patch(style),
    );
}

fn latest(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
    let store = &app.store;
    let since = app.stats.since;
    // What moved since the analyst last looked, the counts that are not zero only, so the
    // title fits beside the chart at 120 columns.
    let news: Vec<String> = [
        (since.new, "new"),
        (since.changed, "changed"),
        (since.reopened, "reopened"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let mut title = if news.is_empty() {
        "Latest findings".to_string()
    } else {
        format!("Latest · since you last looked: {}", news.join(", "))
    };
    // Dispositions due for review are not news of this shift, but wait on it.
    match (since.expired, news.is_empty()) {
        (0, _) => {}
        (n, true) => title.push_str(&format!(" · {n} due for review (is:expired)")),
        (n, false) => title.push_str(&format!(" · {n} due")),
    }
    section_title(buf, area, &title, app, true);
    let rows = usize::from(area.height.saturating_sub(1));
    for (n, &ix) in app.stats.latest.iter().take(rows).enumerate() {
        let Some(s) = store.summary(ix) else {
            continue;
        };
        let y = area.y + 1 + n as u16;
        let sev = theme.severity(s.label);
        let mut x = put(
            buf,
            area.x + 1,
            y,
            &format!(
                "{:>4} ",
                age(
                    app.now,
                    jiff::Timestamp::from_second(s.last_seen).unwrap_or(app.now)
                )
            ),
            5,
            theme.muted,
        );
        x = put(buf, x, y, &format!("{} ", sev.symbol), 2, sev.style);
        let account = app.directory.name_of(store.accounts.name(s.account));
        x = put(buf, x, y, account, 16, theme.base).max(x + 16) + 1;
        put(
            buf,
            x,
            y,
            store.types.name(s.type_label),
            usize::from(area.right().saturating_sub(x + 1)),
            theme.base,
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
        &format!(
            "New findings, last hour · {} · per minute",
            stats.new_last_hour
        ),
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
        .style(app.look.theme.sparkline)
        .render(chart, buf);
}

fn top_types(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    // The types first; the tactics below them where there is room.
    let types_height = (app.stats.top_types.len() as u16 + 1).min(area.height);
    let below = Rect {
        y: area.y + types_height + 1,
        height: area.height.saturating_sub(types_height + 1),
        ..area
    };
    if below.height >= 3 {
        tactics(buf, below, app);
    }
    let area = Rect {
        height: types_height,
        ..area
    };
    let theme = &app.look.theme;
    section_title(
        buf,
        area,
        &format!("Top finding types{}", server_mark(app)),
        app,
        true,
    );
    let types = &app.stats.top_types;
    let max = types.iter().map(|t| t.1).max().unwrap_or(1).max(1);
    for (n, (name, count, sev)) in types
        .iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        let y = area.y + 1 + n as u16;
        let style = theme.severity(*sev);
        let x = count_bar(
            buf,
            area,
            y,
            *count,
            max,
            Some((&style.symbol, style.style)),
            app,
        );
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

/// A count and its bar (against `max`), with an optional marker between; answers where the
/// label goes.
fn count_bar(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    count: u32,
    max: u32,
    marker: Option<(&str, Style)>,
    app: &App,
) -> u16 {
    let theme = &app.look.theme;
    let bar_room = 10u16.min(area.width / 5);
    let mut x = put(
        buf,
        area.x + 1,
        y,
        &format!("{:>5} ", compact(u64::from(count))),
        6,
        theme.base,
    );
    if let Some((symbol, style)) = marker {
        x = put(buf, x, y, &format!("{symbol} "), 2, style);
    }
    let bar = (u32::from(bar_room) * count).div_ceil(max.max(1)) as usize;
    put(
        buf,
        x,
        y,
        &"▇".repeat(bar),
        usize::from(bar_room),
        theme.bar,
    );
    x + bar_room + 1
}

/// Active findings per ATT&CK tactic, in the matrix's order, those with none left out.
fn tactics(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
    section_title(buf, area, "ATT&CK tactics (tactic:…)", app, true);
    let counts: Vec<(crate::model::attack::Tactic, u32)> = crate::model::attack::Tactic::ALL
        .into_iter()
        .map(|t| (t, app.stats.tactics[t as usize]))
        .filter(|(_, n)| *n > 0)
        .collect();
    if counts.is_empty() {
        put(
            buf,
            area.x + 1,
            area.y + 1,
            "no finding names a tactic",
            usize::from(area.width.saturating_sub(1)),
            theme.muted,
        );
        return;
    }
    let max = counts.iter().map(|c| c.1).max().unwrap_or(1).max(1);
    for (n, (tactic, count)) in counts
        .iter()
        .take(usize::from(area.height.saturating_sub(1)))
        .enumerate()
    {
        let y = area.y + 1 + n as u16;
        let x = count_bar(buf, area, y, *count, max, None, app);
        let room = usize::from(area.right().saturating_sub(x));
        // The id and name where they fit, else the short name.
        let name = format!("{} {}", tactic.id(), tactic.name());
        let name = if width(&name) <= room {
            name
        } else {
            tactic.short().to_string()
        };
        put(buf, x, y, &name, room, theme.base);
    }
}

fn health_line(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
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
        let style = theme.health(state);
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
    let mut detail = String::new();
    if let Some((key, health)) = app.health.iter().find(|(_, h)| h.state != HealthState::Ok) {
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_ou_path_keeps_its_last_parts() {
        assert_eq!(super::path_tail("Workloads/Production", 17), "…/Production");
        assert_eq!(super::path_tail("a/b/Production", 17), "a/b/Production");
        assert_eq!(
            super::path_tail("x/LongerThanTheRoomAllows", 17),
            "x/LongerThanTheRoomAllows"
        );
    }

    #[test]
    fn counts_fit_a_cell() {
        for (n, shown) in [
            (0, "0"),
            (9_999, "9999"),
            (10_000, "10k"),
            (340_000, "340k"),
            (1_000_005, "1.0M"),
            (12_345_678, "12M"),
        ] {
            assert_eq!(super::compact(n), shown);
        }
    }
}
