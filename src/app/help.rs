//! The help's text, generated from the keymap in force, the `:` commands, the marks picket
//! draws and the filter's fields: what it lists is what the keys do and the screens show. The
//! help overlay ([`crate::ui::help`]) draws it; its length bounds the help's scrolling.

use super::symbols::{MARKED, SELECTED_CELL, STALE, UNSEEN};
use super::{App, COLON_COMMANDS, Keymap, Mode};
use crate::model::SeverityLabel;
use crate::model::health::{HealthState, Service};
use crate::model::text::width;

/// The bindings of every mode as text, as the README lists them.
pub fn keymap_text(keymap: &Keymap) -> String {
    let mut out = String::new();
    for (line, _) in binding_lines(keymap) {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn binding_lines(keymap: &Keymap) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for mode in Mode::ALL {
        let bindings = keymap.bindings(mode);
        if bindings.is_empty() {
            continue;
        }
        out.push((mode.title().to_string(), true));
        for (command, keys) in bindings {
            let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
            out.push((
                format!("  {:<22} {}", keys.join(" "), command.description()),
                false,
            ));
        }
        out.push((String::new(), false));
    }
    out
}

/// The help text as (text, is_heading) lines: the keys, the `:` commands, what every symbol
/// means, and the filter's fields.
pub fn lines(app: &App) -> Vec<(String, bool)> {
    let mut out = binding_lines(&app.look.keymap);
    out.push(("Commands (:)".to_string(), true));
    for command in COLON_COMMANDS {
        out.push((format!("  :{:<21} {}", command.name, command.help), false));
    }
    out.push((String::new(), false));
    out.extend(legend(app));
    out.push((String::new(), false));
    out.extend(filter_lines());
    out
}

/// How many lines the help has (its scrolling stops at the last page).
pub fn line_count(app: &App) -> usize {
    lines(app).len()
}

/// A legend line: the symbol, padded to its column by display width, and what it means.
fn symbol(symbol: &str, meaning: &str) -> (String, bool) {
    let pad = 13usize.saturating_sub(width(symbol));
    (format!("  {symbol}{} {meaning}", " ".repeat(pad)), false)
}

/// What each symbol picket draws means; the severities' as the theme in force draws them, the
/// health states' and services' from the model, so neither can drift.
fn legend(app: &App) -> Vec<(String, bool)> {
    let theme = &app.look.theme;
    let mut out = vec![
        ("Symbols".to_string(), true),
        (
            "  Findings (the first column, the header, the title)".to_string(),
            false,
        ),
        symbol(MARKED, "marked for an action (Space, V, *; M clears)"),
        symbol(STALE, "its source has not answered lately: it may be old"),
        symbol(
            UNSEEN,
            "unseen: arrived since picket started, not selected yet",
        ),
        symbol(
            "▲ N newer",
            "arrived above the top of the screen; g goes there",
        ),
        symbol("×N", "a folded detection alert: N matches by one principal"),
        symbol("↓ ↑", "the column sorted by, and which way"),
        symbol("⚑", "a production account (or a profile that reaches one)"),
        (format!("  Severity (theme {})", theme.name), false),
    ];
    for label in SeverityLabel::ALL {
        let mark = &theme.severity(label).symbol;
        let mark = if mark.is_empty() { "(none)" } else { mark };
        out.push(symbol(mark, &label.as_str().to_ascii_lowercase()));
    }
    out.push((
        "  Sources (status bar, overview, Sources screen)".to_string(),
        false,
    ));
    for state in HealthState::ALL {
        let meaning = match state {
            HealthState::Ok => "ok: read lately",
            HealthState::Stale => "stale: no answer lately; what is shown may be old",
            HealthState::Throttled => "throttled: AWS slows picket down; it retries",
            HealthState::AccessDenied => "denied: a permission is missing (Enter names it)",
            HealthState::NotEnabled => "not enabled there (Enter gives the command)",
            HealthState::Error => "error: the read failed (Enter says why)",
        };
        out.push(symbol(state.symbol(), meaning));
    }
    let letters: Vec<&str> = Service::ALL.iter().map(|s| s.letter()).collect();
    let names: Vec<&str> = Service::ALL.iter().map(|s| s.name()).collect();
    out.push(symbol(&letters.join(" "), &names.join(", ")));
    out.push(symbol(
        "← N more →",
        "more regions to either side (Sources)",
    ));
    out.push(("  Overview".to_string(), false));
    out.push(symbol(
        &format!("{}12", SELECTED_CELL),
        "the selected cell (← →): Enter opens its findings",
    ));
    out.push(symbol(
        "12",
        "bold, underlined: the highest count of its column",
    ));
    out.push(symbol("SLA!", "open findings past their SLA"));
    out.push(("  Incidents and posture".to_string(), false));
    out.push(symbol("▸ ▾", "a group closed, open (Enter, → ←)"));
    out.push(symbol("├ └", "a group's members"));
    out.push(symbol("+N  N new", "findings new in the group"));
    out.push(symbol("3h→5m", "first and last seen"));
    out.push(symbol("← role", "the role chain behind a principal"));
    out.push(symbol("✗N ✓N", "controls failed, passed"));
    out.push(("  Everywhere".to_string(), false));
    out.push(symbol("·", "none: a zero count, an empty cell"));
    out.push(symbol("…", "cut to fit (the detail shows it whole)"));
    out
}

/// The filter's fields with an example each, from the table the parser and Tab completion
/// use.
fn filter_lines() -> Vec<(String, bool)> {
    let mut out = vec![(
        "Filter (/) · Tab completes field names, then their values".to_string(),
        true,
    )];
    for field in crate::query::FIELDS {
        out.push((format!("  {:<22} {}", field.example, field.help), false));
    }
    for line in [
        "  -type:Policy*  status!=resolved  exclude",
        "  words \"quoted phrase\"            anywhere in title, type, resource",
        "  : = != > >= < <= compare; a comma lists alternatives (sev:high,critical)",
        "  * and ? are wildcards; case never matters; all terms must match",
    ] {
        out.push((line.to_string(), false));
    }
    out
}
