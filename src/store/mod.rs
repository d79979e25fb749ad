//! The findings queue: every finding once, upserted by id.
//!
//! The store keeps what the queue shows, filters and sorts on — a compact [`Summary`] of numbers
//! and interned ids per finding, kept apart so a pass over 100,000 stays in cache, and a lean
//! [`Entry`] with the few unique strings — plus the raw record, compressed. Everything else of a
//! finding (description, resource details, actor and network, notes) is rebuilt from the raw
//! record when the finding is opened ([`FindingStore::finding`]). That keeps 100,000 findings in
//! well under 200 MB, and one source of truth for the detail view.

mod filter;
mod sort;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

use jiff::Timestamp;

use crate::model::finding::{ComplianceStatus, RecordState, Verification};
use crate::model::raw::{RawRecord, RecordKind};
use crate::model::{Finding, SafeText, SeverityLabel, Sources, Workflow, finding_from_raw};
pub use filter::CompiledFilter;
pub use sort::{SortKey, sort_rows};

/// Index of an entry in the store. Entries are never removed, so an index stays valid.
pub type EntryIx = u32;

/// Marks "none" in interned id fields.
pub const NONE: u32 = u32::MAX;

/// Distinct values of one kind, numbered in order of first appearance.
#[derive(Debug)]
pub struct Interner<T: ?Sized + Eq + Hash = str> {
    ids: HashMap<Box<T>, u32>,
    values: Vec<Box<T>>,
}

impl<T: ?Sized + Eq + Hash> Default for Interner<T> {
    fn default() -> Self {
        Self {
            ids: HashMap::new(),
            values: Vec::new(),
        }
    }
}

impl<T: ?Sized + Eq + Hash> Interner<T>
where
    Box<T>: for<'a> From<&'a T>,
{
    pub fn intern(&mut self, value: &T) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> Option<&T> {
        self.values.get(id as usize).map(|v| &**v)
    }

    /// The number of a value already interned.
    pub fn lookup(&self, value: &T) -> Option<u32> {
        self.ids.get(value).copied()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, &**v))
    }
}

impl Interner<str> {
    /// The string for `id`, or `""` (also for [`NONE`]).
    pub fn name(&self, id: u32) -> &str {
        self.get(id).unwrap_or("")
    }
}

/// A resource as the queue needs it: for the resource column and `resource:` filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRef {
    /// Interned in [`FindingStore::resource_kinds`].
    pub kind: u32,
    pub id: SafeText,
    /// Only when it differs from the id.
    pub arn: Option<SafeText>,
}

/// The strings of a finding the queue needs, and its raw record.
#[derive(Debug)]
pub struct Entry {
    pub id: SafeText,
    /// What the id is unique within (interned in [`FindingStore::scopes`]).
    pub scope: u32,
    pub title: SafeText,
    pub resources: Box<[ResourceRef]>,
    pub first_seen: Timestamp,
    /// Where the lowercased title, types and resources (what free words search) sit in the
    /// store's text arena: (start, length).
    haystack: (u32, u32),
    /// When picket first received it.
    pub arrived: Timestamp,
    pub raw: RawRecord,
}

/// What filtering and sorting read of every finding, packed small and kept apart from the
/// entries so a pass over 100,000 findings stays in cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub last_seen: i64,
    pub account: u32,
    /// The name the record itself gives its account (ASFF `AwsAccountName`), or [`NONE`].
    pub account_name: u32,
    pub region: u32,
    pub product: u32,
    /// The table's type label.
    pub type_label: u32,
    /// The label and every type as one interned set (see [`FindingStore::type_sets`]).
    pub type_set: u32,
    /// Security Hub control id, or [`NONE`].
    pub control: u32,
    /// The related requirements as one interned set, or [`NONE`].
    pub requirements: u32,
    pub count: u32,
    pub severity: u8,
    pub label: SeverityLabel,
    pub workflow: Workflow,
    pub verification: Verification,
    pub compliance: Option<ComplianceStatus>,
    pub sources: Sources,
    pub archived: bool,
    pub sample: bool,
    /// Arrived after the first sweep and not yet selected.
    pub unseen: bool,
}

impl Summary {
    /// Status as an analyst reads it: `ARCHIVED` wins over the workflow status.
    pub fn status_label(&self) -> &'static str {
        if self.archived {
            "ARCHIVED"
        } else {
            self.workflow.as_str()
        }
    }
}

/// What an accepted action changes in the queue's picture of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Workflow(Workflow),
    Verification(Verification),
    Severity(SeverityLabel),
    Archived(bool),
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
    summaries: Vec<Summary>,
    /// Hash of (scope, id) → entry. A (vanishingly rare) second identity with the same hash goes
    /// to `colliding`; scope and id are always compared, so a collision can never merge two
    /// findings.
    by_hash: HashMap<u64, EntryIx>,
    colliding: HashMap<(u32, Box<str>), EntryIx>,
    /// The scopes findings' ids are unique within ([`crate::model::Finding::scope`]).
    pub scopes: Interner,
    hasher: std::collections::hash_map::RandomState,
    pub accounts: Interner,
    pub account_names: Interner,
    pub regions: Interner,
    pub types: Interner,
    pub products: Interner,
    pub resource_kinds: Interner,
    pub controls: Interner,
    pub requirements: Interner,
    /// Distinct combinations of types, so a type filter resolves once per combination.
    pub type_sets: Interner<[u32]>,
    pub requirement_sets: Interner<[u32]>,
    /// Every entry's searchable text, one after the other: a free-word search scans memory in
    /// order instead of chasing 100,000 separate allocations.
    haystacks: String,
    /// Bytes of `haystacks` no entry points at any more (replaced by an update).
    haystack_garbage: usize,
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

    pub fn summaries(&self) -> &[Summary] {
        &self.summaries
    }

    pub fn get(&self, ix: EntryIx) -> Option<&Entry> {
        self.entries.get(ix as usize)
    }

    pub fn summary(&self, ix: EntryIx) -> Option<&Summary> {
        self.summaries.get(ix as usize)
    }

    /// The lowercased text free words are searched in.
    pub fn haystack(&self, ix: EntryIx) -> &str {
        let Some(&Entry {
            haystack: (start, len),
            ..
        }) = self.get(ix)
        else {
            return "";
        };
        self.haystacks
            .get(start as usize..(start + len) as usize)
            .unwrap_or("")
    }

    pub fn is_unseen(&self, ix: EntryIx) -> bool {
        self.summary(ix).is_some_and(|s| s.unseen)
    }

    /// The full finding, rebuilt from its raw record, with what the store knows on top (every
    /// source that delivered it).
    pub fn finding(&self, ix: EntryIx) -> Option<Finding> {
        let entry = self.get(ix)?;
        let mut finding = finding_from_raw(&entry.raw).ok()?;
        if let Some(s) = self.summary(ix) {
            (finding.sources, finding.workflow, finding.verification) =
                (s.sources, s.workflow, s.verification);
        }
        Some(finding)
    }

    /// The entry holding the finding with this id in this scope.
    pub fn find(&self, scope: &str, id: &str) -> Option<EntryIx> {
        let scope = self.scopes.lookup(scope)?;
        self.find_in(scope, id)
    }

    /// The entry holding the same finding as `finding` (same scope and id).
    pub fn find_finding(&self, finding: &Finding) -> Option<EntryIx> {
        self.find(&finding.scope, &finding.id)
    }

    fn find_in(&self, scope: u32, id: &str) -> Option<EntryIx> {
        let same = |ix: EntryIx| {
            let entry = &self.entries[ix as usize];
            entry.scope == scope && entry.id.as_str() == id
        };
        match self.by_hash.get(&self.hasher.hash_one((scope, id))) {
            Some(&ix) if same(ix) => Some(ix),
            _ => self.colliding.get(&(scope, Box::from(id))).copied(),
        }
    }

    /// Makes (`scope`, `id`) findable as entry `ix`.
    fn register(&mut self, scope: u32, id: &str, ix: EntryIx) {
        match self.by_hash.entry(self.hasher.hash_one((scope, id))) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.colliding.insert((scope, id.into()), ix);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(ix);
            }
        }
    }

    pub fn mark_seen(&mut self, ix: EntryIx) {
        if let Some(summary) = self.summaries.get_mut(ix as usize)
            && summary.unseen
        {
            summary.unseen = false;
            self.version += 1;
        }
    }

    /// Records what an accepted action changed, until the source's next read of the finding
    /// says the same.
    pub fn apply(&mut self, ix: EntryIx, change: Change) {
        let Some(summary) = self.summaries.get_mut(ix as usize) else {
            return;
        };
        match change {
            Change::Workflow(status) => summary.workflow = status,
            Change::Verification(state) => summary.verification = state,
            Change::Severity(label) => summary.label = label,
            Change::Archived(archived) => summary.archived = archived,
        }
        self.version += 1;
    }

    /// Adds a finding as its own entry even when one with its id is stored already: for
    /// printing every record of a file (an S3 export repeats a finding at each update).
    pub fn push(&mut self, finding: Finding, now: Timestamp) -> EntryIx {
        let ix = self.entries.len() as EntryIx;
        let scope = self.scopes.intern(&finding.scope);
        if self.find_in(scope, &finding.id).is_none() {
            self.register(scope, &finding.id, ix);
        }
        let (entry, summary) = self.index(finding, now, false, None);
        self.entries.push(entry);
        self.summaries.push(summary);
        self.version += 1;
        ix
    }

    /// Inserts a new finding or replaces the stored one with the same scope and id. A finding
    /// from a source's first sweep is part of the baseline and never marked unseen.
    pub fn upsert(&mut self, mut finding: Finding, now: Timestamp, baseline: bool) -> Upsert {
        finding.raw = finding.raw.packed();
        let scope = self.scopes.intern(&finding.scope);
        if let Some(ix) = self.find_in(scope, &finding.id) {
            let i = ix as usize;
            let old = self.summaries[i];
            let sources = old.sources.union(finding.sources);
            let old_native = self.entries[i].raw.kind() == RecordKind::GuardDuty;
            let new_native = finding.raw.kind() == RecordKind::GuardDuty;
            // One finding, two sources: GuardDuty's own record says what happened, Security
            // Hub's copy carries the analysts' triage (workflow, verification).
            if old_native && !new_native {
                let triaged = Summary {
                    sources,
                    workflow: finding.workflow,
                    verification: finding.verification,
                    ..old
                };
                if triaged == old {
                    return Upsert::Unchanged(ix);
                }
                self.summaries[i] = triaged;
                self.version += 1;
                return Upsert::Updated(ix);
            }
            if self.entries[i].raw == finding.raw && old.sources == sources {
                return Upsert::Unchanged(ix);
            }
            let previous = self.entries[i].haystack;
            let (entry, mut summary) =
                self.index(finding, self.entries[i].arrived, old.unseen, Some(previous));
            summary.sources = sources;
            if new_native && !old_native {
                (summary.workflow, summary.verification) = (old.workflow, old.verification);
            }
            self.entries[i] = entry;
            self.summaries[i] = summary;
            self.version += 1;
            return Upsert::Updated(ix);
        }
        let ix = self.entries.len() as EntryIx;
        self.register(scope, &finding.id, ix);
        let (entry, summary) = self.index(finding, now, !baseline, None);
        self.entries.push(entry);
        self.summaries.push(summary);
        self.version += 1;
        Upsert::Inserted(ix)
    }

    /// Places searchable text in the arena, reusing the previous place when nothing changed.
    fn place_haystack(&mut self, text: &str, previous: Option<(u32, u32)>) -> (u32, u32) {
        if let Some((start, len)) = previous {
            if self.haystacks.get(start as usize..(start + len) as usize) == Some(text) {
                return (start, len);
            }
            self.haystack_garbage += len as usize;
        }
        if self.haystack_garbage > (1 << 20) && self.haystack_garbage > self.haystacks.len() / 2 {
            self.compact_haystacks();
        }
        let start = u32::try_from(self.haystacks.len()).unwrap_or(u32::MAX);
        self.haystacks.push_str(text);
        (start, u32::try_from(text.len()).unwrap_or(0))
    }

    /// Rewrites the arena with only the text entries point at.
    fn compact_haystacks(&mut self) {
        let mut arena = String::with_capacity(self.haystacks.len() - self.haystack_garbage);
        for entry in &mut self.entries {
            let (start, len) = entry.haystack;
            let text = self
                .haystacks
                .get(start as usize..(start + len) as usize)
                .unwrap_or("");
            entry.haystack = (u32::try_from(arena.len()).unwrap_or(u32::MAX), len);
            arena.push_str(text);
        }
        self.haystacks = arena;
        self.haystack_garbage = 0;
    }

    fn index(
        &mut self,
        finding: Finding,
        arrived: Timestamp,
        unseen: bool,
        previous: Option<(u32, u32)>,
    ) -> (Entry, Summary) {
        let label = finding.type_label().to_string();
        let mut types = vec![self.types.intern(&label)];
        for t in &finding.types {
            let id = self.types.intern(t);
            if !types.contains(&id) {
                types.push(id);
            }
        }
        let resources: Box<[ResourceRef]> = finding
            .resources
            .iter()
            .map(|r| ResourceRef {
                kind: self.resource_kinds.intern(&r.kind),
                id: r.id.clone(),
                arn: r.arn.clone().filter(|a| *a != r.id),
            })
            .collect();
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
        let (control, requirements) = match &finding.compliance {
            Some(c) => {
                let control = c
                    .control_id
                    .as_deref()
                    .map_or(NONE, |id| self.controls.intern(id));
                let ids: Vec<u32> = c
                    .requirements
                    .iter()
                    .map(|r| self.requirements.intern(r))
                    .collect();
                (control, self.requirement_sets.intern(&ids))
            }
            None => (NONE, NONE),
        };
        let summary = Summary {
            last_seen: finding.last_seen.as_second(),
            account: self.accounts.intern(&finding.account_id),
            account_name: finding
                .account_name
                .as_deref()
                .map_or(NONE, |n| self.account_names.intern(n)),
            region: self.regions.intern(&finding.region),
            product: self.products.intern(&finding.product),
            type_label: types[0],
            type_set: self.type_sets.intern(&types),
            control,
            requirements,
            count: u32::try_from(finding.count).unwrap_or(u32::MAX),
            severity: finding.severity.normalized,
            label: finding.severity.label,
            workflow: finding.workflow,
            verification: finding.verification,
            compliance: finding.compliance.as_ref().map(|c| c.status),
            sources: finding.sources,
            archived: finding.archived || finding.record_state == RecordState::Archived,
            sample: finding.sample,
            unseen,
        };
        let entry = Entry {
            scope: self.scopes.intern(&finding.scope),
            id: finding.id,
            title: finding.title,
            resources,
            first_seen: finding.first_seen,
            haystack: self.place_haystack(&haystack.to_lowercase(), previous),
            arrived,
            raw: finding.raw.packed(),
        };
        (entry, summary)
    }
}

#[cfg(test)]
mod tests;
