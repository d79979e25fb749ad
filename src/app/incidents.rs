//! The incidents view: the queue's findings (those the filter keeps, in the table's order)
//! grouped by attack sequence, resource, principal, type or account. A group row sums its
//! members up (count, highest severity, accounts, first and last seen, how many are new);
//! expanding it lists the members — for an attack sequence, as the timeline of its signals,
//! each signal that is a finding in the queue shown as that finding.
//!
//! Grouping is one pass over the rows with an integer key per finding (no string is built per
//! finding), so at a million findings it costs about what the filter does; only attack
//! sequences' records are read (a handful), and cached by revision.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use crate::model::sequence::{Sequence, Signal};
use crate::model::{Directory, SeverityLabel};
use crate::store::{EntryIx, FindingStore, NONE};

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

/// A signal of an attack sequence, and the queue's finding it is (when the filter keeps it).
pub type Linked = (Signal, Option<EntryIx>);

/// One group: what its row shows, and its members in the table's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Identifies the group across refreshes (what stays expanded).
    pub key: String,
    pub label: String,
    pub members: Vec<EntryIx>,
    /// An attack sequence's finding, and its signals in time order, each with the queue's
    /// finding it points at (when that finding passes the filter).
    pub sequence: Option<(EntryIx, Vec<Linked>)>,
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
    pub expanded: HashSet<String>,
    /// The role chains found for principal groups, by group key (`Effect`-free: worked out
    /// from the CloudTrail records already read, when a group is expanded).
    pub chains: HashMap<String, Vec<String>>,
    /// Attack sequences read from their records, by entry and revision.
    sequences: HashMap<EntryIx, (i64, Option<Sequence>)>,
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
        for group in &mut self.groups {
            sum_up(group, store, directory);
        }
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
                Some((sequence, signals)) => {
                    self.lines.push(Line::Member(g, *sequence));
                    for (s, (_, entry)) in signals.iter().enumerate() {
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

    /// Expands a collapsed group, collapses an expanded one.
    pub fn toggle(&mut self, group: usize) {
        let Some(key) = self.groups.get(group).map(|g| g.key.clone()) else {
            return;
        };
        if !self.expanded.remove(&key) {
            self.expanded.insert(key);
        }
        self.lay_out();
    }

    pub fn set_expanded(&mut self, group: usize, expanded: bool) {
        let Some(key) = self.groups.get(group).map(|g| g.key.clone()) else {
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
        for &ix in rows {
            let Some(s) = store.summary(ix) else { continue };
            if s.type_label == NONE || !store.types.name(s.type_label).starts_with(SEQUENCE) {
                continue;
            }
            let revised = store.get(ix).map_or(0, |e| e.revised);
            let sequence = match cache.get(&ix) {
                Some((at, sequence)) if *at == revised => sequence.clone(),
                _ => {
                    let read = store
                        .raw(ix)
                        .and_then(|raw| crate::model::sequence::of_record(&raw));
                    cache.insert(ix, (revised, read.clone()));
                    read
                }
            };
            let account = store.accounts.name(s.account);
            let region = store.regions.name(s.region);
            let mut members = vec![ix];
            in_sequence[ix as usize] = true;
            let signals: Vec<Linked> = sequence
                .map(|q| q.signals)
                .unwrap_or_default()
                .into_iter()
                .map(|signal| {
                    let entry = signal
                        .is_finding()
                        .then(|| find_signal(store, &signal, account, region))
                        .flatten()
                        .filter(|&m| m != ix && shown[m as usize]);
                    if let Some(m) = entry {
                        in_sequence[m as usize] = true;
                        if !members.contains(&m) {
                            members.push(m);
                        }
                    }
                    (signal, entry)
                })
                .collect();
            groups.push(Group {
                key: format!("sequence\u{1f}{}", store.id(ix)),
                label: format!(
                    "{} · {} · {}",
                    store.types.name(s.type_label).trim_start_matches(SEQUENCE),
                    primary_resource(store, ix).unwrap_or_else(|| store.title(ix).to_string()),
                    directory.name_of(account)
                ),
                members,
                sequence: Some((ix, signals)),
                ..Group::empty()
            });
        }
        // Forget sequences no longer in the queue's view.
        cache.retain(|ix, _| shown.get(*ix as usize).copied().unwrap_or(false));
        self.sequences = cache;
        let rest: Vec<EntryIx> = rows
            .iter()
            .copied()
            .filter(|&ix| !in_sequence[ix as usize])
            .collect();
        if !rest.is_empty() {
            groups.push(Group {
                key: "sequence\u{1f}".into(),
                label: "not in an attack sequence".into(),
                members: rest,
                rest: true,
                ..Group::empty()
            });
        }
        groups
    }
}

const SEQUENCE: &str = "AttackSequence:";

impl Group {
    fn empty() -> Group {
        Group {
            key: String::new(),
            label: String::new(),
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

/// The resource a finding is about: the first that is not a credential (GuardDuty lists the
/// access key before the bucket it touched), as a short name (`prod-data`, `i-0abc…`).
fn primary_resource(store: &FindingStore, ix: EntryIx) -> Option<String> {
    let mut first = None;
    for r in store.resources(ix) {
        let kind = store.resource_kinds.name(r.kind);
        let name = short_name(r.arn.unwrap_or(r.id));
        if name.is_empty() {
            continue;
        }
        if matches!(kind, "AccessKey" | "AwsIamAccessKey" | "AwsAccount") {
            first.get_or_insert(name);
            continue;
        }
        return Some(name.to_string());
    }
    first.map(str::to_string)
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

/// Groups by a key read from the summary or the resources: one hash per finding.
fn by_key(
    by: GroupBy,
    rows: &[EntryIx],
    store: &FindingStore,
    directory: &Directory,
) -> Vec<Group> {
    let hasher = foldhash::fast::FixedState::with_seed(7);
    let mut index: HashMap<u64, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut rest: Vec<EntryIx> = Vec::new();
    for &ix in rows {
        let Some(s) = store.summary(ix) else { continue };
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
            GroupBy::Resource => {
                primary_resource_key(store, ix).map(|name| hash(&hasher, &(4u8, s.account, name)))
            }
            GroupBy::Sequence => None,
        };
        let Some(key) = key else {
            rest.push(ix);
            continue;
        };
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(Group {
                key: format!("{}\u{1f}{key:x}", by.name()),
                label: label(by, store, directory, ix),
                ..Group::empty()
            });
            groups.len() - 1
        });
        groups[g].members.push(ix);
    }
    if !rest.is_empty() {
        groups.push(Group {
            key: format!("{}\u{1f}", by.name()),
            label: match by {
                GroupBy::Principal => "no principal named".into(),
                _ => "no resource named".into(),
            },
            members: rest,
            rest: true,
            ..Group::empty()
        });
    }
    groups
}

fn hash<T: Hash>(hasher: &foldhash::fast::FixedState, value: &T) -> u64 {
    hasher.hash_one(value)
}

/// The primary resource's short name, borrowed (no allocation per finding).
fn primary_resource_key(store: &FindingStore, ix: EntryIx) -> Option<&str> {
    let mut first = None;
    for r in store.resources(ix) {
        let name = short_name(r.arn.unwrap_or(r.id));
        if name.is_empty() {
            continue;
        }
        match store.resource_kinds.name(r.kind) {
            "AccessKey" | "AwsIamAccessKey" | "AwsAccount" => {
                first.get_or_insert(name);
            }
            _ => return Some(name),
        }
    }
    first
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
        GroupBy::Sequence => String::new(),
    }
}

/// Count, highest severity, accounts, first and last seen, how many are new.
fn sum_up(group: &mut Group, store: &FindingStore, directory: &Directory) {
    let mut accounts: Vec<u32> = Vec::new();
    for &ix in &group.members {
        let (Some(s), Some(e)) = (store.summary(ix), store.get(ix)) else {
            continue;
        };
        group.highest = group.highest.max(s.label);
        if !accounts.contains(&s.account) {
            accounts.push(s.account);
            group.production |= directory
                .get(store.accounts.name(s.account))
                .is_some_and(|a| a.production);
        }
        group.first_seen = group.first_seen.min(e.first_seen().as_second());
        group.last_seen = group.last_seen.max(s.last_seen);
        group.new += usize::from(e.look.is_none());
    }
    group.accounts = accounts.len();
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
