//! A parsed query bound to the store: every field with few distinct values (account, OU, region,
//! type, product, resource kind, control, requirements) is resolved once into a lookup table, so
//! testing a finding is mostly array reads on its [`Summary`].

use jiff::Timestamp;

use super::{EntryIx, FindingStore, Interner, NONE, Summary};
use crate::model::finding::{ComplianceStatus, Verification};
use crate::model::{Directory, SeverityLabel, SourceKind};
use crate::query::{Cmp, Flag, Glob, Query, Status, Test, TextField};

pub struct CompiledFilter {
    terms: Vec<(bool, Check)>,
}

enum Check {
    /// Indexed by the interned id of the field named in [`Lookup`].
    Table(Lookup, Vec<bool>),
    /// Resource kinds that match, and globs for ids and ARNs.
    Resource(Vec<bool>, Vec<Glob>),
    Title(Vec<Glob>),
    Id(Vec<Glob>),
    /// Controls that match, and requirement sets with a match.
    Control(Vec<bool>, Vec<bool>),
    SeverityLabel(Cmp, SeverityLabel),
    SeverityScore(Cmp, u8),
    SeverityIn(Vec<SeverityLabel>),
    Count(Cmp, u64),
    /// Compares the last-seen time (epoch seconds) with `now - age`; the comparison is
    /// reversed because a larger age is an earlier time.
    LastSeen(Cmp, i64),
    Status(Vec<Status>),
    Source(Vec<SourceKind>),
    Compliance(Vec<ComplianceStatus>),
    Verification(Vec<Verification>),
    Tactic(crate::model::attack::Tactics),
    /// The SLA deadline (seconds) compared with this instant plus the time left asked.
    Deadline(Cmp, i64),
    Unseen,
    New,
    Changed,
    Reopened,
    /// A disposition due for review at or before this instant (seconds).
    Expired(i64),
    Archived,
    Sample,
    /// A free word: in the type label (types that match), a resource kind (kinds that match),
    /// or the title and resource ids and ARNs (searched as they are, case ignored).
    Word(Glob, Vec<bool>, Vec<bool>),
}

#[derive(Clone, Copy)]
enum Lookup {
    Account,
    Region,
    TypeSet,
    Product,
}

/// Which interned strings match any of the globs.
fn table(interner: &Interner, keep: impl Fn(&str) -> bool) -> Vec<bool> {
    interner.iter().map(|(_, name)| keep(name)).collect()
}

/// Which interned sets contain a member marked in `members`.
fn set_table(sets: &Interner<[u32]>, members: &[bool]) -> Vec<bool> {
    sets.iter()
        .map(|(_, set)| {
            set.iter()
                .any(|&m| members.get(m as usize).copied().unwrap_or(false))
        })
        .collect()
}

fn any(globs: &[Glob], s: &str) -> bool {
    globs.iter().any(|g| g.matches(s))
}

impl CompiledFilter {
    pub fn compile(
        query: &Query,
        store: &FindingStore,
        directory: &Directory,
        now: Timestamp,
    ) -> Self {
        let mut terms: Vec<(bool, Check)> = query
            .terms
            .iter()
            .map(|term| (term.negated, Self::check(&term.test, store, directory, now)))
            .collect();
        terms.sort_by_key(|(_, check)| check.cost());
        Self { terms }
    }

    fn check(test: &Test, store: &FindingStore, directory: &Directory, now: Timestamp) -> Check {
        let account = |keep: &dyn Fn(&str) -> bool| {
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
                Check::Table(Lookup::Region, table(&store.regions, |r| any(globs, r)))
            }
            Test::Text(TextField::Type, globs) => {
                let per_type = table(&store.types, |t| any(globs, t));
                Check::Table(Lookup::TypeSet, set_table(&store.type_sets, &per_type))
            }
            Test::Text(TextField::Product, globs) => {
                Check::Table(Lookup::Product, table(&store.products, |p| any(globs, p)))
            }
            Test::Text(TextField::Resource, globs) => Check::Resource(
                table(&store.resource_kinds, |k| any(globs, k)),
                globs.clone(),
            ),
            Test::Text(TextField::Title, globs) => Check::Title(globs.clone()),
            Test::Text(TextField::Id, globs) => Check::Id(globs.clone()),
            Test::Text(TextField::Control, globs) => {
                let per_requirement = table(&store.requirements, |r| any(globs, r));
                Check::Control(
                    table(&store.controls, |c| any(globs, c)),
                    set_table(&store.requirement_sets, &per_requirement),
                )
            }
            Test::SeverityLabel(cmp, label) => Check::SeverityLabel(*cmp, *label),
            Test::SeverityScore(cmp, score) => Check::SeverityScore(*cmp, *score),
            Test::SeverityIn(labels) => Check::SeverityIn(labels.clone()),
            Test::Count(cmp, n) => Check::Count(*cmp, *n),
            Test::Age(cmp, seconds) => {
                let threshold = now.as_second().saturating_sub(*seconds);
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
            Test::Tactic(tactics) => Check::Tactic(*tactics),
            Test::Sla(cmp, left) => Check::Deadline(*cmp, now.as_second().saturating_add(*left)),
            Test::Is(Flag::Unseen) => Check::Unseen,
            Test::Is(Flag::New) => Check::New,
            Test::Is(Flag::Changed) => Check::Changed,
            Test::Is(Flag::Reopened) => Check::Reopened,
            Test::Is(Flag::Expired) => Check::Expired(now.as_second()),
            Test::Is(Flag::Archived) => Check::Archived,
            Test::Is(Flag::Sample) => Check::Sample,
            Test::Word(glob) => Check::Word(
                glob.clone(),
                table(&store.types, |t| glob.found_in_text(t)),
                table(&store.resource_kinds, |k| glob.found_in_text(k)),
            ),
        }
    }

    /// Whether entry `ix` passes. Terms run cheapest first: most are answered by the summary
    /// alone, and text is searched only for what survives them.
    pub fn matches(&self, store: &FindingStore, ix: EntryIx) -> bool {
        let Some(summary) = store.summary(ix) else {
            return false;
        };
        self.terms
            .iter()
            .all(|(negated, check)| check.holds(summary, store, ix) != *negated)
    }
}

fn lookup(table: &[bool], id: u32) -> bool {
    id != NONE && table.get(id as usize).copied().unwrap_or(false)
}

impl Check {
    /// Relative cost: 0 reads the summary, 1 the entry's strings, 2 searches text.
    fn cost(&self) -> u8 {
        match self {
            Check::Resource(..) | Check::Title(_) | Check::Id(_) => 1,
            Check::Word(..) => 2,
            _ => 0,
        }
    }

    fn holds(&self, h: &Summary, store: &FindingStore, ix: EntryIx) -> bool {
        match self {
            Check::Table(Lookup::Account, t) => lookup(t, h.account),
            Check::Table(Lookup::Region, t) => lookup(t, h.region),
            Check::Table(Lookup::Product, t) => lookup(t, h.product),
            Check::Table(Lookup::TypeSet, t) => lookup(t, h.type_set),
            Check::Resource(kinds, globs) => store.resources(ix).any(|r| {
                lookup(kinds, r.kind) || any(globs, r.id) || r.arn.is_some_and(|a| any(globs, a))
            }),
            Check::Title(globs) => any(globs, store.title(ix)),
            Check::Id(globs) => any(globs, &store.id(ix)),
            Check::Control(controls, requirement_sets) => {
                lookup(controls, h.control) || lookup(requirement_sets, h.requirements)
            }
            Check::SeverityLabel(cmp, label) => cmp.holds(h.label, *label),
            Check::SeverityScore(cmp, score) => cmp.holds(h.severity, *score),
            Check::SeverityIn(labels) => labels.contains(&h.label),
            Check::Count(cmp, n) => cmp.holds(u64::from(h.count), *n),
            Check::LastSeen(cmp, threshold) => cmp.holds(h.last_seen, *threshold),
            Check::Status(values) => values.iter().any(|s| match s {
                Status::Archived => h.archived,
                Status::Workflow(w) => h.workflow == *w && !h.archived,
            }),
            Check::Source(kinds) => kinds.iter().any(|k| h.sources.contains(*k)),
            Check::Compliance(values) => h.compliance.is_some_and(|c| values.contains(&c)),
            Check::Verification(values) => values.contains(&h.verification),
            Check::Tactic(tactics) => h.tactics.intersects(*tactics),
            Check::Deadline(cmp, at) => store.deadline(ix).is_some_and(|d| cmp.holds(d, *at)),
            Check::Unseen => h.unseen,
            Check::Expired(now) => h.expired(*now),
            Check::New => store.get(ix).is_some_and(|e| e.look.is_none()),
            Check::Changed => store
                .get(ix)
                .and_then(|e| e.look)
                .is_some_and(|look| look.changed(h)),
            Check::Reopened => store
                .get(ix)
                .and_then(|e| e.look)
                .is_some_and(|look| look.reopened(h)),
            Check::Archived => h.archived,
            Check::Sample => h.sample,
            Check::Word(glob, labels, kinds) => {
                lookup(labels, h.type_label)
                    || glob.found_in_text(store.searchable(ix))
                    || store.resources(ix).any(|r| lookup(kinds, r.kind))
            }
        }
    }
}
