//! The guided empty state: when no findings are held, the overview and the findings screen
//! say why — the reasons sources fail and what to do, or what was read when nothing was found —
//! instead of drawing empty grids.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::{age, thousands};
use super::{put, section_title, wrap};
use crate::app::App;
use crate::app::readiness::{Read, Readiness, Reason};

/// Draws the guide for `readiness`; false when there is nothing to guide (findings are held,
/// or nothing has said anything yet) and the screen draws itself.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App, readiness: &Readiness) -> bool {
    if area.height < 3 || area.width < 20 {
        return false;
    }
    let lines = match readiness {
        Readiness::Showing | Readiness::Waiting => return false,
        Readiness::Failing(reasons) => failing(app, reasons),
        Readiness::NothingFound(read) => nothing_found(app, read),
    };
    let title = match readiness {
        Readiness::Failing(_) => "Nothing read yet",
        _ => "No findings",
    };
    section_title(buf, area, title, app, true);
    let width = usize::from(area.width.saturating_sub(4)).max(10);
    let mut y = area.y + 2;
    for (text, style, indent, mark) in lines {
        // A marked line hangs its continuation under its text, not under the mark.
        let indent = indent + mark.map_or(0, |_| 2);
        let indent_width = usize::from(indent);
        for (n, line) in wrap(&text, width.saturating_sub(indent_width).max(10))
            .iter()
            .enumerate()
        {
            if y >= area.bottom() {
                return true;
            }
            if let Some(mark) = mark.filter(|_| n == 0) {
                put(buf, area.x + indent, y, mark, 1, style);
            }
            put(
                buf,
                area.x + 2 + indent,
                y,
                line,
                width.saturating_sub(indent_width),
                style,
            );
            y += 1;
        }
        if text.is_empty() {
            y += 1;
        }
    }
    true
}

/// A paragraph: its text, style, indent and the mark before it.
type Line = (String, Style, u16, Option<&'static str>);

fn failing(app: &App, reasons: &[Reason]) -> Vec<Line> {
    let theme = &app.look.theme;
    let mut lines: Vec<Line> = vec![
        (
            format!("No source has answered{}:", who(app)),
            theme.base,
            0,
            None,
        ),
        (String::new(), theme.base, 0, None),
    ];
    for reason in reasons {
        let count = if reason.sources > 1 {
            format!(" · {} sources", thousands(reason.sources))
        } else {
            String::new()
        };
        lines.push((
            format!("{}{count}", reason.message),
            theme.health(reason.state),
            2,
            Some(reason.state.symbol()),
        ));
    }
    lines.push((String::new(), theme.base, 0, None));
    lines.extend(
        [
            "Fix what the line says; picket asks again on its own (r asks now).",
            "picket doctor — checks every account, region and service, one line each.",
            "4 — the Sources screen; Enter on a cell shows AWS's own words.",
            "picket --demo — picket on an embedded demo organization, without AWS.",
        ]
        .map(|text| (text.to_string(), theme.muted, 2, None)),
    );
    lines
}

fn nothing_found(app: &App, read: &Read) -> Vec<Line> {
    let theme = &app.look.theme;
    let plural = |n: usize, one: &str, many: &str| {
        format!("{} {}", thousands(n), if n == 1 { one } else { many })
    };
    let mut what = vec![
        plural(read.accounts, "account", "accounts"),
        plural(read.regions, "region", "regions"),
        read.services.join(", "),
    ];
    if let Some(scope) = &app.scope {
        what.push(format!("scope {}", scope.text));
    }
    if let Some(at) = app.last_batch {
        what.push(format!("updated {} ago", age(app.now, at)));
    }
    let mut lines: Vec<Line> = vec![
        (
            format!(
                "The sources answered and hold no finding{}.",
                if app.scope.is_some() { " in scope" } else { "" }
            ),
            theme.base,
            0,
            None,
        ),
        (String::new(), theme.base, 0, None),
        (format!("Read: {}", what.join(" · ")), theme.base, 2, None),
    ];
    if read.not_enabled > 0 {
        lines.push((
            format!(
                "Not enabled: {} — nothing there to read (Sources, 4, says where and the command that enables it).",
                plural(read.not_enabled, "source", "sources")
            ),
            theme.muted,
            2,
            None,
        ));
    }
    if read.failing > 0 {
        lines.push((
            format!(
                "Not read: {} failing — their findings are not counted here (Sources, 4).",
                plural(read.failing, "source", "sources")
            ),
            theme.warning,
            2,
            None,
        ));
    }
    lines
}

/// " as PROFILE" or nothing.
fn who(app: &App) -> String {
    app.profile
        .as_deref()
        .map(|p| format!(" (profile {p})"))
        .unwrap_or_default()
}
