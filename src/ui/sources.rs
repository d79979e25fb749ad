//! The sources screen: the health matrix. Accounts grouped by OU down, regions across; a cell
//! marks each service read there (O Organizations, G GuardDuty, S Security Hub, L CloudWatch
//! Logs) with its state, and the age of the oldest last success. Enter shows the selected
//! cell's messages in full: the missing IAM action, the command to run, the setting to change.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::text::{age, compact, thousands};
use super::{fill_row, put, section_title};
use crate::app::App;
use crate::app::health_matrix::{Matrix, cell, worst};
use crate::model::health::{Health, Service};

const ACCOUNT_WIDTH: u16 = 26;
const CELL_WIDTH: u16 = 15;

/// One line of the matrix body: an OU heading or an account (its index among accounts).
enum Line<'a> {
    Ou(&'a str),
    Account(usize, &'a str),
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 4 {
        return;
    }
    let theme = &app.look.theme;
    let matrix = Matrix::build(&app.health, &app.directory);
    let accounts = matrix.account_count();
    // How fresh the picture can be: with a feed, changes arrive as AWS records them; without
    // one, a change made elsewhere shows only when polling reads it.
    let feed = app
        .health
        .iter()
        .filter(|(key, _)| key.service == Service::Feed)
        .map(|(_, health)| health.state)
        .max_by_key(|state| *state != crate::model::health::HealthState::Ok);
    let freshness = match feed {
        Some(state) => format!("event feed {} {}", state.symbol(), state.as_str()),
        None => "no event feed: changes made elsewhere show at the next poll or re-read (picket feed setup)".into(),
    };
    // What is read at all: said where the analyst looks for why a finding is missing.
    let scope = app
        .scope
        .as_ref()
        .map(|s| format!(" · scope {}", crate::model::SafeText::line(&s.text)))
        .unwrap_or_default();
    section_title(
        buf,
        area,
        &format!(
            "Sources · {accounts} accounts × {} regions{scope} · {freshness}",
            matrix.regions.len()
        ),
        app,
        true,
    );
    if accounts == 0 || matrix.regions.is_empty() {
        put(
            buf,
            area.x + 2,
            area.y + 2,
            "no source has answered yet",
            usize::from(area.width.saturating_sub(2)),
            theme.muted,
        );
        return;
    }
    let row = app.sources.row.min(accounts - 1);
    let col = app.sources.col.min(matrix.regions.len() - 1);
    let selected_account = matrix.account_at(row).unwrap_or_default();
    let selected_region = matrix.regions[col].as_str();

    let detail_height = if app.sources.detail {
        (area.height / 2).max(6).min(area.height.saturating_sub(4))
    } else {
        0
    };
    let grid = Rect {
        height: area.height - detail_height,
        ..area
    };

    // Columns: as many regions as fit, scrolled so the selected one is visible.
    let fit = usize::from((grid.width.saturating_sub(ACCOUNT_WIDTH + 1) / CELL_WIDTH).max(1));
    let first_col = (col + 1).saturating_sub(fit);
    let regions: Vec<(usize, &str)> = matrix
        .regions
        .iter()
        .enumerate()
        .skip(first_col)
        .take(fit)
        .map(|(i, r)| (i, r.as_str()))
        .collect();

    let header_y = grid.y + 1;
    buf.set_style(
        Rect {
            y: header_y,
            height: 1,
            ..grid
        },
        theme.header,
    );
    put(
        buf,
        grid.x + 1,
        header_y,
        "ACCOUNT",
        usize::from(ACCOUNT_WIDTH),
        theme.header,
    );
    let column_x = |n: usize| grid.x + 1 + ACCOUNT_WIDTH + (n as u16) * CELL_WIDTH;
    for (n, (_, region)) in regions.iter().enumerate() {
        put(
            buf,
            column_x(n),
            header_y,
            region,
            usize::from(CELL_WIDTH - 1),
            theme.header,
        );
    }
    // Regions cut off on either side, said in the account column's header (every column stays
    // a region): "← 2 · 3 more →".
    let before = first_col;
    let after = matrix.regions.len() - first_col - regions.len();
    let cut = match (before, after) {
        (0, 0) => String::new(),
        (0, after) => format!("{after} more →"),
        (before, 0) => format!("← {before} more"),
        (before, after) => format!("← {before} · {after} more →"),
    };
    if !cut.is_empty() {
        let width = cut.chars().count() as u16;
        put(
            buf,
            (grid.x + ACCOUNT_WIDTH).saturating_sub(width + 1),
            header_y,
            &cut,
            usize::from(width),
            theme.header,
        );
    }

    let mut lines = Vec::new();
    let mut index = 0;
    for group in &matrix.groups {
        if matrix.groups.len() > 1 || !group.ou_path.is_empty() {
            lines.push(Line::Ou(&group.ou_path));
        }
        for id in &group.accounts {
            lines.push(Line::Account(index, id));
            index += 1;
        }
    }
    let body = Rect {
        y: grid.y + 2,
        height: grid.height.saturating_sub(2),
        ..grid
    };
    let page = usize::from(body.height).max(1);
    let selected_line = lines
        .iter()
        .position(|l| matches!(l, Line::Account(i, _) if *i == row))
        .unwrap_or(0);
    let first = (selected_line + 1).saturating_sub(page);
    for (n, line) in lines.iter().enumerate().skip(first).take(page) {
        let y = body.y + (n - first) as u16;
        match line {
            Line::Ou(path) => {
                let label = if path.is_empty() {
                    "(root)".into()
                } else {
                    super::masking::ou_path(path)
                };
                put(
                    buf,
                    body.x + 1,
                    y,
                    &format!("▾ {label}"),
                    usize::from(body.width.saturating_sub(1)),
                    theme.muted,
                );
            }
            Line::Account(i, id) => {
                let is_row = *i == row;
                if is_row {
                    fill_row(buf, body, y, theme.selected);
                }
                let (name, production) = match app.directory.get(id) {
                    Some(a) => (a.name.as_str(), a.production),
                    None => (*id, false),
                };
                let label = if production {
                    format!("  {name} ⚑")
                } else {
                    format!("  {name}")
                };
                let style = if is_row { theme.selected } else { theme.base };
                put(
                    buf,
                    body.x + 1,
                    y,
                    &label,
                    usize::from(ACCOUNT_WIDTH - 1),
                    style,
                );
                for (n, (region_ix, region)) in regions.iter().enumerate() {
                    let is_cell = is_row && *region_ix == col;
                    draw_cell(buf, column_x(n), y, app, id, region, is_cell, is_row);
                }
            }
        }
    }

    if detail_height > 0 {
        let pane = Rect {
            y: area.y + area.height - detail_height,
            height: detail_height,
            ..area
        };
        draw_detail(buf, pane, app, selected_account, selected_region);
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_cell(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    app: &App,
    account: &str,
    region: &str,
    is_cell: bool,
    is_row: bool,
) {
    let theme = &app.look.theme;
    let services = cell(&app.health, account, region);
    let over = |style: ratatui::style::Style| {
        if is_cell {
            style
                .patch(theme.selected)
                .add_modifier(ratatui::style::Modifier::REVERSED)
        } else if is_row {
            style.patch(theme.selected)
        } else {
            style
        }
    };
    if services.is_empty() {
        put(buf, x, y, "·", 1, over(theme.muted));
        return;
    }
    let mut at = x;
    for (service, health) in &services {
        let mark = format!("{}{}", service.letter(), health.state.symbol());
        at = put(buf, at, y, &mark, 2, over(theme.health(health.state)));
        at = put(buf, at, y, " ", 1, over(theme.base));
    }
    let room = usize::from((x + CELL_WIDTH - 1).saturating_sub(at));
    // A backlog still being read: how much so far, instead of an age that looks complete.
    let backlog: Option<u64> = services
        .iter()
        .filter_map(|(_, h)| h.backlog)
        .reduce(|a, b| a + b);
    if let Some(read) = backlog {
        let text = format!("{} read…", compact(read));
        put(buf, at, y, &text, room, over(theme.warning));
        return;
    }
    // The oldest last success; "never" as soon as one service has never answered. A service
    // not enabled here has nothing to answer.
    let oldest: Option<Vec<_>> = services
        .iter()
        .filter(|(_, h)| h.state != crate::model::health::HealthState::NotEnabled)
        .map(|(_, h)| h.last_success)
        .collect();
    let since = match oldest {
        Some(times) if times.is_empty() => String::new(),
        Some(times) => times
            .into_iter()
            .min()
            .map_or_else(String::new, |t| age(app.now, t)),
        None => "never".to_string(),
    };
    let style = worst(&services).map_or(theme.muted, |s| theme.health(s));
    put(buf, at, y, &since, room, over(style.patch(theme.muted)));
}

fn draw_detail(buf: &mut Buffer, pane: Rect, app: &App, account: &str, region: &str) {
    let theme = &app.look.theme;
    let name = app.directory.name_of(account);
    let title = if name == account {
        format!("{account} · {region}")
    } else {
        format!("{name} ({account}) · {region}")
    };
    section_title(buf, pane, &title, app, true);
    let services: Vec<(Service, &Health)> = cell(&app.health, account, region);
    let width = usize::from(pane.width.saturating_sub(4));
    let mut y = pane.y + 1;
    let bottom = pane.y + pane.height;
    if services.is_empty() {
        put(
            buf,
            pane.x + 2,
            y,
            "nothing is read here",
            width,
            theme.muted,
        );
        return;
    }
    for (service, health) in services {
        if y >= bottom {
            break;
        }
        let last_ok = health
            .last_success
            .map_or_else(|| "never".to_string(), |t| age(app.now, t));
        put(buf, pane.x + 2, y, service.name(), 14, theme.base);
        put(
            buf,
            pane.x + 16,
            y,
            &format!("{} {}", health.state.symbol(), health.state.as_str()),
            14,
            theme.health(health.state),
        );
        put(
            buf,
            pane.x + 30,
            y,
            &format!("last ok {last_ok}"),
            width.saturating_sub(28),
            theme.muted,
        );
        y += 1;
        if let Some(read) = health.backlog
            && y < bottom
        {
            let text = format!("{} read, more coming", thousands(read as usize));
            put(
                buf,
                pane.x + 4,
                y,
                &text,
                width.saturating_sub(2),
                theme.warning,
            );
            y += 1;
        }
        // The message in full, wrapped: it names what to fix. AWS's own words follow, muted:
        // what a support case or a search needs.
        let message = health.message.as_deref().unwrap_or("");
        let raw = health
            .raw
            .as_deref()
            .filter(|raw| !raw.is_empty() && *raw != message)
            .map(|raw| format!("AWS said: {raw}"));
        for (text, style) in [
            (message, theme.base),
            (raw.as_deref().unwrap_or(""), theme.muted),
        ] {
            for line in super::wrap(text, width.saturating_sub(2).max(10)) {
                if y >= bottom {
                    break;
                }
                put(buf, pane.x + 4, y, &line, width - 2, style);
                y += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(
            crate::ui::wrap("missing permission securityhub:GetFindings now", 20),
            ["missing permission", "securityhub:GetFindi", "ngs now"]
        );
        assert_eq!(crate::ui::wrap("", 10), Vec::<String>::new());
        assert_eq!(crate::ui::wrap("abcd  e", 4), ["abcd", "e"]);
        assert_eq!(crate::ui::wrap("ééééé", 2), ["éé", "éé", "é"]);
    }

    #[test]
    fn wrap_is_linear_in_a_long_word() {
        let ids = "i-0123456789abcdef,".repeat(100_000);
        let started = std::time::Instant::now();
        let lines = crate::ui::wrap(&ids, 80);
        assert_eq!(lines.len(), ids.len().div_ceil(80));
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
        // Quadratic cutting took minutes here; linear takes milliseconds even unoptimized.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
