//! The findings queue: every finding once, upserted by id.
//!
//! The store keeps what the queue shows, filters and sorts on — a compact [`Summary`] of numbers
//! and interned ids per finding, kept apart so a pass over 100,000 stays in cache, and a lean
//! [`Entry`] with the few unique strings — plus the raw record, compressed. Everything else of a
//! finding (description, resource details, actor and network, notes) is rebuilt from the raw
//! record when the finding is opened ([`FindingStore::finding`]). That keeps 100,000 findings in
//! well under 200 MB, and one source of truth for the detail view.

pub mod disk;
mod filter;
mod interner;
mod row;
pub mod scope;
mod sort;
mod text;

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::sync::Arc;

use jiff::Timestamp;

use crate::model::finding::{ComplianceStatus, Verification};
use crate::model::raw::{RawRecord, RecordKind};
use crate::model::{Finding, SafeText, SeverityLabel, Sources, Workflow, finding_from_raw};
pub use filter::CompiledFilter;
pub use interner::Interner;
use interner::Prehashed;
use row::{RECORD, UNIT};
pub use row::{Resources, Row, RowRef, RowResource, Texts};
pub use sort::{SortKey, sort_rows};
pub use text::ResourceView;
use text::{MIN_ID_PREFIX, Previous};

/// Index of an entry in the store. Entries are never removed, so an index stays valid.
pub type EntryIx = u32;

/// Marks "none" in interned id fields.
pub const NONE: u32 = u32::MAX;

/// A finding's strings and raw record, as the queue keeps them: the id, title and resources
/// are one run of the store's text arena, not allocations of their own (a million findings
/// would spend a hundred megabytes on allocator headers and pointers alone).
#[derive(Debug)]
pub struct Entry {
    /// What the id is unique within (interned in [`FindingStore::scopes`]).
    pub scope: u32,
    /// The id's start, up to its last `/`, interned in [`FindingStore::id_prefixes`] (or
    /// [`NONE`]): a Security Hub id is an ARN whose first hundred characters a thousand findings
    /// share.
    id_prefix: u32,
    /// `id-rest US title (RS resource-id [US arn])*` in the arena: (start, length).
    /// [`SafeText`] holds no control characters, so the separators never occur in the values.
    text: (u32, u32),
    /// Where the resources' kinds start in the kinds arena, one per resource.
    kinds: u32,
    /// When picket first received it (seconds).
    arrived: u32,
    /// Milliseconds.
    first_seen: i64,
    /// [`Finding::revised`], in milliseconds: an older copy never replaces this one.
    pub revised: i64,
    pub raw: Held,
    /// The reconciling source that delivered it last (interned in [`FindingStore::readers`]),
    /// or [`NONE`]; kept in the disk store.
    read_by: u32,
    /// When that source delivered it last (seconds; 0 for a finding restored from disk, which
    /// no source of this run has delivered yet).
    read_at: u32,
    /// What it looked like when the analyst last looked at it (None: never, it is new); kept
    /// in the disk store, so a new shift knows what changed since the last.
    pub look: Option<Look>,
    /// A hash of the short name of the resource it is about ([`primary_resource`]), or 0: the
    /// incidents view groups by it without reading the resources of every finding.
    pub resource: u64,
}

/// Hashes resources' short names the same way in every run.
const RESOURCE_HASH: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x5E50);

/// Credentials name who acted rather than what was touched (GuardDuty lists the access key
/// before the bucket).
pub fn is_credential(kind: &str) -> bool {
    matches!(kind, "AccessKey" | "AwsIamAccessKey" | "AwsAccount")
}

/// The last part of an ARN or id: `bucket` of `arn:aws:s3:::bucket`, `i-0abc` of
/// `arn:aws:ec2:…:instance/i-0abc`, `Admin` of `…:role/path/Admin`.
pub fn short_name(id: &str) -> &str {
    if !id.starts_with("arn:") {
        return id;
    }
    let tail = id.rsplit(':').next().unwrap_or(id);
    tail.rsplit('/').next().unwrap_or(tail)
}

/// A hash of the short name of the resource a finding is about (the first that is no
/// credential, else the first credential), or 0 when it names none: the same in every run, so
/// the disk store keeps it and a restart does not work it out again.
pub fn resource_key(resources: Resources<'_>) -> u64 {
    let named = resources.iter().map(|(kind, id, arn)| {
        let name = short_name(arn.as_deref().unwrap_or(&id));
        let key = (!name.is_empty()).then(|| RESOURCE_HASH.hash_one(name).max(1));
        (is_credential(&kind), key)
    });
    about(named).unwrap_or(0)
}

/// The short name of the resource entry `ix` is about: the first that is no credential, else
/// the first credential.
pub fn primary_resource(store: &FindingStore, ix: EntryIx) -> Option<&str> {
    about(store.resources(ix).map(|r| {
        let name = short_name(r.arn.unwrap_or(r.id));
        let kind = store.resource_kinds.name(r.kind);
        (is_credential(kind), (!name.is_empty()).then_some(name))
    }))
}

/// The one rule both read a finding's resources by: the first named resource that is no
/// credential, else the first named credential.
fn about<T>(resources: impl Iterator<Item = (bool, Option<T>)>) -> Option<T> {
    let mut credential = None;
    for (is_credential, named) in resources {
        let Some(named) = named else { continue };
        if !is_credential {
            return Some(named);
        }
        credential = credential.or(Some(named));
    }
    credential
}

/// A finding as the analyst last saw it: what `is:changed` and `is:reopened` compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub label: SeverityLabel,
    pub workflow: Workflow,
    pub archived: bool,
    pub count: u32,
}

impl Look {
    pub fn of(s: &Summary) -> Look {
        Look {
            label: s.label,
            workflow: s.workflow,
            archived: s.archived,
            count: s.count,
        }
    }

    /// One integer for the disk store: count (32 bits), then archived, workflow, label.
    pub fn pack(self) -> i64 {
        let workflow = match self.workflow {
            Workflow::New => 0,
            Workflow::Notified => 1,
            Workflow::Resolved => 2,
            Workflow::Suppressed => 3,
        };
        i64::from(self.count) << 8
            | i64::from(self.archived) << 5
            | workflow << 3
            | self.label.rank() as i64
    }

    /// What [`Look::pack`] packed; None for a value it cannot have made.
    pub fn unpack(packed: i64) -> Option<Look> {
        let label = *SeverityLabel::ALL.get(usize::try_from(packed & 7).ok()?)?;
        let workflow = match (packed >> 3) & 3 {
            0 => Workflow::New,
            1 => Workflow::Notified,
            2 => Workflow::Resolved,
            _ => Workflow::Suppressed,
        };
        let flags = (packed >> 5) & 7;
        (flags <= 1 && (packed >> 8) <= i64::from(u32::MAX) && packed >= 0).then_some(Look {
            label,
            workflow,
            archived: flags == 1,
            count: (packed >> 8) as u32,
        })
    }

    /// Out of the queue's active work: resolved, suppressed or archived.
    pub fn closed(self) -> bool {
        self.archived || matches!(self.workflow, Workflow::Resolved | Workflow::Suppressed)
    }

    /// Closed then, open now.
    pub fn reopened(self, now: &Summary) -> bool {
        self.closed() && !now.archived && now.workflow.is_open()
    }

    /// Moved since: severity, count or workflow (archiving included).
    pub fn changed(self, now: &Summary) -> bool {
        self.label != now.label
            || self.count != now.count
            || self.workflow != now.workflow
            || self.archived != now.archived
    }
}

impl Entry {
    pub fn first_seen(&self) -> Timestamp {
        Timestamp::from_millisecond(self.first_seen).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub fn arrived(&self) -> Timestamp {
        Timestamp::from_second(i64::from(self.arrived)).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// What the disk store keeps of a finding beside its row.
#[derive(Clone, Copy, Debug)]
pub struct Kept {
    pub arrived: Timestamp,
    pub unseen: bool,
    /// The reconciling source that delivered it last, interned in [`FindingStore::readers`].
    pub reader: Option<u32>,
    pub look: Option<Look>,
    /// Who acted, interned in [`FindingStore::principals`].
    pub principal: Option<u32>,
    /// [`resource_key`] as it was written (None: work it out).
    pub about: Option<u64>,
}

/// Where a finding's raw record is: in memory, or in the disk store only (read back when the
/// finding is opened), which keeps a million findings' summaries in a few hundred megabytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Held {
    Here(Box<RawRecord>),
    OnDisk(RecordKind),
}

impl Held {
    pub fn kind(&self) -> RecordKind {
        match self {
            Held::Here(raw) => raw.kind(),
            Held::OnDisk(kind) => *kind,
        }
    }
}

/// Reads a finding's raw record back from where the store put it.
pub trait RawRecords: Send + Sync {
    fn raw(&self, scope: &str, id: &str) -> Option<RawRecord>;
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
    /// The ATT&CK tactics its types imply ([`crate::model::attack`]).
    pub tactics: crate::model::attack::Tactics,
    /// Who acted ([`Finding::principal`]), interned in [`FindingStore::principals`], or
    /// [`NONE`].
    pub principal: u32,
    /// When its disposition falls due for review (seconds), or 0.
    pub expires: u32,
    pub archived: bool,
    pub sample: bool,
    /// Arrived after the first sweep and not yet selected.
    pub unseen: bool,
}

impl Summary {
    /// Resolved or suppressed with a disposition whose review date (seconds) has come.
    pub fn expired(&self, now: i64) -> bool {
        self.expires != 0 && i64::from(self.expires) <= now && !self.workflow.is_open()
    }

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
    /// A disposition that falls due then (seconds; 0: none).
    Expires(u32),
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
    by_hash: HashMap<u64, EntryIx, Prehashed>,
    colliding: HashMap<(u32, Box<str>), EntryIx>,
    /// The scopes findings' ids are unique within ([`crate::model::Finding::scope`]).
    pub scopes: Interner,
    /// The shared starts of findings' ids ([`Entry`]).
    id_prefixes: Interner,
    hasher: foldhash::quality::RandomState,
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
    /// Who acted, for the incidents view.
    pub principals: Interner,
    /// The names of the sources that reconcile what they deliver ([`Entry`]'s `read_by`).
    pub readers: Interner,
    /// How long a finding of each severity may stay open (`[sla]`).
    pub sla: crate::model::sla::Sla,
    /// The ATT&CK tactic each interned type implies, by type id: worked out once per type,
    /// not once per finding.
    type_tactics: Vec<Option<crate::model::attack::Tactic>>,
    /// Every entry's id, title and resources, one after the other: a free-word search scans
    /// memory in order instead of chasing a million separate allocations.
    texts: String,
    /// Bytes of `texts` no entry points at any more (replaced by an update).
    text_garbage: usize,
    /// Every entry's resource kinds, one after the other.
    kinds: Vec<u32>,
    kind_garbage: usize,
    /// Bumped on every change, so views know when to recompute.
    version: u64,
    /// Buffers [`FindingStore::place`] reuses.
    scratch_text: String,
    scratch_kinds: Vec<u32>,
    scratch_ids: Vec<u32>,
    /// The disk store the raw records of [`Held::OnDisk`] entries are read from.
    disk: Option<Arc<dyn RawRecords>>,
    /// Entries changed since the disk store was last written (kept only with a disk store).
    changed: BTreeSet<EntryIx>,
}

impl std::fmt::Debug for dyn RawRecords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawRecords")
    }
}

/// A disposition's expiry as [`Summary::expires`] keeps it: seconds, 0 for none.
pub fn expiry(at: Option<Timestamp>) -> u32 {
    at.map_or(0, |t| {
        u32::try_from(t.as_second().max(1)).unwrap_or(u32::MAX)
    })
}

impl FindingStore {
    /// An empty store whose findings run on these SLA clocks.
    pub fn with_sla(sla: crate::model::sla::Sla) -> FindingStore {
        FindingStore {
            sla,
            ..FindingStore::default()
        }
    }

    /// New SLA targets (`:reload`): deadlines follow, and views sorted or filtered by them
    /// recompute.
    pub fn set_sla(&mut self, sla: crate::model::sla::Sla) {
        if self.sla != sla {
            self.sla = sla;
            self.version += 1;
        }
    }

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

    /// The finding's raw record, from memory or from the disk store.
    pub fn raw(&self, ix: EntryIx) -> Option<Cow<'_, RawRecord>> {
        let entry = self.get(ix)?;
        match &entry.raw {
            Held::Here(raw) => Some(Cow::Borrowed(&**raw)),
            Held::OnDisk(_) => self
                .disk
                .as_ref()?
                .raw(self.scopes.name(entry.scope), &self.id(ix))
                .map(Cow::Owned),
        }
    }

    /// The full finding, rebuilt from its raw record, with what the store knows on top (every
    /// source that delivered it).
    pub fn finding(&self, ix: EntryIx) -> Option<Finding> {
        let raw = self.raw(ix)?;
        let mut finding = finding_from_raw(&raw).ok()?;
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
        self.find_hashed(self.hasher.hash_one((scope, id)), scope, id)
    }

    fn find_hashed(&self, hash: u64, scope: u32, id: &str) -> Option<EntryIx> {
        let &ix = self.by_hash.get(&hash)?;
        if self.entries[ix as usize].scope == scope && self.has_id(ix, id) {
            return Some(ix);
        }
        // Only a hash already taken can have gone to `colliding`.
        if self.colliding.is_empty() {
            return None;
        }
        self.colliding.get(&(scope, Box::from(id))).copied()
    }

    /// Makes (`scope`, `id`) findable as entry `ix`.
    fn register(&mut self, scope: u32, id: &str, ix: EntryIx) {
        let hash = self.hasher.hash_one((scope, id));
        self.register_hashed(hash, scope, id, ix);
    }

    fn register_hashed(&mut self, hash: u64, scope: u32, id: &str, ix: EntryIx) {
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.colliding.insert((scope, id.into()), ix);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(ix);
            }
        }
    }

    /// The analyst looked at entry `ix`: it is no longer unseen, and what it looks like now is
    /// what later changes are measured against.
    pub fn mark_seen(&mut self, ix: EntryIx) {
        let Some(summary) = self.summaries.get_mut(ix as usize) else {
            return;
        };
        let look = Some(Look::of(summary));
        let mut changed = std::mem::replace(&mut summary.unseen, false);
        if let Some(entry) = self.entries.get_mut(ix as usize)
            && entry.look != look
        {
            entry.look = look;
            changed = true;
        }
        if changed {
            self.version += 1;
            self.touched(ix);
        }
    }

    /// From now on raw records are read from `disk`, and changes are kept for writing there.
    pub fn attach(&mut self, disk: Arc<dyn RawRecords>) {
        self.disk = Some(disk);
    }

    fn touched(&mut self, ix: EntryIx) {
        if self.disk.is_some() {
            self.changed.insert(ix);
        }
    }

    /// The entries changed since the last call, for writing to the disk store.
    pub fn take_changed(&mut self) -> Vec<EntryIx> {
        std::mem::take(&mut self.changed).into_iter().collect()
    }

    /// The disk store holds entry `ix` as revised at `revised`: unless a newer copy arrived
    /// since, its raw record leaves memory.
    pub fn stored(&mut self, ix: EntryIx, revised: i64) {
        if self.disk.is_some()
            && let Some(entry) = self.entries.get_mut(ix as usize)
            && entry.revised == revised
            && !self.changed.contains(&ix)
        {
            entry.raw = Held::OnDisk(entry.raw.kind());
        }
    }

    /// When entry `ix` breaches its SLA (seconds); None when it has no clock or is closed.
    pub fn deadline(&self, ix: EntryIx) -> Option<i64> {
        let (entry, s) = (self.get(ix)?, self.summary(ix)?);
        self.sla.deadline(
            s.label,
            entry.first_seen.div_euclid(1000),
            s.workflow,
            s.archived,
        )
    }

    /// What entry `ix` looks like as a [`Row`] (for the disk store).
    pub fn row(&self, ix: EntryIx) -> Option<Row> {
        let (entry, s) = (self.get(ix)?, self.summary(ix)?);
        let text = |interner: &Interner, id: u32| SafeText::line(interner.name(id));
        let set = |interner: &Interner<[u32]>, names: &Interner, id: u32| -> Vec<SafeText> {
            interner
                .get(id)
                .unwrap_or(&[])
                .iter()
                .map(|&t| text(names, t))
                .collect()
        };
        Some(Row {
            scope: self.scopes.name(entry.scope).into(),
            id: SafeText::line(&self.id(ix)),
            title: SafeText::line(self.title(ix)),
            types: set(&self.type_sets, &self.types, s.type_set),
            resources: self
                .resources(ix)
                .map(|r| RowResource {
                    kind: text(&self.resource_kinds, r.kind),
                    id: SafeText::line(r.id),
                    arn: r.arn.map(SafeText::line),
                })
                .collect(),
            account: text(&self.accounts, s.account),
            account_name: (s.account_name != NONE)
                .then(|| text(&self.account_names, s.account_name)),
            region: text(&self.regions, s.region),
            product: text(&self.products, s.product),
            control: (s.control != NONE).then(|| text(&self.controls, s.control)),
            requirements: set(&self.requirement_sets, &self.requirements, s.requirements),
            compliance: s.compliance,
            count: s.count,
            severity: s.severity,
            label: s.label,
            workflow: s.workflow,
            verification: s.verification,
            sources: s.sources,
            archived: s.archived,
            sample: s.sample,
            first_seen: entry.first_seen(),
            last_seen: Timestamp::from_second(s.last_seen).unwrap_or(entry.first_seen()),
            revised: Timestamp::from_millisecond(entry.revised).unwrap_or(entry.first_seen()),
            principal: (s.principal != NONE).then(|| text(&self.principals, s.principal)),
            expires: (s.expires != 0)
                .then(|| Timestamp::from_second(i64::from(s.expires)).ok())
                .flatten(),
        })
    }

    /// Room for `entries` more findings holding `text_bytes` of ids, titles and resources, so
    /// a restore grows nothing by doubling (a third of the memory at a million findings).
    pub fn reserve(&mut self, entries: usize, text_bytes: usize) {
        self.entries.reserve_exact(entries);
        self.summaries.reserve_exact(entries);
        self.by_hash.reserve(entries);
        self.texts.reserve_exact(text_bytes);
    }

    /// Gives back what the arenas hold beyond their contents.
    pub fn shrink(&mut self) {
        self.texts.shrink_to_fit();
        self.kinds.shrink_to_fit();
    }

    /// Adds a finding read back from the disk store, its raw record left there.
    pub fn restore(&mut self, row: RowRef<'_>, kind: RecordKind, kept: Kept) {
        let Kept {
            arrived,
            unseen,
            reader,
            look,
            principal,
            about,
        } = kept;
        let scope = self.scopes.intern(&row.scope);
        let hash = self.hasher.hash_one((scope, &*row.id));
        let ix = self.entries.len() as EntryIx;
        // One probe of the map: a new identity takes its slot at once (every row of a store
        // is a new one); a taken slot is a duplicate or a collision.
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(ix);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                if self.find_hashed(hash, scope, &row.id).is_some() {
                    return;
                }
                self.colliding.insert((scope, row.id.as_ref().into()), ix);
            }
        }
        let (mut entry, mut summary) =
            self.place(row, Held::OnDisk(kind), arrived, unseen, None, about);
        // Ids of `self.readers` and `self.principals` (the disk store interns the names it
        // holds first).
        entry.read_by = reader.unwrap_or(NONE);
        entry.look = look;
        if let Some(principal) = principal {
            summary.principal = principal;
        }
        self.entries.push(entry);
        self.summaries.push(summary);
        self.version += 1;
    }

    /// Source `reader` delivered entry `ix` at `at`: a later complete read of that source
    /// that does not deliver it again finds it ([`FindingStore::unconfirmed`]). A change of
    /// reader is written to the disk store; the time is not (a restart reads everything anew).
    pub fn read_by(&mut self, ix: EntryIx, reader: &str, at: Timestamp) {
        let reader = self.readers.intern(reader);
        let Some(entry) = self.entries.get_mut(ix as usize) else {
            return;
        };
        entry.read_at = u32::try_from(at.as_second().max(0)).unwrap_or(u32::MAX);
        if entry.read_by != reader {
            entry.read_by = reader;
            self.touched(ix);
        }
    }

    /// The reconciling source that delivered entry `ix` last.
    pub fn reader(&self, ix: EntryIx) -> Option<&str> {
        let entry = self.get(ix)?;
        (entry.read_by != NONE).then(|| self.readers.name(entry.read_by))
    }

    /// The findings source `reader` delivered before `began` and not since, still active in
    /// one of the `workflow` states it reads: after a complete read that began at `began`,
    /// each has left the set, or changed while the read was under way. One pass over the
    /// entries (a few milliseconds at a million).
    pub fn unconfirmed(
        &self,
        reader: &str,
        began: Timestamp,
        workflow: &[Workflow],
    ) -> Vec<EntryIx> {
        let Some(reader) = self.readers.lookup(reader) else {
            return Vec::new();
        };
        let began = began.as_second();
        self.entries
            .iter()
            .zip(&self.summaries)
            .enumerate()
            .filter(|(_, (e, s))| {
                e.read_by == reader
                    && i64::from(e.read_at) < began
                    && !s.archived
                    && workflow.contains(&s.workflow)
            })
            .map(|(ix, _)| ix as EntryIx)
            .collect()
    }

    /// The id Security Hub finds entry `ix` by ([`Finding::security_hub_id`]): an ASFF
    /// finding's own id; for GuardDuty's finding (kept under its short id) and an OCSF record
    /// (kept under `metadata.uid` where it has one), read from the record.
    pub fn native_id(&self, ix: EntryIx) -> Option<String> {
        let entry = self.get(ix)?;
        if self
            .scopes
            .name(entry.scope)
            .starts_with(crate::model::ASFF_SCOPE)
        {
            Some(self.id(ix).into_owned())
        } else {
            Some(self.finding(ix)?.security_hub_id())
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
            Change::Expires(at) => summary.expires = at,
        }
        self.version += 1;
        self.touched(ix);
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
            let old_kind = self.entries[i].raw.kind();
            let old_native = old_kind == RecordKind::GuardDuty;
            let new_native = finding.raw.kind() == RecordKind::GuardDuty;
            let revised = finding.revised.as_millisecond();
            if old_kind == finding.raw.kind() {
                let old_revised = self.entries[i].revised;
                // Events arrive at least once and in any order: an older copy is news to no one.
                if revised < old_revised {
                    return Upsert::Unchanged(ix);
                }
                // With the raw record on disk, a copy of the same revision that the queue would
                // show the same way is the same record (a duplicate delivery, a re-read).
                if matches!(self.entries[i].raw, Held::OnDisk(_))
                    && revised == old_revised
                    && old.sources == sources
                    && self.row(ix).is_some_and(|row| row == Row::of(&finding))
                {
                    return Upsert::Unchanged(ix);
                }
            }
            // One finding, two sources: GuardDuty's own record says what happened, Security
            // Hub's copy carries the analysts' triage (workflow, verification).
            if old_native && !new_native {
                let expires = expiry(finding.disposition.as_ref().and_then(|d| d.expires));
                let triaged = Summary {
                    sources,
                    workflow: finding.workflow,
                    verification: finding.verification,
                    expires,
                    ..old
                };
                if triaged == old {
                    return Upsert::Unchanged(ix);
                }
                self.summaries[i] = triaged;
                self.version += 1;
                self.touched(ix);
                return Upsert::Updated(ix);
            }
            if matches!(&self.entries[i].raw, Held::Here(raw) if **raw == finding.raw)
                && old.sources == sources
            {
                return Upsert::Unchanged(ix);
            }
            let previous = &self.entries[i];
            let previous = Previous {
                text: previous.text,
                kinds: previous.kinds,
            };
            let arrived = self.entries[i].arrived();
            let (read_by, read_at, look) = (
                self.entries[i].read_by,
                self.entries[i].read_at,
                self.entries[i].look,
            );
            let (mut entry, mut summary) = self.index(finding, arrived, old.unseen, Some(previous));
            (entry.read_by, entry.read_at, entry.look) = (read_by, read_at, look);
            summary.sources = sources;
            if new_native && !old_native {
                (summary.workflow, summary.verification, summary.expires) =
                    (old.workflow, old.verification, old.expires);
            }
            self.entries[i] = entry;
            self.summaries[i] = summary;
            self.version += 1;
            self.touched(ix);
            return Upsert::Updated(ix);
        }
        let ix = self.entries.len() as EntryIx;
        self.register(scope, &finding.id, ix);
        let (mut entry, summary) = self.index(finding, now, !baseline, None);
        // The baseline is what the analyst starts from; anything later is new.
        entry.look = baseline.then(|| Look::of(&summary));
        self.entries.push(entry);
        self.summaries.push(summary);
        self.version += 1;
        self.touched(ix);
        Upsert::Inserted(ix)
    }

    fn index(
        &mut self,
        finding: Finding,
        arrived: Timestamp,
        unseen: bool,
        previous: Option<Previous>,
    ) -> (Entry, Summary) {
        let row = Row::of(&finding);
        self.place(
            row.borrowed(),
            Held::Here(Box::new(finding.raw.packed())),
            arrived,
            unseen,
            previous,
            None,
        )
    }

    /// Interns a row's values and places its searchable text: the entry and summary to keep.
    fn place(
        &mut self,
        row: RowRef<'_>,
        raw: Held,
        arrived: Timestamp,
        unseen: bool,
        previous: Option<Previous>,
        about: Option<u64>,
    ) -> (Entry, Summary) {
        // Reused buffers: placing a finding allocates nothing of its own.
        let mut text = std::mem::take(&mut self.scratch_text);
        let mut kinds = std::mem::take(&mut self.scratch_kinds);
        let mut types = std::mem::take(&mut self.scratch_ids);
        text.clear();
        kinds.clear();
        types.clear();
        let mut tactics = crate::model::attack::Tactics::NONE;
        for t in row.types.iter() {
            let id = self.types.intern(&t);
            while self.type_tactics.len() <= id as usize {
                let name = self.types.name(self.type_tactics.len() as u32);
                self.type_tactics.push(crate::model::attack::of_type(name));
            }
            if let Some(tactic) = self.type_tactics.get(id as usize).copied().flatten() {
                tactics.insert(tactic);
            }
            if !types.contains(&id) {
                types.push(id);
            }
        }
        let (id_prefix, id_rest) = match row.id.rfind('/') {
            Some(at) if at + 1 >= MIN_ID_PREFIX && at + 1 < row.id.len() => {
                let (prefix, rest) = row.id.split_at(at + 1);
                (self.id_prefixes.intern(prefix), rest)
            }
            _ => (NONE, &*row.id),
        };
        text.push_str(id_rest);
        text.push(UNIT);
        text.push_str(&row.title);
        let about = about.unwrap_or_else(|| resource_key(row.resources));
        for (kind, id, arn) in row.resources.iter() {
            text.push(RECORD);
            text.push_str(&id);
            if let Some(arn) = arn.filter(|a| *a != id) {
                text.push(UNIT);
                text.push_str(&arn);
            }
            kinds.push(self.resource_kinds.intern(&kind));
        }
        let type_label = types.first().copied().unwrap_or(NONE);
        let type_set = self.type_sets.intern(&types);
        let requirements = if row.compliance.is_some() {
            types.clear();
            for r in row.requirements.iter() {
                let id = self.requirements.intern(&r);
                types.push(id);
            }
            self.requirement_sets.intern(&types)
        } else {
            NONE
        };
        let summary = Summary {
            last_seen: row.last_seen.as_second(),
            account: self.accounts.intern(&row.account),
            account_name: row
                .account_name
                .as_deref()
                .map_or(NONE, |n| self.account_names.intern(n)),
            region: self.regions.intern(&row.region),
            product: self.products.intern(&row.product),
            type_label,
            type_set,
            control: row
                .control
                .as_deref()
                .filter(|_| row.compliance.is_some())
                .map_or(NONE, |id| self.controls.intern(id)),
            requirements,
            count: row.count,
            severity: row.severity,
            label: row.label,
            workflow: row.workflow,
            verification: row.verification,
            compliance: row.compliance,
            sources: row.sources,
            tactics,
            principal: row
                .principal
                .as_deref()
                .map_or(NONE, |p| self.principals.intern(p)),
            expires: expiry(row.expires),
            archived: row.archived,
            sample: row.sample,
            unseen,
        };
        let (placed, first_kind) = self.place_text(&text, &kinds, previous);
        (self.scratch_text, self.scratch_kinds, self.scratch_ids) = (text, kinds, types);
        let entry = Entry {
            scope: self.scopes.intern(&row.scope),
            id_prefix,
            text: placed,
            kinds: first_kind,
            arrived: u32::try_from(arrived.as_second().max(0)).unwrap_or(u32::MAX),
            first_seen: row.first_seen.as_millisecond(),
            revised: row.revised.as_millisecond(),
            raw,
            read_by: NONE,
            read_at: 0,
            look: None,
            resource: about,
        };
        (entry, summary)
    }
}

#[cfg(test)]
mod tests;
