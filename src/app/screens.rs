//! What each screen keeps between frames, apart from the data they share (the store, the
//! directory, health): the overview's cursor; the findings' table, marks and undo; the logs'
//! buffer, pivot, query and detections; the sources' cursor; and the look of every screen.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::logs::LogView;
use super::{FindingsTable, InsightsView, Keymap, Pivot, SavedView};
use crate::store::EntryIx;
use crate::theme::{ColorDepth, Theme, ThemeSet};

#[derive(Debug, Default)]
pub struct OverviewScreen {
    /// Selected row of the account table.
    pub row: usize,
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
    /// Filters applied, for ↑/↓ in the filter prompt.
    pub filter_history: Vec<String>,
}

impl FindingsScreen {
    pub fn new(table: FindingsTable) -> FindingsScreen {
        FindingsScreen {
            table,
            marks: Default::default(),
            marks_scope: (0, false),
            mark_anchor: None,
            undo: Vec::new(),
            filter_history: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct LogsScreen {
    /// The live stream.
    pub buffer: LogView,
    /// A finding's activity, shown instead of the live stream until Esc.
    pub pivot: Option<Pivot>,
    /// A Logs Insights query, shown over the screen until Esc.
    pub insights: Option<InsightsView>,
    pub next_query: u64,
    /// The log groups tailed (empty: the sources' discovery decides).
    pub groups: Vec<String>,
    /// Bumped whenever the log sources are re-pointed at other groups: a log batch from an
    /// older generation was read for groups no longer tailed.
    pub generation: u64,
    /// When the live tail last said the service sampled its events.
    pub sampled: Option<Timestamp>,
    /// The detections run on incoming CloudTrail records, and the alerts they raised.
    pub detector: crate::detect::Detector,
    pub alerts: crate::detect::Alerts,
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
