//! A finding's row in the table: the columns that fit a width (dropped by priority when the
//! terminal is narrow) and each cell, drawn straight into the buffer. The plain queue and the
//! incidents view's members share it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::{age, short_resource};
use super::{Cut, put, put_cut, table_row};
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
    /// Flexible columns grow up to this (or their content's width, when that is less); fixed
    /// ones have `max == min`.
    max: u16,
    /// Dropped first when space runs out: lower goes first.
    priority: u8,
    /// Where a value too wide loses characters.
    cut: Cut,
}

const fn spec(column: Column, header: &'static str, min: u16, max: u16, priority: u8) -> Spec {
    Spec {
        column,
        header,
        min,
        max,
        priority,
        cut: Cut::End,
    }
}

const SPECS: [Spec; 11] = [
    spec(Column::Severity, "SEV", 6, 6, 10),
    // Four for `12m`, one more for the sort arrow on `SEEN↓`.
    spec(Column::Age, "SEEN", 5, 5, 8),
    spec(Column::Sla, "SLA", 4, 4, 5),
    spec(Column::Account, "ACCOUNT", 12, 24, 9),
    spec(Column::Region, "REGION", 9, 14, 2),
    spec(Column::Source, "SRC", 5, 5, 4),
    // The end of a type tells brute force over SSH from RDP: cut in the middle.
    Spec {
        cut: Cut::Middle,
        ..spec(Column::Type, "TYPE", 20, 48, 7)
    },
    spec(Column::Tactic, "TACTIC", 12, 12, 3),
    spec(Column::Title, "TITLE", 18, u16::MAX, 10),
    // An id or ARN is named by its end: cut at the start.
    Spec {
        cut: Cut::Start,
        ..spec(Column::Resource, "RESOURCE", 16, 32, 5)
    },
    // NEW and RESOLVED must not look the same: kept down to 80 columns.
    spec(Column::Status, "STATUS", 10, 10, 7),
];

/// The columns the wide layout keeps: fewer, each as wide as what it holds.
const WIDE: [Column; 6] = [
    Column::Severity,
    Column::Age,
    Column::Account,
    Column::Type,
    Column::Title,
    Column::Status,
];

/// Width of the unseen marker column.
pub(super) const MARKER: u16 = 2;
/// The title grows to this before other flexible columns grow (to their content's width), and
/// columns below [`ESSENTIAL`] are dropped before it is narrower.
const TITLE_COMFORT: u16 = 32;
/// An account column grows to this (or its longest name) before the title grows.
const ACCOUNT_COMFORT: u16 = 16;
/// Columns of this priority or more are what a row is: they go only when nothing else can.
const ESSENTIAL: u8 = 7;

/// The widest value some columns hold, over every value the queue knows (not only the rows on
/// screen, so columns hold still while scrolling): the columns are no wider than that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Content {
    pub types: u16,
    pub accounts: u16,
    pub regions: u16,
}

impl Content {
    /// Every column as wide as its spec allows.
    #[cfg(test)]
    pub(super) const UNKNOWN: Content = Content {
        types: u16::MAX,
        accounts: u16::MAX,
        regions: u16::MAX,
    };

    /// Costs a pass over the distinct types, accounts and regions (hundreds to a few
    /// thousand values, at 1,000 accounts), not over the findings.
    pub(super) fn of(app: &App) -> Content {
        let widest = |names: &mut dyn Iterator<Item = &str>| {
            names
                .map(super::text::width)
                .max()
                .unwrap_or(0)
                .min(usize::from(u16::MAX)) as u16
        };
        let store = &app.store;
        let accounts = widest(&mut app.directory.iter().map(|a| a.name.as_str()))
            .max(widest(&mut store.account_names.iter().map(|(_, n)| n)))
            .max(widest(&mut store.accounts.iter().map(|(_, id)| id)));
        Content {
            types: widest(&mut store.types.iter().map(|(_, t)| t)),
            accounts,
            regions: widest(&mut store.regions.iter().map(|(_, r)| r)),
        }
    }

    fn of_column(&self, column: Column) -> u16 {
        match column {
            Column::Type => self.types,
            Column::Account => self.accounts,
            Column::Region => self.regions,
            _ => u16::MAX,
        }
    }
}

/// Which columns fit in `width`, and how wide each is, in display order. `wide` trades
/// columns for width: only [`WIDE`]'s, the type as wide as the widest.
pub(super) fn columns(
    width: u16,
    content: &Content,
    wide: bool,
) -> Vec<(Column, &'static str, u16)> {
    let mut kept: Vec<(&Spec, u16, u16)> = SPECS
        .iter()
        .filter(|s| !wide || WIDE.contains(&s.column))
        .map(|s| {
            // No wider than the content, nor narrower than the header and its sort arrow.
            let header = s.header.len() as u16 + 1;
            let max = if wide && s.column == Column::Type {
                u16::MAX
            } else {
                s.max
            };
            let max = max.min(content.of_column(s.column)).max(header);
            (s, s.min.min(max), max)
        })
        .collect();
    // The extras go before the title is cut below a comfortable width; then, down to the
    // essentials, the title gives up its comfort before an essential goes.
    let needed = |kept: &[(&Spec, u16, u16)], title: u16| {
        kept.iter()
            .map(|(s, min, _)| if s.column == Column::Title { title } else { *min } + 1)
            .sum::<u16>()
            + MARKER
    };
    let lowest = |kept: &[(&Spec, u16, u16)]| {
        kept.iter()
            .enumerate()
            .min_by_key(|(i, (s, _, _))| (s.priority, usize::MAX - i))
            .map(|(i, (s, _, _))| (i, s.priority))
    };
    while needed(&kept, TITLE_COMFORT) > width
        && let Some((drop, priority)) = lowest(&kept)
        && priority < ESSENTIAL
    {
        kept.remove(drop);
    }
    let title_min = SPECS
        .iter()
        .find(|s| s.column == Column::Title)
        .map_or(0, |s| s.min);
    while needed(&kept, title_min) > width
        && kept.len() > 1
        && let Some((drop, _)) = lowest(&kept)
    {
        kept.remove(drop);
    }
    let needed = |kept: &[(&Spec, u16, u16)]| needed(kept, title_min);
    let mut widths: Vec<u16> = kept.iter().map(|(_, min, _)| *min).collect();
    let mut spare = width.saturating_sub(needed(&kept));
    let title = kept.iter().position(|(s, _, _)| s.column == Column::Title);
    // An account's name says whose finding it is: it gets its whole name first, up to a
    // name's usual length. The title is what an analyst reads: it grows next, to a
    // comfortable width (in the wide layout the type comes first); then the other flexible
    // columns in display order; the title takes whatever is left.
    if let Some(i) = kept
        .iter()
        .position(|(s, _, _)| s.column == Column::Account)
    {
        let grow = kept[i]
            .2
            .min(ACCOUNT_COMFORT)
            .saturating_sub(widths[i])
            .min(spare);
        widths[i] += grow;
        spare -= grow;
    }
    if let Some(i) = title.filter(|_| !wide) {
        let grow = TITLE_COMFORT.saturating_sub(widths[i]).min(spare);
        widths[i] += grow;
        spare -= grow;
    }
    for (i, (spec, _, max)) in kept.iter().enumerate() {
        if spec.column != Column::Title {
            let grow = max.saturating_sub(widths[i]).min(spare);
            widths[i] += grow;
            spare -= grow;
        }
    }
    if let Some(i) = title {
        widths[i] += spare;
    }
    kept.iter()
        .zip(widths)
        .map(|((s, _, _), w)| (s.column, s.header, w))
        .collect()
}

/// Where a column's values are cut.
fn cut_of(column: Column) -> Cut {
    SPECS
        .iter()
        .find(|s| s.column == column)
        .map_or(Cut::End, |s| s.cut)
}

/// The columns that fit, as [`columns`] lays them out.
pub(super) type Columns = [(Column, &'static str, u16)];

pub(super) use crate::app::symbols::{MARKED, STALE, UNSEEN};

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
        put(buf, body.x, y, MARKED, 1, overlay(theme.accent));
    } else if is_stale(app, ix) {
        // The source that delivered it has not answered lately: what is shown may be old.
        put(buf, body.x, y, STALE, 1, overlay(theme.warning));
    } else if app.store.is_unseen(ix) {
        put(buf, body.x, y, UNSEEN, 1, overlay(theme.unseen));
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
    put_cut(buf, (x, y), &text, w, overlay(style), cut_of(column));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_keep_the_essentials() {
        let at80: Vec<Column> = columns(80, &Content::UNKNOWN, false)
            .into_iter()
            .map(|(c, _, _)| c)
            .collect();
        assert_eq!(
            at80,
            [
                Column::Severity,
                Column::Age,
                Column::Account,
                Column::Type,
                Column::Title,
                Column::Status,
            ],
            "NEW and RESOLVED must not look the same at 80 columns"
        );
        let at200 = columns(200, &Content::UNKNOWN, false);
        assert_eq!(at200.len(), SPECS.len());
        let used: u16 = at200.iter().map(|(_, _, w)| w + 1).sum::<u16>() + MARKER;
        assert_eq!(used, 200, "columns fill the width exactly");
        for w in [20, 40, 60, 80, 100, 120, 160, 200] {
            for wide in [false, true] {
                let cols = columns(w, &Content::UNKNOWN, wide);
                let used: u16 = cols.iter().map(|(_, _, w)| w + 1).sum::<u16>() + MARKER;
                assert!(used <= w.max(MARKER + 7), "width {w}: used {used}");
                if w >= 80 {
                    for (column, header, width) in &cols {
                        assert!(
                            usize::from(*width) > header.len(),
                            "{column:?} at {w}: {header} and its sort arrow fit in {width}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn columns_are_no_wider_than_what_they_hold_and_the_wide_layout_gives_the_type_its_width() {
        let content = Content {
            types: 36,
            accounts: 13,
            regions: 9,
        };
        let at180 = columns(180, &content, false);
        let width_of = |cols: &[(Column, &str, u16)], c: Column| {
            cols.iter()
                .find(|(col, _, _)| *col == c)
                .map(|(_, _, w)| *w)
        };
        assert_eq!(width_of(&at180, Column::Account), Some(13));
        assert_eq!(width_of(&at180, Column::Type), Some(36));
        let wide = columns(120, &content, true);
        assert_eq!(
            wide.iter().map(|(c, _, _)| *c).collect::<Vec<_>>(),
            WIDE,
            "the wide layout keeps fewer columns"
        );
        assert_eq!(width_of(&wide, Column::Type), Some(36), "every type whole");
    }
}
