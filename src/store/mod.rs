//! The findings queue: every finding once, upserted by id, with what filtering and sorting need
//! precomputed at insert time so a 100,000-finding re-filter stays within a keystroke.

mod filter;
mod sort;

use std::collections::HashMap;

use jiff::Timestamp;

use crate::model::Finding;
pub use filter::CompiledFilter;
pub use sort::{SortKey, sort_rows};

/// Index of an entry in the store. Entries are never removed, so an index stays valid.
pub type EntryIx = u32;

/// Distinct strings of one field, numbered in order of first appearance.
#[derive(Debug, Default)]
pub struct Interner {
    ids: HashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.names.iter().enumerate().map(|(i, n)| (i as u32, &**n))
    }
}

#[derive(Debug)]
pub struct Entry {
    pub finding: Finding,
    pub account: u32,
    pub region: u32,
    pub product: u32,
    /// Interned types: the table's type label first, then every other type.
    pub types: Box<[u32]>,
    /// Lowercased title, types and resources, searched by free words.
    pub haystack: Box<str>,
    /// When picket first received it.
    pub arrived: Timestamp,
    /// Arrived after the first sweep and not yet selected.
    pub unseen: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    Inserted(EntryIx),
    Updated(EntryIx),
    Unchanged(EntryIx),
}

#[derive(Debug, Default)]
pub struct FindingStore {
    entries: Vec<Entry>,
    by_id: HashMap<Box<str>, EntryIx>,
    pub accounts: Interner,
    pub regions: Interner,
    pub types: Interner,
    pub products: Interner,
    /// Bumped on every change, so views know when to recompute.
    version: u64,
}

impl FindingStore {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, ix: EntryIx) -> Option<&Entry> {
        self.entries.get(ix as usize)
    }

    pub fn find(&self, id: &str) -> Option<EntryIx> {
        self.by_id.get(id).copied()
    }

    pub fn mark_seen(&mut self, ix: EntryIx) {
        if let Some(entry) = self.entries.get_mut(ix as usize)
            && entry.unseen
        {
            entry.unseen = false;
            self.version += 1;
        }
    }

    /// Inserts a new finding or replaces the stored one with the same id. A finding from a
    /// source's first sweep is part of the baseline and never marked unseen.
    pub fn upsert(&mut self, finding: Finding, now: Timestamp, baseline: bool) -> Upsert {
        if let Some(&ix) = self.by_id.get(finding.id.as_str()) {
            let old = &self.entries[ix as usize];
            if old.finding == finding {
                return Upsert::Unchanged(ix);
            }
            let mut finding = finding;
            finding.sources = old.finding.sources.union(finding.sources);
            let (arrived, unseen) = (old.arrived, old.unseen);
            self.entries[ix as usize] = self.index(finding, arrived, unseen);
            self.version += 1;
            return Upsert::Updated(ix);
        }
        let ix = self.entries.len() as EntryIx;
        self.by_id.insert(finding.id.as_str().into(), ix);
        let entry = self.index(finding, now, !baseline);
        self.entries.push(entry);
        self.version += 1;
        Upsert::Inserted(ix)
    }

    fn index(&mut self, finding: Finding, arrived: Timestamp, unseen: bool) -> Entry {
        let label = finding.type_label().to_string();
        let mut types = vec![self.types.intern(&label)];
        for t in &finding.types {
            let id = self.types.intern(t);
            if !types.contains(&id) {
                types.push(id);
            }
        }
        let mut haystack = String::with_capacity(finding.title.len() + label.len() + 64);
        haystack.push_str(&finding.title);
        haystack.push('\n');
        haystack.push_str(&label);
        for r in &finding.resources {
            haystack.push('\n');
            haystack.push_str(&r.kind);
            haystack.push(' ');
            haystack.push_str(&r.id);
        }
        Entry {
            account: self.accounts.intern(&finding.account_id),
            region: self.regions.intern(&finding.region),
            product: self.products.intern(&finding.product),
            types: types.into_boxed_slice(),
            haystack: haystack.to_lowercase().into_boxed_str(),
            arrived,
            unseen,
            finding,
        }
    }
}

#[cfg(test)]
mod tests;
