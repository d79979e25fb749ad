//! The incidents view: the queue's findings (those the filter keeps, in the table's order)
//! grouped by attack sequence, resource, principal, type or account. A group row sums its
//! members up (count, highest severity, accounts, first and last seen, how many are new);
//! expanding it lists the members — for an attack sequence, as the timeline of its signals,
//! each signal that is a finding in the queue shown as that finding.
//!
//! Grouping is one pass over the rows with an integer key per finding: no string is built per
//! finding or per group (a group's label is worked out when its row is drawn), and only attack
//! sequences' records are read, once per revision.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use crate::model::sequence::{Sequence, Signal};
use crate::model::{Directory, SeverityLabel};
use crate::store::{EntryIx, FindingStore, NONE, primary_resource};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Sequence,
    Resource,
    Principal,
    Type,
    Account,
}

impl GroupBy {
    pub const ALL: [GroupBy; 5] = [
        GroupBy::Sequence,
        GroupBy::Resource,
        GroupBy::Principal,
        GroupBy::Type,
        GroupBy::Account,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Sequence => "sequence",
            GroupBy::Resource => "resource",
            GroupBy::Principal => "principal",
            GroupBy::Type => "type",
            GroupBy::Account => "account",
        }
    }

    pub fn parse(word: &str) -> Option<GroupBy> {
        let word = word.trim().to_ascii_lowercase();
        let word = match word.as_str() {
            "seq" | "sequences" | "attack" => "sequence",
            "resources" => "resource",
            "who" | "principals" | "actor" => "principal",
            "control" | "types" => "type",
            "accounts" => "account",
            other => other,
        };
        GroupBy::ALL.into_iter().find(|g| g.name() == word)
    }

    /// The next grouping for the key that cycles them (none after the last).
    pub fn next(current: Option<GroupBy>) -> Option<GroupBy> {
        match current {
            None => Some(GroupBy::ALL[0]),
            Some(by) => {
                let at = GroupBy::ALL.iter().position(|g| *g == by).unwrap_or(0);
                GroupBy::ALL.get(at + 1).copied()
            }
        }
    }
}

/// An attack sequence as a group: its own finding, its signals (in time order), and for each
/// signal the queue's finding it is, when the filter keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceGroup {
    pub own: EntryIx,
    pub read: Arc<Sequence>,
    pub found: Vec<Option<EntryIx>>,
}

impl SequenceGroup {
    /// Each signal with the finding it is.
    pub fn linked(&self) -> impl Iterator<Item = (&Signal, Option<EntryIx>)> {
        self.read.signals.iter().zip(self.found.iter().copied())
    }
}

/// One group: what its row shows, and its members in the table's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Identifies the group across refreshes (what stays expanded).
    pub key: u64,
    pub members: Vec<EntryIx>,
    pub sequence: Option<SequenceGroup>,
    pub highest: SeverityLabel,
    pub accounts: usize,
    pub production: bool,
    /// Seconds.
    pub first_seen: i64,
    pub last_seen: i64,
    /// Arrived since the analyst last looked (`is:new`).
    pub new: usize,
    /// The catch-all group of findings the key does not apply to (no sequence, no principal).
    pub rest: bool,
}

/// One line of the grouped table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    Group(usize),
    Member(usize, EntryIx),
    /// An attack sequence's signal that is no finding in the queue (API activity, or a
    /// finding the filter leaves out).
    Signal(usize, usize),
}

#[derive(Debug, Default)]
pub struct Incidents {
    pub by: Option<GroupBy>,
    pub groups: Vec<Group>,
    pub lines: Vec<Line>,
    pub expanded: HashSet<u64>,
    /// The role chains found for principal groups, by group key (worked out from the
    /// CloudTrail records already read, when a group is opened).
    pub chains: HashMap<u64, Vec<String>>,
    /// Attack sequences read from their records, by entry and revision.
    sequences: HashMap<EntryIx, (i64, Option<Arc<Sequence>>)>,
}

impl Incidents {
    pub fn active(&self) -> bool {
        self.by.is_some()
    }

    /// Groups `rows` (already filtered and sorted) and lays out the lines.
    pub fn rebuild(&mut self, rows: &[EntryIx], store: &FindingStore, directory: &Directory) {
        let Some(by) = self.by else {
            self.groups.clear();
            self.lines.clear();
            return;
        };
        self.groups = match by {
            GroupBy::Sequence => self.by_sequence(rows, store, directory),
            _ => by_key(by, rows, store, directory),
        };
        self.lay_out();
    }

    pub fn lay_out(&mut self) {
        self.lines.clear();
        for (g, group) in self.groups.iter().enumerate() {
            self.lines.push(Line::Group(g));
            if !self.expanded.contains(&group.key) {
                continue;
            }
            match &group.sequence {
                Some(sequence) => {
                    self.lines.push(Line::Member(g, sequence.own));
                    for (s, entry) in sequence.found.iter().enumerate() {
                        self.lines.push(match entry {
                            Some(ix) => Line::Member(g, *ix),
                            None => Line::Signal(g, s),
                        });
                    }
                }
                None => self
                    .lines
                    .extend(group.members.iter().map(|&ix| Line::Member(g, ix))),
            }
        }
    }

    pub fn set_expanded(&mut self, group: usize, expanded: bool) {
        let Some(key) = self.groups.get(group).map(|g| g.key) else {
            return;
        };
        if expanded {
            self.expanded.insert(key);
        } else {
            self.expanded.remove(&key);
        }
        self.lay_out();
    }

    /// The group a line belongs to.
    pub fn group_of(&self, line: usize) -> Option<usize> {
        match *self.lines.get(line)? {
            Line::Group(g) | Line::Member(g, _) | Line::Signal(g, _) => Some(g),
        }
    }

    /// What a group's row names it by, from its first member (worked out only for the rows
    /// drawn: a million findings can make a hundred thousand groups).
    pub fn label(&self, group: &Group, store: &FindingStore, directory: &Directory) -> String {
        let Some(by) = self.by else {
            return String::new();
        };
        if group.rest {
            return match by {
                GroupBy::Sequence => "not in an attack sequence",
                GroupBy::Principal => "no principal named",
                _ => "no resource named",
            }
            .to_string();
        }
        let first = group
            .sequence
            .as_ref()
            .map(|q| q.own)
            .or(group.members.first().copied());
        first.map_or_else(String::new, |ix| label(by, store, directory, ix))
    }

    fn by_sequence(
        &mut self,
        rows: &[EntryIx],
        store: &FindingStore,
        directory: &Directory,
    ) -> Vec<Group> {
        let mut shown = vec![false; store.len()];
        for &ix in rows {
            shown[ix as usize] = true;
        }
        let mut in_sequence = vec![false; store.len()];
        let mut groups = Vec::new();
        let mut cache = std::mem::take(&mut self.sequences);
        let hasher = foldhash::fast::FixedState::with_seed(7);
        // Which types are attack sequences, once per type rather than once per finding.
        let sequence_types: Vec<bool> = store
            .types
            .iter()
            .map(|(_, name)| name.starts_with(SEQUENCE))
            .collect();
        // The attack sequences shown, found in the store's order (reading every summary in
        // the table's order would wait on memory), then taken in the table's order.
        let mut is_sequence = vec![false; store.len()];
        for (ix, s) in store.summaries().iter().enumerate() {
            is_sequence[ix] = shown[ix]
                && sequence_types
                    .get(s.type_label as usize)
                    .copied()
                    .unwrap_or(false);
        }
        for &ix in rows.iter().filter(|&&ix| is_sequence[ix as usize]) {
            let Some(s) = store.summary(ix) else { continue };
            let revised = store.get(ix).map_or(0, |e| e.revised);
            let sequence = match cache.get(&ix) {
                Some((at, sequence)) if *at == revised => sequence.clone(),
                _ => {
                    let read = store
                        .raw(ix)
                        .and_then(|raw| crate::model::sequence::of_record(&raw))
                        .map(Arc::new);
                    cache.insert(ix, (revised, read.clone()));
                    read
                }
            };
            let read = sequence.unwrap_or_default();
            let account = store.accounts.name(s.account);
            let region = store.regions.name(s.region);
            let mut members = vec![ix];
            in_sequence[ix as usize] = true;
            let found: Vec<Option<EntryIx>> = read
                .signals
                .iter()
                .map(|signal| {
                    let entry = signal
                        .is_finding()
                        .then(|| find_signal(store, signal, account, region))
                        .flatten()
                        .filter(|&m| m != ix && shown[m as usize]);
                    if let Some(m) = entry {
                        in_sequence[m as usize] = true;
                        if !members.contains(&m) {
                            members.push(m);
                        }
                    }
                    entry
                })
                .collect();
            groups.push(Group {
                key: hash(&hasher, &(9u8, &*store.id(ix), s.account)),
                members,
                sequence: Some(SequenceGroup {
                    own: ix,
                    read,
                    found,
                }),
                ..Group::empty()
            });
        }
        // Forget sequences no longer in the queue's view.
        cache.retain(|ix, _| shown.get(*ix as usize).copied().unwrap_or(false));
        self.sequences = cache;
        for group in &mut groups {
            sum_up(group, store, directory);
        }
        groups.extend(group_rows(
            rows,
            store,
            directory,
            |ix, _| match in_sequence[ix as usize] {
                true => Place::Elsewhere,
                false => Place::Rest,
            },
        ));
        groups
    }
}

const SEQUENCE: &str = "AttackSequence:";

impl Group {
    fn empty() -> Group {
        Group {
            key: 0,
            members: Vec::new(),
            sequence: None,
            highest: SeverityLabel::Informational,
            accounts: 0,
            production: false,
            first_seen: i64::MAX,
            last_seen: i64::MIN,
            new: 0,
            rest: false,
        }
    }
}

/// The queue's finding a `FINDING` signal points at: by id in the sequence's GuardDuty scope,
/// or by the account, region and id an ARN names.
fn find_signal(
    store: &FindingStore,
    signal: &Signal,
    account: &str,
    region: &str,
) -> Option<EntryIx> {
    let uid = signal.uid.as_str();
    let mut parts = uid.split(':');
    let (arn_region, arn_account) = match (parts.next(), parts.nth(2), parts.next()) {
        (Some("arn"), Some(r), Some(a)) if !r.is_empty() && !a.is_empty() => (r, a),
        _ => (region, account),
    };
    signal.finding_ids().find_map(|id| {
        store
            .find(&crate::model::guardduty_scope(arn_account, arn_region), id)
            .or_else(|| store.find(&crate::model::guardduty_scope(account, region), id))
    })
}

/// Where a finding goes when grouped.
enum Place {
    Key(u64),
    /// The catch-all group (no principal, no resource, in no sequence).
    Rest,
    /// Already in a group of its own kind (an attack sequence's member).
    Elsewhere,
}

/// Groups by a key read from the summary or the resources: one hash per finding.
fn by_key(
    by: GroupBy,
    rows: &[EntryIx],
    store: &FindingStore,
    directory: &Directory,
) -> Vec<Group> {
    let hasher = foldhash::fast::FixedState::with_seed(7);
    group_rows(rows, store, directory, |ix, s| {
        let key = match by {
            GroupBy::Account => Some(hash(&hasher, &(0u8, s.account))),
            GroupBy::Type => Some(if s.control != NONE {
                hash(&hasher, &(1u8, s.control))
            } else {
                hash(&hasher, &(2u8, s.type_label))
            }),
            GroupBy::Principal => {
                (s.principal != NONE).then(|| hash(&hasher, &(3u8, s.account, s.principal)))
            }
            GroupBy::Resource => store
                .get(ix)
                .map(|e| e.resource)
                .filter(|&r| r != 0)
                .map(|r| hash(&hasher, &(4u8, s.account, r))),
            GroupBy::Sequence => None,
        };
        key.map_or(Place::Rest, Place::Key)
    })
}

/// What a group's row sums up, gathered finding by finding.
#[derive(Default)]
struct Tally {
    first_account: Option<u32>,
    /// Accounts after the first (most groups hold one: no allocation then).
    more_accounts: Vec<u32>,
}

impl Tally {
    fn add(&mut self, group: &mut Group, ix: EntryIx, store: &FindingStore, directory: &Directory) {
        let (Some(s), Some(e)) = (store.summary(ix), store.get(ix)) else {
            return;
        };
        group.highest = group.highest.max(s.label);
        let new_account = match self.first_account {
            None => {
                self.first_account = Some(s.account);
                true
            }
            Some(first) if first == s.account || self.more_accounts.contains(&s.account) => false,
            Some(_) => {
                self.more_accounts.push(s.account);
                true
            }
        };
        if new_account {
            group.accounts += 1;
            group.production |= directory
                .get(store.accounts.name(s.account))
                .is_some_and(|a| a.production);
        }
        group.first_seen = group.first_seen.min(e.first_seen().as_second());
        group.last_seen = group.last_seen.max(s.last_seen);
        group.new += usize::from(e.look.is_none());
    }
}

/// Groups the rows by `place`. Keys and sums are worked out in the store's order (the
/// summaries and entries read front to back: at a million findings, reading them in the
/// table's order would wait on memory for most of the time); then the members are listed in
/// the table's order, and the groups ordered by their first member's row.
fn group_rows(
    rows: &[EntryIx],
    store: &FindingStore,
    directory: &Directory,
    place: impl Fn(EntryIx, &crate::store::Summary) -> Place,
) -> Vec<Group> {
    const NO_GROUP: u32 = u32::MAX;
    let mut shown = vec![false; store.len()];
    for &ix in rows {
        if let Some(slot) = shown.get_mut(ix as usize) {
            *slot = true;
        }
    }
    let mut group_of = vec![NO_GROUP; store.len()];
    let mut index: HashMap<u64, u32> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut tallies: Vec<Tally> = Vec::new();
    let mut rest = None;
    for (ix, s) in store.summaries().iter().enumerate() {
        if !shown[ix] {
            continue;
        }
        let ix = ix as EntryIx;
        let g = match place(ix, s) {
            Place::Elsewhere => continue,
            Place::Key(key) => *index.entry(key).or_insert_with(|| {
                groups.push(Group {
                    key,
                    ..Group::empty()
                });
                tallies.push(Tally::default());
                groups.len() as u32 - 1
            }),
            Place::Rest => *rest.get_or_insert_with(|| {
                groups.push(Group {
                    rest: true,
                    ..Group::empty()
                });
                tallies.push(Tally::default());
                groups.len() as u32 - 1
            }),
        };
        group_of[ix as usize] = g;
        tallies[g as usize].add(&mut groups[g as usize], ix, store, directory);
    }
    let mut order = Vec::with_capacity(groups.len());
    for &ix in rows {
        let g = group_of[ix as usize];
        if g == NO_GROUP {
            continue;
        }
        let group = &mut groups[g as usize];
        if group.members.is_empty() {
            order.push(g);
        }
        group.members.push(ix);
    }
    // The table's order, the catch-all last.
    let rest = rest.unwrap_or(NO_GROUP);
    order.retain(|&g| g != rest);
    if rest != NO_GROUP {
        order.push(rest);
    }
    let mut taken: Vec<Option<Group>> = groups.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|g| taken[g as usize].take())
        .collect()
}

fn hash<T: Hash>(hasher: &foldhash::fast::FixedState, value: &T) -> u64 {
    hasher.hash_one(value)
}

/// What a group's row names it by (worked out once per group, from its first member).
fn label(by: GroupBy, store: &FindingStore, directory: &Directory, ix: EntryIx) -> String {
    let Some(s) = store.summary(ix) else {
        return String::new();
    };
    let account = store.accounts.name(s.account);
    let name = directory.name_of(account);
    match by {
        GroupBy::Account if name != account => format!("{name} ({account})"),
        GroupBy::Account => account.to_string(),
        GroupBy::Type if s.control != NONE => store.controls.name(s.control).to_string(),
        GroupBy::Type => store.types.name(s.type_label).to_string(),
        GroupBy::Principal => format!("{} · {name}", store.principals.name(s.principal)),
        GroupBy::Resource => format!(
            "{} · {name}",
            primary_resource(store, ix).unwrap_or_default()
        ),
        GroupBy::Sequence => format!(
            "{} · {} · {name}",
            store.types.name(s.type_label).trim_start_matches(SEQUENCE),
            primary_resource(store, ix).unwrap_or_else(|| store.title(ix)),
        ),
    }
}

/// Count, highest severity, accounts, first and last seen, how many are new: for the few
/// groups made outside [`group_rows`] (attack sequences).
fn sum_up(group: &mut Group, store: &FindingStore, directory: &Directory) {
    let mut tally = Tally::default();
    let members = std::mem::take(&mut group.members);
    for &ix in &members {
        tally.add(group, ix, store, directory);
    }
    group.members = members;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groupings_parse_in_an_analysts_words_and_cycle() {
        assert_eq!(GroupBy::parse("Sequence"), Some(GroupBy::Sequence));
        assert_eq!(GroupBy::parse("control"), Some(GroupBy::Type));
        assert_eq!(GroupBy::parse("who"), Some(GroupBy::Principal));
        assert_eq!(GroupBy::parse("colour"), None);
        let mut seen = Vec::new();
        let mut at = GroupBy::next(None);
        while let Some(by) = at {
            seen.push(by);
            at = GroupBy::next(Some(by));
        }
        assert_eq!(seen, GroupBy::ALL);
    }

    use crate::store::short_name;

    #[test]
    fn short_names_are_the_last_part_of_an_arn() {
        assert_eq!(short_name("arn:aws:s3:::prod-data"), "prod-data");
        assert_eq!(
            short_name("arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"),
            "i-0abc"
        );
        assert_eq!(
            short_name("arn:aws:iam::111122223333:role/ops/Admin"),
            "Admin"
        );
        assert_eq!(short_name("i-0abc"), "i-0abc");
    }
}
