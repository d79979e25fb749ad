//! The findings screen's rows: the store filtered by the query and sorted, plus the selection.

use jiff::Timestamp;

use crate::model::Directory;
use crate::query::{Query, QueryError};
use crate::store::{CompiledFilter, EntryIx, FindingStore, SortKey, sort_rows};

#[derive(Debug)]
pub struct FindingsTable {
    pub filter_text: String,
    query: Query,
    pub sort: SortKey,
    pub reverse: bool,
    /// Store entries that pass the filter, in display order.
    pub rows: Vec<EntryIx>,
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
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

    /// Recomputes the rows, keeping the selected finding selected when it still passes.
    pub fn refresh(&mut self, store: &FindingStore, directory: &Directory, now: Timestamp) {
        let keep = self.selected_entry();
        let filter = CompiledFilter::compile(&self.query, store, directory, now);
        self.rows.clear();
        self.rows
            .extend((0..store.len() as EntryIx).filter(|&ix| filter.matches(store, ix)));
        sort_rows(&mut self.rows, store, directory, self.sort, self.reverse);
        if let Some(position) = keep.and_then(|ix| self.rows.iter().position(|&r| r == ix)) {
            // Keep the selected row at the same height on screen while rows move around it.
            let screen_row = self.selected.saturating_sub(self.offset);
            self.selected = position;
            self.offset = position.saturating_sub(screen_row);
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.offset = self.offset.min(self.selected);
    }

    /// The filter in use, parsed.
    pub fn query(&self) -> &Query {
        &self.query
    }

    pub fn selected_entry(&self) -> Option<EntryIx> {
        self.rows.get(self.selected).copied()
    }

    /// Moves the selection by `delta` rows, scrolling so it stays within a page of `page` rows.
    pub fn move_by(&mut self, delta: isize, page: usize) {
        let last = self.rows.len().saturating_sub(1);
        self.select(self.selected.saturating_add_signed(delta).min(last), page);
    }

    pub fn select(&mut self, row: usize, page: usize) {
        self.selected = row.min(self.rows.len().saturating_sub(1));
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
        let max_offset = self.rows.len().saturating_sub(page);
        self.offset = self.offset.min(max_offset).min(self.selected);
    }
}
