//! The findings screen's rows: the store filtered by the query and sorted, plus the selection.

use jiff::Timestamp;

use super::incidents::Line;
use crate::model::Directory;
use crate::query::{Query, QueryError};
use crate::store::{CompiledFilter, EntryIx, FindingStore, SortKey, sort_rows};

/// A line of the table, by what it shows rather than where.
#[derive(Clone, Debug, PartialEq)]
enum Selected {
    Finding(EntryIx),
    Group(u64),
}

#[derive(Debug)]
pub struct FindingsTable {
    pub filter_text: String,
    query: Query,
    pub sort: SortKey,
    pub reverse: bool,
    /// Store entries that pass the filter, in display order.
    pub rows: Vec<EntryIx>,
    /// The line selected, and the first line shown: of `rows`, or of the incidents' lines
    /// when the queue is grouped.
    pub selected: usize,
    pub offset: usize,
    /// Rows that arrived above the visible top since the cursor left the first row (the screen
    /// holds still under them): said as "▲ N newer", until the top is in view again.
    pub newer: usize,
    /// The queue grouped into incidents (`:group by …`), when it is.
    pub incidents: super::incidents::Incidents,
    /// Every entry in display order, as of a store version: a filtered list of a sorted order
    /// is sorted, so while the store holds still a new filter is one scan, not a sort.
    everything: Option<Sorted>,
}

/// The whole store sorted one way, as of `version`.
#[derive(Debug)]
struct Sorted {
    version: u64,
    sort: SortKey,
    reverse: bool,
    rows: Vec<EntryIx>,
}

impl FindingsTable {
    pub fn new(sort: SortKey) -> Self {
        Self {
            filter_text: String::new(),
            query: Query::default(),
            sort,
            reverse: false,
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            newer: 0,
            incidents: Default::default(),
            everything: None,
        }
    }

    /// Parses and applies a filter; on error nothing changes.
    pub fn set_filter(
        &mut self,
        text: &str,
        store: &FindingStore,
        directory: &Directory,
        now: Timestamp,
    ) -> Result<(), QueryError> {
        let query = Query::parse(text)?;
        self.filter_text = text.trim().to_string();
        self.query = query;
        self.refresh(store, directory, now);
        Ok(())
    }

    /// Recomputes the rows after the filter, the sort or the findings changed. With the cursor
    /// on the first row the table follows the top (what arrives there is shown); otherwise the
    /// selected finding (or group) stays selected, at the same height, when it still passes.
    pub fn refresh(&mut self, store: &FindingStore, directory: &Directory, now: Timestamp) {
        self.recompute(store, directory, now, false);
    }

    /// [`refresh`](Self::refresh) after findings arrived: rows that land above the visible top
    /// while the cursor is further down are counted in [`newer`](Self::newer).
    pub fn refresh_arrived(&mut self, store: &FindingStore, directory: &Directory, now: Timestamp) {
        self.recompute(store, directory, now, true);
    }

    fn recompute(
        &mut self,
        store: &FindingStore,
        directory: &Directory,
        now: Timestamp,
        arrived: bool,
    ) {
        let following = self.selected == 0;
        let keep = if following {
            None
        } else {
            self.selected_line()
        };
        let was_at = self.selected;
        let filter = CompiledFilter::compile(&self.query, store, directory, now);
        // By account the order follows the directory's names, which change without the store.
        let cacheable = self.sort != SortKey::Account;
        let everything = self.everything.as_ref().filter(|s| {
            cacheable
                && s.version == store.version()
                && s.sort == self.sort
                && s.reverse == self.reverse
                && s.rows.len() == store.len()
        });
        self.rows.clear();
        if let Some(sorted) = everything {
            // The filter runs in the store's order (its memory in sequence); the kept order then
            // only reads a bit a finding (a million fit in 128 KiB).
            let mut pass = vec![0u64; store.len().div_ceil(64)];
            for ix in 0..store.len() as EntryIx {
                if filter.matches(store, ix) {
                    pass[ix as usize / 64] |= 1 << (ix % 64);
                }
            }
            self.rows.extend(
                sorted
                    .rows
                    .iter()
                    .copied()
                    .filter(|&ix| pass[ix as usize / 64] & (1 << (ix % 64)) != 0),
            );
        } else {
            self.rows
                .extend((0..store.len() as EntryIx).filter(|&ix| filter.matches(store, ix)));
            sort_rows(&mut self.rows, store, directory, self.sort, self.reverse);
            // The whole queue was sorted anyway: kept for the filters typed next.
            if cacheable && self.rows.len() == store.len() {
                self.everything = Some(Sorted {
                    version: store.version(),
                    sort: self.sort,
                    reverse: self.reverse,
                    rows: self.rows.clone(),
                });
            }
        }
        self.incidents.rebuild(&self.rows, store, directory);
        if following {
            self.offset = 0;
        } else if let Some(position) = keep.and_then(|line| self.position_of(&line)) {
            // Keep the selected row at the same height on screen while rows move around it.
            let screen_row = self.selected.saturating_sub(self.offset);
            self.selected = position;
            self.offset = position.saturating_sub(screen_row);
            if arrived {
                // The rows the selection moved down by are rows that came in above it.
                let moved = position as isize - was_at as isize;
                self.newer = self.newer.saturating_add_signed(moved);
            }
        }
        if !arrived {
            self.newer = 0;
        }
        self.selected = self.selected.min(self.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
        self.newer = self.newer.min(self.offset);
    }

    /// Groups the queue by `by` (None: the plain queue), keeping the selected finding in view.
    pub fn group_by(
        &mut self,
        by: Option<super::incidents::GroupBy>,
        store: &FindingStore,
        directory: &Directory,
    ) {
        let keep = self.selected_entry();
        self.incidents.by = by;
        self.incidents.rebuild(&self.rows, store, directory);
        let position = keep.and_then(|ix| self.position_of(&Selected::Finding(ix)));
        self.selected = position.unwrap_or(0);
        self.offset = self.selected;
    }

    /// How many lines the table lists: findings, or groups and their open members.
    pub fn len(&self) -> usize {
        if self.incidents.active() {
            self.incidents.lines.len()
        } else {
            self.rows.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What the selected line is, to find it again after the rows change.
    fn selected_line(&self) -> Option<Selected> {
        if !self.incidents.active() {
            return self.selected_entry().map(Selected::Finding);
        }
        match *self.incidents.lines.get(self.selected)? {
            Line::Group(g) => Some(Selected::Group(self.incidents.groups.get(g)?.key)),
            Line::Member(_, ix) => Some(Selected::Finding(ix)),
            Line::Signal(g, _) => Some(Selected::Group(self.incidents.groups.get(g)?.key)),
        }
    }

    fn position_of(&self, selected: &Selected) -> Option<usize> {
        if !self.incidents.active() {
            let Selected::Finding(ix) = selected else {
                return None;
            };
            return self.rows.iter().position(|r| r == ix);
        }
        let incidents = &self.incidents;
        incidents.lines.iter().position(|line| match (line, selected) {
            (Line::Group(g), Selected::Group(key)) => incidents.groups[*g].key == *key,
            (Line::Member(_, ix), Selected::Finding(want)) => ix == want,
            _ => false,
        })
        // A finding in a collapsed group: its group.
        .or_else(|| match selected {
            Selected::Finding(ix) => incidents
                .lines
                .iter()
                .position(|line| matches!(line, Line::Group(g) if incidents.groups[*g].members.contains(ix))),
            Selected::Group(_) => None,
        })
    }

    /// The group whose row is selected (not one of its members).
    pub fn selected_group(&self) -> Option<&super::incidents::Group> {
        match self.incidents.lines.get(self.selected)? {
            Line::Group(g) if self.incidents.active() => self.incidents.groups.get(*g),
            _ => None,
        }
    }

    /// The findings an action or a mark on the selected line takes: a group's members, or the
    /// selected finding.
    pub fn selected_findings(&self) -> Vec<EntryIx> {
        match self.selected_group() {
            Some(group) => group.members.clone(),
            None => self.selected_entry().into_iter().collect(),
        }
    }

    /// The findings on the lines from `a` to `b` (either order), each once.
    pub fn findings_between(&self, a: usize, b: usize) -> Vec<EntryIx> {
        let (lo, hi) = (a.min(b), a.max(b));
        if !self.incidents.active() {
            return self
                .rows
                .get(lo..=hi)
                .map(<[_]>::to_vec)
                .unwrap_or_default();
        }
        let mut found = Vec::new();
        for line in self.incidents.lines.get(lo..=hi).unwrap_or(&[]) {
            match *line {
                Line::Member(_, ix) => found.push(ix),
                Line::Group(g) => found.extend(&self.incidents.groups[g].members),
                Line::Signal(..) => {}
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Moves to the next group's row (the last line when there is none).
    pub fn next_group(&mut self, page: usize) {
        let next = self
            .incidents
            .lines
            .iter()
            .skip(self.selected + 1)
            .position(|line| matches!(line, Line::Group(_)))
            .map_or(usize::MAX, |n| self.selected + 1 + n);
        self.select(next, page);
    }

    /// The line a finding is on.
    pub fn line_of(&self, ix: EntryIx) -> Option<usize> {
        self.position_of(&Selected::Finding(ix))
    }

    /// The filter in use, parsed.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The finding on the selected line (none on a group's row or a signal).
    pub fn selected_entry(&self) -> Option<EntryIx> {
        if !self.incidents.active() {
            return self.rows.get(self.selected).copied();
        }
        match self.incidents.lines.get(self.selected)? {
            Line::Member(_, ix) => Some(*ix),
            Line::Group(_) | Line::Signal(..) => None,
        }
    }

    /// Moves the selection by `delta` rows, scrolling so it stays within a page of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.len().saturating_sub(1);
        self.select(self.selected.saturating_add_signed(delta).min(last), page);
    }

    pub fn select(&mut self, row: usize, page: usize) {
        self.selected = row.min(self.len().saturating_sub(1));
        self.keep_visible(page);
    }

    pub fn keep_visible(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        // Do not leave empty space below the last row when the list is long enough.
        let max_offset = self.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset).min(self.selected);
        // What arrived above is counted only while it is out of view.
        self.newer = self.newer.min(self.offset);
    }
}
