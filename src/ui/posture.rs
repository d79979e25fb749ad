//! The posture screen: compliance (standards → controls → failing resources, pass rates by
//! account and OU) and coverage (what nobody is watching), `c` and `w` between them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::thousands;
use super::{put, section_title, table_row};
use crate::app::App;
use crate::app::posture::screen::{Line, Pane, control_key};
use crate::app::posture::{ControlStatus, Rate};

/// The rates panel's width beside the tree, from 100 columns on.
const RATES_WIDTH: u16 = 34;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height < 3 {
        return;
    }
    match app.posture.pane {
        Pane::Compliance => compliance(buf, area, app),
        Pane::Exposure => exposure(buf, area, app),
        Pane::Coverage => coverage(buf, area, app),
    }
}

fn status_style(app: &App, status: ControlStatus) -> Style {
    let theme = &app.look.theme;
    match status {
        ControlStatus::Failed => theme.error,
        ControlStatus::Unknown => theme.warning,
        ControlStatus::Passed => theme.ok,
        ControlStatus::NoData | ControlStatus::Disabled => theme.muted,
    }
}

fn percent(rate: Option<u32>) -> String {
    rate.map_or("  –".to_string(), |p| format!("{p:>3}%"))
}

fn compliance(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
    let view = &app.posture.compliance;
    let source = if view.from_api {
        "enabled standards as Security Hub reports them"
    } else {
        "standards named by the findings"
    };
    section_title(
        buf,
        area,
        &format!(
            "Compliance · {} standards · {} control findings · {source} · w coverage",
            view.standards.len(),
            thousands(view.findings)
        ),
        app,
        true,
    );
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let (tree, rates) = if body.width >= 100 {
        (
            Rect {
                width: body.width - RATES_WIDTH - 1,
                ..body
            },
            Rect {
                x: body.right() - RATES_WIDTH,
                width: RATES_WIDTH,
                ..body
            },
        )
    } else {
        let rates_height = 6.min(body.height / 3);
        (
            Rect {
                height: body.height - rates_height,
                ..body
            },
            Rect {
                y: body.bottom() - rates_height,
                height: rates_height,
                ..body
            },
        )
    };
    if view.standards.is_empty() {
        put(
            buf,
            tree.x + 2,
            tree.y + 1,
            "no control findings and no standard reported yet: Security Hub's standards produce them",
            usize::from(tree.width.saturating_sub(2)),
            theme.muted,
        );
    }
    let lines = app.posture.lines();
    let page = usize::from(tree.height).max(1);
    let row = app.posture.row.min(lines.len().saturating_sub(1));
    let first = (row + 1).saturating_sub(page);
    for (n, line) in lines.iter().enumerate().skip(first).take(page) {
        let y = tree.y + (n - first) as u16;
        let overlay = table_row(buf, tree, y, theme, n == row);
        draw_line(buf, tree, y, app, *line, &overlay);
    }
    draw_rates(buf, rates, app);
}

fn draw_line(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    app: &App,
    line: Line,
    overlay: &dyn Fn(Style) -> Style,
) {
    let theme = &app.look.theme;
    let standards = &app.posture.compliance.standards;
    let end = area.right();
    let room = |x: u16| usize::from(end.saturating_sub(x));
    match line {
        Line::Standard(s) => {
            let standard = &standards[s];
            let open = app.posture.open.contains(&standard.name);
            let mut x = put(
                buf,
                area.x + 1,
                y,
                if open { "▾ " } else { "▸ " },
                2,
                overlay(theme.muted),
            );
            x = put(
                buf,
                x,
                y,
                &percent(standard.pass_rate()),
                4,
                overlay(theme.header),
            ) + 1;
            let counts = format!(
                "✗{:<4} ✓{:<4}",
                standard.count(ControlStatus::Failed),
                standard.count(ControlStatus::Passed)
            );
            x = put(buf, x, y, &counts, 13, overlay(theme.base)) + 1;
            let enabled = match standard.enabled_in {
                Some(0) => " · not enabled per Security Hub".to_string(),
                Some(n) => format!(" · enabled in {n} account-regions"),
                None => String::new(),
            };
            put(
                buf,
                x,
                y,
                &format!("{}{enabled}", standard.name),
                room(x),
                overlay(theme.base),
            );
        }
        Line::Control(s, c) => {
            let control = &standards[s].controls[c];
            let open = app
                .posture
                .open
                .contains(&control_key(&standards[s].name, &control.id));
            let mut x = put(
                buf,
                area.x + 3,
                y,
                if open { "▾ " } else { "▸ " },
                2,
                overlay(theme.muted),
            );
            x = put(
                buf,
                x,
                y,
                control.status.label(),
                8,
                overlay(status_style(app, control.status)),
            )
            .max(x + 8)
                + 1;
            x = put(buf, x, y, &control.id, 14, overlay(theme.header)).max(x + 14) + 1;
            let detail = match control.status {
                ControlStatus::Disabled => "disabled".to_string(),
                _ if control.accounts == 0 => "no finding yet".to_string(),
                ControlStatus::Failed => format!(
                    "{} failing · {}/{} accounts",
                    thousands(control.failing),
                    control.accounts_failing,
                    control.accounts
                ),
                _ => format!(
                    "{} in {} account{}",
                    control.status.label().to_lowercase(),
                    control.accounts,
                    if control.accounts == 1 { "" } else { "s" }
                ),
            };
            // Where it is switched off, and why, after its title.
            let mut title = control.title.clone();
            if control.disabled_in > 0 && control.status != ControlStatus::Disabled {
                title.push_str(&format!(" · off in {}", control.disabled_in));
            }
            if let Some(reason) = &control.disabled_reason {
                title.push_str(&format!(" · disabled: {reason}"));
            }
            x = put(buf, x, y, &detail, 28, overlay(theme.muted)).max(x + 28) + 1;
            put(buf, x, y, &title, room(x), overlay(theme.base));
        }
        Line::Failing(s, c, n) => {
            let control = &standards[s].controls[c];
            let Some(failing) = app
                .posture
                .failing
                .get(&control.id)
                .and_then(|(listed, _)| listed.get(n))
            else {
                return;
            };
            super::masking::learn_row(app, failing.entry);
            let x = put(buf, area.x + 7, y, "└ ", 2, overlay(theme.muted));
            put(
                buf,
                x,
                y,
                &format!(
                    "{}  {} {}",
                    failing.resource, failing.account, failing.region
                ),
                room(x),
                overlay(theme.base),
            );
        }
        Line::More(_, _, more) => {
            put(
                buf,
                area.x + 7,
                y,
                &format!(
                    "└ {} more · Enter lists them all in the queue",
                    thousands(more)
                ),
                room(area.x + 7),
                overlay(theme.muted),
            );
        }
    }
}

/// Pass rates, lowest first: the OUs, then the accounts.
fn draw_rates(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 || area.width < 12 {
        return;
    }
    let theme = &app.look.theme;
    let view = &app.posture.compliance;
    section_title(buf, area, "Pass rate (security score)", app, false);
    let mut y = area.y + 1;
    let mut row = |label: &str, rate: &Rate, style: Style| {
        if y >= area.bottom() {
            return;
        }
        let x = put(
            buf,
            area.x + 1,
            y,
            &percent(rate.percent()),
            4,
            theme.header,
        ) + 1;
        put(
            buf,
            x,
            y,
            label,
            usize::from(area.right().saturating_sub(x)),
            style,
        );
        y += 1;
    };
    for rate in &view.ous {
        let label = if rate.key.is_empty() {
            "OU (root)".to_string()
        } else {
            format!("OU {}", super::masking::ou_path(&rate.key))
        };
        row(&label, rate, theme.muted);
    }
    for rate in &view.accounts {
        let (name, production) = match app.directory.get(&rate.key) {
            Some(a) => (a.name.as_str(), a.production),
            None => (rate.key.as_str(), false),
        };
        let label = format!("{name}{}", if production { " ⚑" } else { "" });
        let style = if production {
            theme.production
        } else {
            theme.base
        };
        row(&label, rate, style);
    }
}

/// Trait names in the exposure list: four letters wide, in a fixed order.
const TRAITS: [(&str, &str); 6] = [
    ("Vulnerability", "VULN"),
    ("Reachability", "REACH"),
    ("Misconfiguration", "MISCONF"),
    ("Sensitive Data", "DATA"),
    ("Assumability", "ASSUME"),
    ("Impact", "IMPACT"),
];

fn exposure(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
    let exposed = &app.posture.exposed;
    section_title(
        buf,
        area,
        &format!(
            "Exposure · {} resources exposed · Security Hub's exposure findings, worst first · Enter opens · c compliance · w coverage",
            exposed.len()
        ),
        app,
        true,
    );
    if exposed.is_empty() {
        put(
            buf,
            area.x + 2,
            area.y + 2,
            "no exposure finding: Security Hub (v2) writes one per exposed resource, read with [securityhub] api = \"v2\" or \"auto\"",
            usize::from(area.width.saturating_sub(2)),
            theme.muted,
        );
        return;
    }
    let header = area.y + 1;
    let wide = area.width >= 100;
    let traits_width: u16 = if wide { 34 } else { 12 };
    let columns = format!(
        "{:<6} {:<w$} {:<24} {:<16} TITLE",
        "SEV",
        "TRAITS",
        "RESOURCE",
        "ACCOUNT",
        w = usize::from(traits_width)
    );
    put(
        buf,
        area.x + 1,
        header,
        &columns,
        usize::from(area.width.saturating_sub(2)),
        theme.header,
    );
    let body = Rect {
        y: area.y + 2,
        height: area.height.saturating_sub(2),
        ..area
    };
    let page = usize::from(body.height).max(1);
    let row = app.posture.exposed_row.min(exposed.len() - 1);
    let first = (row + 1).saturating_sub(page);
    for (n, item) in exposed.iter().enumerate().skip(first).take(page) {
        let y = body.y + (n - first) as u16;
        let overlay = table_row(buf, body, y, theme, n == row);
        super::masking::learn_row(app, item.entry);
        let sev = theme.severity(item.label);
        let mut x = put(
            buf,
            body.x + 1,
            y,
            &format!("{} {}", sev.symbol, item.label.short()),
            6,
            overlay(sev.style),
        )
        .max(body.x + 7)
            + 1;
        let traits: Vec<&str> = TRAITS
            .iter()
            .filter(|(name, _)| item.traits.iter().any(|t| t == name))
            .map(|(name, short)| if wide { *short } else { &name[..1] })
            .collect();
        x = put(
            buf,
            x,
            y,
            &traits.join(" "),
            usize::from(traits_width),
            overlay(theme.warning),
        )
        .max(x + traits_width)
            + 1;
        x = put(buf, x, y, &item.resource, 24, overlay(theme.base)).max(x + 24) + 1;
        let account = app.directory.name_of(&item.account);
        x = put(buf, x, y, account, 16, overlay(theme.muted)).max(x + 16) + 1;
        put(
            buf,
            x,
            y,
            &item.title,
            usize::from(body.right().saturating_sub(x)),
            overlay(theme.base),
        );
    }
}

fn coverage(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = &app.look.theme;
    let gaps = &app.posture.gaps;
    section_title(
        buf,
        area,
        &format!(
            "Coverage · {} gaps · what picket cannot see, worst first · c compliance",
            gaps.len()
        ),
        app,
        true,
    );
    if gaps.is_empty() {
        put(
            buf,
            area.x + 2,
            area.y + 2,
            "no gap found: every account and region picket knows is read, with its standards and plans",
            usize::from(area.width.saturating_sub(2)),
            theme.ok,
        );
        return;
    }
    let width = usize::from(area.width.saturating_sub(12));
    let selected = app.posture.gap_row.min(gaps.len() - 1);
    // Each gap: its line, where (the selected one in full), and the fix.
    let mut lines: Vec<(usize, String, Style, bool)> = Vec::new();
    for (i, gap) in gaps.iter().enumerate() {
        let level = match gap.level {
            crate::app::posture::coverage::Level::Blind => theme.error,
            crate::app::posture::coverage::Level::Partial => theme.warning,
            crate::app::posture::coverage::Level::Late => theme.muted,
        };
        let count = match gap.places.len() {
            0 => String::new(),
            1 => " · 1 place".to_string(),
            n => format!(" · {n} places"),
        };
        lines.push((
            i,
            format!("{:<8} {}{count}", gap.level.label(), gap.what),
            level,
            true,
        ));
        if !gap.places.is_empty() {
            let places = gap.places.join(", ");
            if i == selected {
                for part in super::wrap(&places, width) {
                    lines.push((i, format!("         {part}"), theme.base, false));
                }
            } else {
                lines.push((i, format!("         {places}"), theme.muted, false));
            }
        }
        lines.push((i, format!("         fix: {}", gap.fix), theme.muted, false));
    }
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let page = usize::from(body.height).max(1);
    let last_of_selected = lines
        .iter()
        .rposition(|(i, ..)| *i == selected)
        .unwrap_or(0);
    let first = (last_of_selected + 1).saturating_sub(page);
    for (n, (i, text, style, head)) in lines.iter().enumerate().skip(first).take(page) {
        let y = body.y + (n - first) as u16;
        let overlay = table_row(buf, body, y, theme, *i == selected && *head);
        put(
            buf,
            body.x + 1,
            y,
            text,
            usize::from(body.width.saturating_sub(2)),
            overlay(*style),
        );
    }
}
