//! What each screen keeps between frames, apart from the data they share (the store, the
//! directory, health): the overview's cursor; the findings' table, marks and undo; the logs'
//! buffer, pivot, query and detections; the sources' cursor; and the look of every screen.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::logs::LogView;
use super::stats::HeatLine;
use super::{FindingsTable, InsightsView, Keymap, Pivot, SavedView};
use crate::store::EntryIx;
use crate::theme::{ColorDepth, Theme, ThemeSet};

#[derive(Debug, Default)]
pub struct OverviewScreen {
    /// Selected account of the table (index into the stats' accounts); with `line`, the
    /// heading of its OU or the totals below.
    pub row: usize,
    /// Which line is selected: the account at `row`, its OU's heading, or the totals.
    pub line: OverviewLine,
    /// The selected severity cell (critical first), or none: the whole line.
    pub column: Option<usize>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OverviewLine {
    #[default]
    Account,
    Ou,
    Totals,
}

impl OverviewScreen {
    /// Where the selection is among `lines` (the stats' [`HeatLine`]s of `accounts`).
    pub fn line_index(
        &self,
        lines: &[HeatLine],
        accounts: &[crate::app::stats::AccountRow],
    ) -> usize {
        let account = lines
            .iter()
            .position(|l| *l == HeatLine::Account(self.row))
            .unwrap_or(0);
        match self.line {
            OverviewLine::Account => account,
            OverviewLine::Ou => {
                let ou = accounts.get(self.row).map(|a| a.ou_path.as_str());
                lines[..account.min(lines.len())]
                    .iter()
                    .rposition(|l| {
                        matches!(l, HeatLine::Ou { first, .. }
                            if accounts.get(*first).map(|a| a.ou_path.as_str()) == ou)
                    })
                    .unwrap_or(account)
            }
            OverviewLine::Totals => lines.len().saturating_sub(1),
        }
    }

    /// Selects line `ix` of `lines`.
    pub fn select_line(&mut self, lines: &[HeatLine], ix: usize) {
        match lines.get(ix) {
            Some(HeatLine::Ou { first, .. }) => {
                self.row = *first;
                self.line = OverviewLine::Ou;
            }
            Some(HeatLine::Account(i)) => {
                self.row = *i;
                self.line = OverviewLine::Account;
            }
            Some(HeatLine::Totals) => self.line = OverviewLine::Totals,
            None => {}
        }
    }
}

#[derive(Debug)]
pub struct FindingsScreen {
    pub table: FindingsTable,
    /// Findings marked for an action, by store entry; they stay marked whatever the filter.
    pub marks: std::collections::BTreeSet<EntryIx>,
    /// The accounts the marks touch, and whether one is production: kept up to date as marks
    /// change so the status bar does not walk every mark on each frame.
    pub marks_scope: (usize, bool),
    /// The last finding marked or unmarked, where a range mark starts.
    pub mark_anchor: Option<EntryIx>,
    /// What `u` puts back: for each finding the last action changed, the action that restores
    /// it (an action on many findings may need several, by previous state).
    pub undo: Vec<(EntryIx, crate::actions::Action)>,
    /// The action `u` undoes (its confirmation names it).
    pub undo_of: Option<crate::actions::Action>,
    /// The step of an undo in steps being confirmed or carried out: when it is done, the
    /// findings it put back leave `undo` and the other steps stay.
    pub undoing: Option<crate::actions::Action>,
    /// What `.` does again: the last action approved.
    pub last_action: Option<crate::actions::Action>,
    /// Filters applied, for ↑/↓ in the filter prompt.
    pub filter_history: Vec<String>,
    /// The wide layout: fewer columns, each as wide as what it holds.
    pub wide: bool,
}

impl FindingsScreen {
    pub fn new(table: FindingsTable) -> FindingsScreen {
        FindingsScreen {
            table,
            marks: Default::default(),
            marks_scope: (0, false),
            mark_anchor: None,
            undo: Vec::new(),
            undo_of: None,
            undoing: None,
            last_action: None,
            filter_history: Vec::new(),
            wide: false,
        }
    }
}

/// A page over the live stream; Esc pops the newest.
#[derive(Debug)]
pub enum LogsPage {
    /// A finding's activity, shown instead of the live stream.
    Pivot(Box<Pivot>),
    /// A Logs Insights query's answer, shown over the screen.
    Insights(Box<InsightsView>),
}

#[derive(Debug)]
pub struct LogsScreen {
    /// The live stream.
    pub buffer: LogView,
    /// Pages opened over the stream, oldest first: at most one pivot and one query.
    pub pages: Vec<LogsPage>,
    pub next_query: u64,
    /// The log groups tailed (empty: the sources' discovery decides).
    pub groups: Vec<String>,
    /// Bumped whenever the log sources are re-pointed at other groups: a log batch from an
    /// older generation was read for groups no longer tailed.
    pub generation: u64,
    /// When the live tail last said the service sampled its events.
    pub sampled: Option<Timestamp>,
    /// How far behind the stream picket last was (events waiting to be merged), and when:
    /// said on screen while it lasts and for a few seconds after.
    pub behind: Option<(std::time::Duration, Timestamp)>,
    /// Lines newest first (the top follows the stream) instead of the tail's order.
    pub newest_first: bool,
    /// The detections run on incoming CloudTrail records, and the alerts they raised.
    pub detector: crate::logs::detect::Detector,
    pub alerts: crate::logs::detect::Alerts,
    /// Alerts already in the queue that matched again since the clock last ticked, with their
    /// latest match: raised again at the next tick ([`crate::logs::detect::Alerts::due`]).
    pub pending_alerts: std::collections::BTreeMap<
        String,
        (
            &'static crate::logs::detect::Detection,
            crate::model::LogEvent,
        ),
    >,
}

impl LogsScreen {
    pub fn new(
        buffer: LogView,
        groups: Vec<String>,
        detector: crate::logs::detect::Detector,
    ) -> Self {
        LogsScreen {
            buffer,
            pages: Vec::new(),
            next_query: 1,
            groups,
            generation: 0,
            sampled: None,
            behind: None,
            newest_first: false,
            detector,
            alerts: Default::default(),
            pending_alerts: Default::default(),
        }
    }

    pub fn pivot(&self) -> Option<&Pivot> {
        self.pages.iter().find_map(|p| match p {
            LogsPage::Pivot(pivot) => Some(&**pivot),
            LogsPage::Insights(_) => None,
        })
    }

    pub fn pivot_mut(&mut self) -> Option<&mut Pivot> {
        self.pages.iter_mut().find_map(|p| match p {
            LogsPage::Pivot(pivot) => Some(&mut **pivot),
            LogsPage::Insights(_) => None,
        })
    }

    pub fn insights(&self) -> Option<&InsightsView> {
        self.pages.iter().find_map(|p| match p {
            LogsPage::Insights(view) => Some(&**view),
            LogsPage::Pivot(_) => None,
        })
    }

    pub fn insights_mut(&mut self) -> Option<&mut InsightsView> {
        self.pages.iter_mut().find_map(|p| match p {
            LogsPage::Insights(view) => Some(&mut **view),
            LogsPage::Pivot(_) => None,
        })
    }

    /// Opens a page on top, replacing one of its kind.
    pub fn open(&mut self, page: LogsPage) {
        self.pages
            .retain(|p| std::mem::discriminant(p) != std::mem::discriminant(&page));
        self.pages.push(page);
    }

    /// The events the screen lists: a pivot's, or the live stream.
    pub fn shown(&self) -> &LogView {
        self.pivot().map_or(&self.buffer, |p| &p.view)
    }

    pub fn shown_mut(&mut self) -> &mut LogView {
        let pivot = self.pages.iter_mut().find_map(|p| match p {
            LogsPage::Pivot(pivot) => Some(&mut pivot.view),
            LogsPage::Insights(_) => None,
        });
        match pivot {
            Some(view) => view,
            None => &mut self.buffer,
        }
    }
}

#[derive(Debug, Default)]
pub struct SourcesScreen {
    /// Selected account (row) and region (column) of the health matrix.
    pub row: usize,
    pub col: usize,
    /// The selected cell's states and messages are shown in full.
    pub detail: bool,
}

/// How every screen looks and reads keys: the keymap, saved views, themes, the clock's zone.
#[derive(Clone, Debug)]
pub struct Look {
    pub keymap: Keymap,
    pub views: BTreeMap<String, SavedView>,
    pub themes: ThemeSet,
    pub theme: Theme,
    pub color_depth: ColorDepth,
    pub time_zone: TimeZone,
}
