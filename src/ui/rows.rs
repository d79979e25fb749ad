//! A finding's row in the table: the columns that fit a width (dropped by priority when the
//! terminal is narrow) and each cell, drawn straight into the buffer. The plain queue and the
//! incidents view's members share it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::{age, short_resource};
use super::{put, table_row};
use crate::app::App;
use crate::model::SourceKind;
use crate::model::health::{HealthKey, HealthState, Service};
use crate::store::{EntryIx, NONE};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Column {
    Severity,
    Age,
    Sla,
    Account,
    Region,
    Source,
    Type,
    Tactic,
    Title,
    Resource,
    Status,
}

struct Spec {
    column: Column,
    header: &'static str,
    min: u16,
    /// Flexible columns grow up to this; fixed ones have `max == min`.
    max: u16,
    /// Dropped first when space runs out: lower goes first.
    priority: u8,
}

const SPECS: [Spec; 11] = [
    Spec {
        column: Column::Severity,
        header: "SEV",
        min: 6,
        max: 6,
        priority: 10,
    },
    Spec {
        column: Column::Age,
        header: "SEEN",
        min: 4,
        max: 4,
        priority: 8,
    },
    Spec {
        column: Column::Sla,
        header: "SLA",
        min: 4,
        max: 4,
        priority: 6,
    },
    Spec {
        column: Column::Account,
        header: "ACCOUNT",
        min: 16,
        max: 16,
        priority: 9,
    },
    Spec {
        column: Column::Region,
        header: "REGION",
        min: 14,
        max: 14,
        priority: 2,
    },
    Spec {
        column: Column::Source,
        header: "SRC",
        min: 5,
        max: 5,
        priority: 4,
    },
    Spec {
        column: Column::Type,
        header: "TYPE",
        min: 20,
        max: 44,
        priority: 7,
    },
    Spec {
        column: Column::Tactic,
        header: "TACTIC",
        min: 12,
        max: 12,
        priority: 3,
    },
    Spec {
        column: Column::Title,
        header: "TITLE",
        min: 24,
        max: u16::MAX,
        priority: 10,
    },
    Spec {
        column: Column::Resource,
        header: "RESOURCE",
        min: 16,
        max: 22,
        priority: 5,
    },
    Spec {
        column: Column::Status,
        header: "STATUS",
        min: 10,
        max: 10,
        priority: 6,
    },
];

/// Width of the unseen marker column.
pub(super) const MARKER: u16 = 2;
/// The title grows to this before other flexible columns grow.
const TITLE_COMFORT: u16 = 48;

/// Which columns fit in `width`, and how wide each is, in display order.
pub(super) fn columns(width: u16) -> Vec<(Column, &'static str, u16)> {
    let mut kept: Vec<&Spec> = SPECS.iter().collect();
    let needed = |kept: &[&Spec]| kept.iter().map(|s| s.min + 1).sum::<u16>() + MARKER;
    while needed(&kept) > width && kept.len() > 1 {
        let drop = kept
            .iter()
            .enumerate()
            .min_by_key(|(i, s)| (s.priority, usize::MAX - i))
            .map(|(i, _)| i)
            .unwrap_or(0);
        kept.remove(drop);
    }
    let mut widths: Vec<u16> = kept.iter().map(|s| s.min).collect();
    let mut spare = width.saturating_sub(needed(&kept));
    let title = kept.iter().position(|s| s.column == Column::Title);
    // The title is what an analyst reads: it grows first, to a comfortable width; then the other
    // flexible columns in display order; the title takes whatever is left.
    if let Some(i) = title {
        let grow = TITLE_COMFORT.saturating_sub(widths[i]).min(spare);
        widths[i] += grow;
        spare -= grow;
    }
    for (i, spec) in kept.iter().enumerate() {
        if spec.column != Column::Title && spec.max > spec.min {
            let grow = (spec.max - spec.min).min(spare);
            widths[i] += grow;
            spare -= grow;
        }
    }
    if let Some(i) = title {
        widths[i] += spare;
    }
    kept.iter()
        .zip(widths)
        .map(|(s, w)| (s.column, s.header, w))
        .collect()
}

/// The columns that fit, as [`columns`] lays them out.
pub(super) type Columns = [(Column, &'static str, u16)];

/// One finding's row at `y`.
pub(super) fn finding_row(
    buf: &mut Buffer,
    body: Rect,
    y: u16,
    app: &App,
    cols: &Columns,
    ix: EntryIx,
    selected: bool,
) {
    super::masking::learn_row(app, ix);
    let theme = &app.look.theme;
    let overlay = table_row(buf, body, y, theme, selected);
    if app.findings.marks.contains(&ix) {
        // Marked for an action: the strongest mark, and the row stands out.
        put(buf, body.x, y, "▶", 1, overlay(theme.accent));
    } else if is_stale(app, ix) {
        // The source that delivered it has not answered lately: what is shown may be old.
        put(buf, body.x, y, "◐", 1, overlay(theme.warning));
    } else if app.store.is_unseen(ix) {
        put(buf, body.x, y, "●", 1, overlay(theme.unseen));
    }
    let mut x = body.x + MARKER;
    for (column, _, w) in cols {
        draw_cell(buf, (x, y, usize::from(*w)), *column, ix, app, &overlay);
        x += w + 1;
    }
}

/// Whether a source that delivered entry `ix` is failing (stale or in error) in its account and
/// region.
fn is_stale(app: &App, ix: EntryIx) -> bool {
    let Some(s) = app.store.summary(ix) else {
        return false;
    };
    let account = crate::model::SafeText::line(app.store.accounts.name(s.account));
    let region = crate::model::SafeText::line(app.store.regions.name(s.region));
    s.sources.iter().any(|kind| {
        let service = match kind {
            crate::model::SourceKind::GuardDuty => Service::GuardDuty,
            crate::model::SourceKind::SecurityHub => Service::SecurityHub,
            crate::model::SourceKind::Detection => Service::CloudWatchLogs,
        };
        let key = HealthKey {
            account_id: account.clone(),
            region: region.clone(),
            service,
        };
        app.health
            .get(&key)
            .is_some_and(|h| matches!(h.state, HealthState::Stale | HealthState::Error))
    })
}

/// Draws one cell at `(x, y)`, `w` columns wide.
fn draw_cell(
    buf: &mut Buffer,
    (x, y, w): (u16, u16, usize),
    column: Column,
    ix: EntryIx,
    app: &App,
    overlay: &dyn Fn(Style) -> Style,
) {
    let theme = &app.look.theme;
    let store = &app.store;
    let Some(s) = store.summary(ix) else {
        return;
    };
    let (text, style): (std::borrow::Cow<'_, str>, Style) = match column {
        Column::Severity => {
            let sev = theme.severity(s.label);
            (
                format!("{} {}", sev.symbol, s.label.short()).into(),
                sev.style,
            )
        }
        Column::Age => {
            let last_seen = jiff::Timestamp::from_second(s.last_seen).unwrap_or(app.now);
            (format!("{:>4}", age(app.now, last_seen)).into(), theme.base)
        }
        Column::Sla => match app.store.deadline(ix) {
            // Time left, or how long past; the last quarter of the time shows as a warning.
            Some(deadline) => {
                let due = jiff::Timestamp::from_second(deadline).unwrap_or(app.now);
                if due <= app.now {
                    (format!("-{}", age(app.now, due)).into(), theme.error)
                } else {
                    let left = deadline - app.now.as_second();
                    let target = app.store.sla.target(s.label).unwrap_or(i64::MAX);
                    let style = if left * 4 < target {
                        theme.warning
                    } else {
                        theme.muted
                    };
                    (format!("{:>4}", age(due, app.now)).into(), style)
                }
            }
            None => ("   ·".into(), theme.muted),
        },
        Column::Account => {
            let id = store.accounts.name(s.account);
            let account = app.directory.get(id);
            let name = match account {
                Some(a) => a.name.as_str(),
                None if s.account_name != NONE => store.account_names.name(s.account_name),
                None => id,
            };
            let style = if account.is_some_and(|a| a.production) {
                theme.production
            } else {
                theme.base
            };
            (name.into(), style)
        }
        Column::Region => (store.regions.name(s.region).into(), theme.muted),
        Column::Source => (s.sources.tag().into(), theme.muted),
        Column::Type => (store.types.name(s.type_label).into(), theme.base),
        Column::Tactic => match s.tactics.first() {
            Some(tactic) => match s.tactics.iter().count() - 1 {
                0 => (tactic.short().into(), theme.base),
                more => (format!("{} +{more}", tactic.short()).into(), theme.base),
            },
            None => ("·".into(), theme.muted),
        },
        // A detection alert folds every match of its detection by one principal in one
        // account: how many leads, where a narrow title still shows it.
        Column::Title if s.count > 1 && s.sources.contains(SourceKind::Detection) => (
            format!("×{} {}", s.count, store.title(ix)).into(),
            if s.sample { theme.muted } else { theme.base },
        ),
        Column::Title => (
            store.title(ix).into(),
            if s.sample { theme.muted } else { theme.base },
        ),
        Column::Resource => {
            let text = store.resources(ix).next().map_or("", |r| {
                if r.id.is_empty() {
                    store.resource_kinds.name(r.kind)
                } else {
                    short_resource(r.id)
                }
            });
            (text.into(), theme.muted)
        }
        Column::Status if s.expired(app.now.as_second()) => {
            // A disposition due for review: `a e` reopens it.
            ("EXPIRED".into(), theme.warning)
        }
        Column::Status => {
            let status = s.status_label();
            let style = match status {
                "NEW" => theme.accent,
                "RESOLVED" | "SUPPRESSED" | "ARCHIVED" => theme.muted,
                _ => theme.base,
            };
            (status.into(), style)
        }
    };
    put(buf, x, y, &text, w, overlay(style));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_essentials() {
        let at80: Vec<Column> = columns(80).into_iter().map(|(c, _, _)| c).collect();
        assert_eq!(
            at80,
            [
                Column::Severity,
                Column::Age,
                Column::Account,
                Column::Type,
                Column::Title,
            ]
        );
        let at200 = columns(200);
        assert_eq!(at200.len(), SPECS.len());
        let used: u16 = at200.iter().map(|(_, _, w)| w + 1).sum::<u16>() + MARKER;
        assert_eq!(used, 200, "columns fill the width exactly");
        for w in [20, 40, 60, 100, 120, 160] {
            let used: u16 = columns(w).iter().map(|(_, _, w)| w + 1).sum::<u16>() + MARKER;
            assert!(used <= w.max(MARKER + 7), "width {w}: used {used}");
        }
    }
}
