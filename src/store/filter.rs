//! A parsed query bound to the store: fields with few distinct values (account, region, type,
//! product) are resolved once into lookup tables, so testing a finding is mostly array reads.

use jiff::Timestamp;

use super::{Entry, FindingStore, Interner};
use crate::model::Directory;
use crate::model::finding::RecordState;
use crate::query::{Cmp, Flag, Glob, Query, Status, Test, TextField};

pub struct CompiledFilter {
    terms: Vec<(bool, Check)>,
}

enum Check {
    /// Indexed by the interned id of the field named in [`Lookup`].
    Table(Lookup, Vec<bool>),
    Resource(Vec<Glob>),
    Title(Vec<Glob>),
    Id(Vec<Glob>),
    Control(Vec<Glob>),
    SeverityLabel(Cmp, crate::model::SeverityLabel),
    SeverityScore(Cmp, u8),
    SeverityIn(Vec<crate::model::SeverityLabel>),
    Count(Cmp, u64),
    /// Compares the last-seen time with `now - age`; the comparison is reversed because a
    /// larger age is an earlier time.
    LastSeen(Cmp, Timestamp),
    Status(Vec<Status>),
    Source(Vec<crate::model::SourceKind>),
    Compliance(Vec<crate::model::finding::ComplianceStatus>),
    Verification(Vec<crate::model::finding::Verification>),
    Unseen,
    Archived,
    Sample,
    Word(Glob),
}

#[derive(Clone, Copy)]
enum Lookup {
    Account,
    Region,
    AnyType,
    Product,
}

impl CompiledFilter {
    pub fn compile(
        query: &Query,
        store: &FindingStore,
        directory: &Directory,
        now: Timestamp,
    ) -> Self {
        let terms = query
            .terms
            .iter()
            .map(|term| (term.negated, Self::check(&term.test, store, directory, now)))
            .collect();
        Self { terms }
    }

    fn check(test: &Test, store: &FindingStore, directory: &Directory, now: Timestamp) -> Check {
        let any = |globs: &[Glob], s: &str| globs.iter().any(|g| g.matches(s));
        let table = |interner: &Interner, keep: &dyn Fn(&str) -> bool| -> Vec<bool> {
            interner.iter().map(|(_, name)| keep(name)).collect()
        };
        let account = |keep: &dyn Fn(&str) -> bool| -> Check {
            Check::Table(Lookup::Account, table(&store.accounts, keep))
        };
        match test {
            Test::Text(TextField::Account, globs) => account(&|id| {
                any(globs, id) || directory.get(id).is_some_and(|a| any(globs, &a.name))
            }),
            Test::Text(TextField::Ou, globs) => {
                account(&|id| directory.get(id).is_some_and(|a| any(globs, &a.ou_path)))
            }
            Test::Is(Flag::Prod) => account(&|id| directory.get(id).is_some_and(|a| a.production)),
            Test::Text(TextField::Region, globs) => {
                Check::Table(Lookup::Region, table(&store.regions, &|r| any(globs, r)))
            }
            Test::Text(TextField::Type, globs) => {
                Check::Table(Lookup::AnyType, table(&store.types, &|t| any(globs, t)))
            }
            Test::Text(TextField::Product, globs) => {
                Check::Table(Lookup::Product, table(&store.products, &|p| any(globs, p)))
            }
            Test::Text(TextField::Resource, globs) => Check::Resource(globs.clone()),
            Test::Text(TextField::Title, globs) => Check::Title(globs.clone()),
            Test::Text(TextField::Id, globs) => Check::Id(globs.clone()),
            Test::Text(TextField::Control, globs) => Check::Control(globs.clone()),
            Test::SeverityLabel(cmp, label) => Check::SeverityLabel(*cmp, *label),
            Test::SeverityScore(cmp, score) => Check::SeverityScore(*cmp, *score),
            Test::SeverityIn(labels) => Check::SeverityIn(labels.clone()),
            Test::Count(cmp, n) => Check::Count(*cmp, *n),
            Test::Age(cmp, seconds) => {
                let threshold = now
                    .checked_sub(jiff::SignedDuration::from_secs(*seconds))
                    .unwrap_or(Timestamp::MIN);
                let reversed = match cmp {
                    Cmp::Lt => Cmp::Gt,
                    Cmp::Le => Cmp::Ge,
                    Cmp::Gt => Cmp::Lt,
                    Cmp::Ge => Cmp::Le,
                    other => *other,
                };
                Check::LastSeen(reversed, threshold)
            }
            Test::Status(values) => Check::Status(values.clone()),
            Test::Source(values) => Check::Source(values.clone()),
            Test::Compliance(values) => Check::Compliance(values.clone()),
            Test::Verification(values) => Check::Verification(values.clone()),
            Test::Is(Flag::Unseen) => Check::Unseen,
            Test::Is(Flag::Archived) => Check::Archived,
            Test::Is(Flag::Sample) => Check::Sample,
            Test::Word(glob) => Check::Word(glob.clone()),
        }
    }

    pub fn matches(&self, entry: &Entry) -> bool {
        self.terms
            .iter()
            .all(|(negated, check)| check.holds(entry) != *negated)
    }
}

impl Check {
    fn holds(&self, entry: &Entry) -> bool {
        let f = &entry.finding;
        let lookup = |table: &[bool], id: u32| table.get(id as usize).copied().unwrap_or(false);
        match self {
            Check::Table(Lookup::Account, t) => lookup(t, entry.account),
            Check::Table(Lookup::Region, t) => lookup(t, entry.region),
            Check::Table(Lookup::Product, t) => lookup(t, entry.product),
            Check::Table(Lookup::AnyType, t) => entry.types.iter().any(|&id| lookup(t, id)),
            Check::Resource(globs) => f.resources.iter().any(|r| {
                globs.iter().any(|g| {
                    g.matches(&r.kind)
                        || g.matches(&r.id)
                        || r.arn.as_deref().is_some_and(|a| g.matches(a))
                })
            }),
            Check::Title(globs) => globs.iter().any(|g| g.matches(&f.title)),
            Check::Id(globs) => globs
                .iter()
                .any(|g| g.matches(&f.id) || f.arn.as_deref().is_some_and(|a| g.matches(a))),
            Check::Control(globs) => f.compliance.as_ref().is_some_and(|c| {
                globs.iter().any(|g| {
                    c.control_id.as_deref().is_some_and(|id| g.matches(id))
                        || c.requirements.iter().any(|r| g.matches(r))
                })
            }),
            Check::SeverityLabel(cmp, label) => cmp.holds(f.severity.label, *label),
            Check::SeverityScore(cmp, score) => cmp.holds(f.severity.normalized, *score),
            Check::SeverityIn(labels) => labels.contains(&f.severity.label),
            Check::Count(cmp, n) => cmp.holds(f.count, *n),
            Check::LastSeen(cmp, threshold) => cmp.holds(f.last_seen, *threshold),
            Check::Status(values) => values.iter().any(|s| match s {
                Status::Archived => f.archived || f.record_state == RecordState::Archived,
                Status::Workflow(w) => f.workflow == *w && !f.archived,
            }),
            Check::Source(kinds) => kinds.iter().any(|k| f.sources.contains(*k)),
            Check::Compliance(values) => f
                .compliance
                .as_ref()
                .is_some_and(|c| values.contains(&c.status)),
            Check::Verification(values) => values.contains(&f.verification),
            Check::Unseen => entry.unseen,
            Check::Archived => f.archived,
            Check::Sample => f.sample,
            Check::Word(glob) => glob.found_in(&entry.haystack),
        }
    }
}
