//! Aggregates for the overview, recomputed when the store changes or a minute passes.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::model::counts::ServerCounts;
use crate::model::health::Service;
use crate::model::{Directory, SeverityLabel, SourceKind};
use crate::store::{EntryIx, FindingStore};

/// Minutes in the new-findings sparkline.
pub const SPARK_MINUTES: usize = 60;
/// Finding types listed on the overview.
pub const TOP_TYPES: usize = 10;
/// Newest findings listed on the overview.
pub const LATEST: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountRow {
    pub account_id: String,
    pub name: String,
    pub ou_path: String,
    pub production: bool,
    /// Active findings per severity, critical first.
    pub counts: [u32; 5],
    /// Open findings past their SLA.
    pub breached: u32,
}

impl AccountRow {
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Accounts grouped by OU path, then by name.
    pub accounts: Vec<AccountRow>,
    pub totals: [u32; 5],
    /// Open findings past their SLA, over all accounts.
    pub breached: u32,
    /// Since the analyst last looked (in this shift or the last): findings that arrived, that
    /// moved (severity, count, workflow) and that came back after being closed.
    pub since: Since,
    /// New findings (by first seen) per minute, oldest first, the last entry is this minute.
    pub new_per_minute: Vec<u64>,
    pub new_last_hour: u64,
    /// (type, active count, highest severity), most frequent first.
    pub top_types: Vec<(String, u32, SeverityLabel)>,
    /// Active findings per ATT&CK tactic, in the matrix's order (a finding counts in each of
    /// its tactics).
    pub tactics: [u32; 14],
    pub active: usize,
    pub archived: usize,
    pub unseen: usize,
    /// The most recently seen active findings, newest first: by last seen, as the queue's SEEN
    /// column and its last-seen order tell time; picket's own detection alerts only when first
    /// seen since picket started (the backfill's are the baseline).
    pub latest: Vec<EntryIx>,
    /// The accounts, severities and types are the service's counts, not the store's.
    pub server: Option<FromServer>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Since {
    pub new: u32,
    pub changed: u32,
    pub reopened: u32,
    /// Dispositions due for review (`is:expired`).
    pub expired: u32,
}

/// Which service's counts the overview shows, and when they were asked for (the oldest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromServer {
    pub service: Service,
    pub at: Timestamp,
}

impl Stats {
    /// `started`: when picket started; detection alerts first seen before it are the baseline.
    pub fn compute(
        store: &FindingStore,
        directory: &Directory,
        now: Timestamp,
        started: Timestamp,
    ) -> Stats {
        // Indexed by the interned account and type ids (dense from 0): a million findings are
        // counted without hashing.
        let mut by_account: Vec<Option<[u32; 5]>> = vec![None; store.accounts.len()];
        let mut by_type: Vec<(u32, SeverityLabel)> =
            vec![(0, SeverityLabel::Informational); store.types.len()];
        let mut breached: Vec<u32> = vec![0; store.accounts.len()];
        let mut stats = Stats {
            new_per_minute: vec![0; SPARK_MINUTES],
            ..Stats::default()
        };
        // The newest few, kept in a small heap: no list of every finding is made to sort.
        let mut latest: std::collections::BinaryHeap<std::cmp::Reverse<(i64, EntryIx)>> =
            std::collections::BinaryHeap::with_capacity(LATEST + 1);
        let now_s = now.as_second();
        for (ix, (entry, s)) in store.entries().iter().zip(store.summaries()).enumerate() {
            match entry.look {
                None if !s.archived => stats.since.new += 1,
                None => {}
                Some(look) if look.reopened(s) => stats.since.reopened += 1,
                Some(look) if !s.archived && look.changed(s) => stats.since.changed += 1,
                Some(_) => {}
            }
            if s.expired(now_s) {
                stats.since.expired += 1;
            }
            if s.unseen {
                stats.unseen += 1;
            }
            if s.archived {
                stats.archived += 1;
                continue;
            }
            stats.active += 1;
            let first_seen = entry.first_seen();
            let account = s.account as usize;
            if store
                .sla
                .deadline(s.label, first_seen.as_second(), s.workflow, s.archived)
                .is_some_and(|d| d <= now_s)
            {
                if let Some(n) = breached.get_mut(account) {
                    *n += 1;
                }
                stats.breached += 1;
            }
            let rank = s.label.rank();
            if let Some(counts) = by_account.get_mut(account) {
                counts.get_or_insert([0; 5])[rank] += 1;
            }
            stats.totals[rank] += 1;
            for tactic in s.tactics.iter() {
                stats.tactics[tactic as usize] += 1;
            }
            if let Some(t) = by_type.get_mut(s.type_label as usize) {
                t.0 += 1;
                t.1 = t.1.max(s.label);
            }
            let minutes_ago = (now_s - first_seen.as_second()).div_euclid(60);
            if (0..SPARK_MINUTES as i64).contains(&minutes_ago) {
                stats.new_per_minute[SPARK_MINUTES - 1 - minutes_ago as usize] += 1;
                stats.new_last_hour += 1;
            }
            // A detection alert from the history read at start is not news: the backfill's
            // minutes of CloudTrail would fill the list.
            if first_seen < started && s.sources.contains(SourceKind::Detection) {
                continue;
            }
            let newest = (s.last_seen, ix as EntryIx);
            if latest.len() < LATEST || latest.peek().is_some_and(|oldest| oldest.0 < newest) {
                latest.push(std::cmp::Reverse(newest));
                if latest.len() > LATEST {
                    latest.pop();
                }
            }
        }
        // Every known account appears, also those with nothing open.
        for account in directory.iter() {
            let ix = store.accounts.lookup(account.id.as_str());
            let counted = ix
                .and_then(|ix| by_account.get(ix as usize))
                .copied()
                .flatten();
            if counted.is_none() {
                stats.accounts.push(AccountRow {
                    account_id: account.id.to_string(),
                    name: account.name.to_string(),
                    ou_path: account.ou_path.to_string(),
                    production: account.production,
                    counts: [0; 5],
                    breached: 0,
                });
            }
        }
        for (ix, counts) in by_account.into_iter().enumerate() {
            let Some(counts) = counts else {
                continue;
            };
            let ix = ix as u32;
            let id = store.accounts.name(ix);
            let account = directory.get(id);
            stats.accounts.push(AccountRow {
                account_id: id.to_string(),
                name: account.map_or_else(|| id.to_string(), |a| a.name.to_string()),
                ou_path: account.map(|a| a.ou_path.to_string()).unwrap_or_default(),
                production: account.is_some_and(|a| a.production),
                counts,
                breached: breached.get(ix as usize).copied().unwrap_or(0),
            });
        }
        stats.accounts.sort_by(|a, b| {
            (&a.ou_path, &a.name, &a.account_id).cmp(&(&b.ou_path, &b.name, &b.account_id))
        });
        let mut types: Vec<_> = by_type
            .into_iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(ix, (n, sev))| (store.types.name(ix as u32).to_string(), n, sev))
            .collect();
        types.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        types.truncate(TOP_TYPES);
        stats.top_types = types;
        let mut latest: Vec<(i64, EntryIx)> = latest
            .into_iter()
            .map(|std::cmp::Reverse(pair)| pair)
            .collect();
        latest.sort_unstable_by(|a, b| b.cmp(a));
        stats.latest = latest.into_iter().map(|(_, ix)| ix).collect();
        stats
    }

    /// The accounts, severities and types as the services count them: Security Hub's when
    /// there are any (they include GuardDuty's findings), else GuardDuty's, summed over the
    /// sources. Unseen, archived, the sparkline and the newest findings stay the store's.
    pub fn with_server<'a>(
        mut self,
        counts: impl IntoIterator<Item = &'a ServerCounts> + Clone,
        directory: &Directory,
    ) -> Stats {
        let of = |service| {
            counts
                .clone()
                .into_iter()
                .filter(move |c| c.service == Some(service))
        };
        let service = if of(Service::SecurityHub).next().is_some() {
            Service::SecurityHub
        } else if of(Service::GuardDuty).next().is_some() {
            Service::GuardDuty
        } else {
            return self;
        };
        let mut totals = [0u64; 5];
        let mut by_account: HashMap<&str, [u64; 5]> = HashMap::new();
        let mut by_type: HashMap<&str, u64> = HashMap::new();
        let mut at: Option<Timestamp> = None;
        for c in of(service) {
            at = match (at, c.at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            for (sum, n) in totals.iter_mut().zip(c.totals) {
                *sum += n;
            }
            for (account, counts) in &c.by_account {
                let sums = by_account.entry(account.as_str()).or_default();
                for (sum, n) in sums.iter_mut().zip(counts) {
                    *sum += n;
                }
            }
            for (kind, n) in &c.by_type {
                *by_type.entry(kind.as_str()).or_default() += n;
            }
        }
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        self.totals = totals.map(narrow);
        self.active = usize::try_from(totals.iter().sum::<u64>()).unwrap_or(usize::MAX);
        self.accounts = directory
            .iter()
            .filter(|a| !by_account.contains_key(a.id.as_str()))
            .map(|a| AccountRow {
                account_id: a.id.to_string(),
                name: a.name.to_string(),
                ou_path: a.ou_path.to_string(),
                production: a.production,
                counts: [0; 5],
                breached: 0,
            })
            .chain(by_account.iter().map(|(id, counts)| {
                let account = directory.get(id);
                AccountRow {
                    account_id: id.to_string(),
                    name: account.map_or_else(|| id.to_string(), |a| a.name.to_string()),
                    ou_path: account.map(|a| a.ou_path.to_string()).unwrap_or_default(),
                    production: account.is_some_and(|a| a.production),
                    counts: counts.map(narrow),
                    // The services count no clocks: the queue's own, as far as it is read.
                    breached: 0,
                }
            }))
            .collect();
        self.accounts.sort_by(|a, b| {
            (&a.ou_path, &a.name, &a.account_id).cmp(&(&b.ou_path, &b.name, &b.account_id))
        });
        // The services count types without their severity: shown plain.
        let mut types: Vec<_> = by_type
            .into_iter()
            .map(|(kind, n)| (kind.to_string(), narrow(n), SeverityLabel::Informational))
            .collect();
        types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        types.truncate(TOP_TYPES);
        self.top_types = types;
        self.server = at.map(|at| FromServer { service, at });
        self
    }

    /// The overview's table as lines: each OU's heading (with its accounts' sums) before its
    /// accounts, then the totals; nothing when no account is known. One pass over the accounts.
    pub fn heat_lines(&self) -> Vec<HeatLine> {
        let mut lines = Vec::with_capacity(self.accounts.len() + 8);
        let mut heading: Option<usize> = None;
        for (i, row) in self.accounts.iter().enumerate() {
            let same = heading.is_some_and(|h| match lines.get(h) {
                Some(HeatLine::Ou { first, .. }) => self.accounts[*first].ou_path == row.ou_path,
                _ => false,
            });
            if !same {
                heading = Some(lines.len());
                lines.push(HeatLine::Ou {
                    first: i,
                    counts: [0; 5],
                    breached: 0,
                });
            }
            if let Some(HeatLine::Ou {
                counts, breached, ..
            }) = heading.and_then(|h| lines.get_mut(h))
            {
                for (sum, n) in counts.iter_mut().zip(row.counts) {
                    *sum = sum.saturating_add(n);
                }
                *breached = breached.saturating_add(row.breached);
            }
            lines.push(HeatLine::Account(i));
        }
        if !lines.is_empty() {
            lines.push(HeatLine::Totals);
        }
        lines
    }
}

/// One line of the overview's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeatLine {
    /// An OU's heading: its first account (index into [`Stats::accounts`]) and the sums of
    /// its accounts' counts.
    Ou {
        first: usize,
        counts: [u32; 5],
        breached: u32,
    },
    /// An account, by index into [`Stats::accounts`].
    Account(usize),
    /// All accounts.
    Totals,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{directory, guardduty};

    #[test]
    fn counts_by_account_severity_type_and_minute() {
        let now: Timestamp = "2026-01-15T12:00:30Z".parse().expect("time");
        let mut store = FindingStore::default();
        let mut recent = guardduty(
            "n",
            "111111111111",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-15T12:00:00Z",
        );
        recent.first_seen = "2026-01-15T11:58:10Z".parse().expect("time");
        store.upsert(recent, now, true);
        store.upsert(
            guardduty(
                "o",
                "111111111111",
                "Recon:EC2/PortProbeUnprotectedPort",
                8.0,
                "2026-01-15T10:00:00Z",
            ),
            now,
            true,
        );
        let mut archived = guardduty(
            "p",
            "222222222222",
            "Trojan:EC2/BlackholeTraffic",
            5.0,
            "2026-01-15T10:00:00Z",
        );
        archived.archived = true;
        store.upsert(archived, now, true);
        let stats = Stats::compute(&store, &directory(), now, now);
        assert_eq!(stats.active, 2);
        assert_eq!(stats.archived, 1);
        assert_eq!(
            stats.accounts.len(),
            2,
            "an account with nothing open still has a row"
        );
        let prod = stats
            .accounts
            .iter()
            .find(|a| a.name == "prod-web")
            .expect("prod row");
        assert_eq!(prod.counts, [0, 1, 0, 1, 0]);
        assert_eq!(
            stats.top_types[0],
            (
                "Recon:EC2/PortProbeUnprotectedPort".to_string(),
                2,
                SeverityLabel::High
            )
        );
        assert_eq!(stats.new_last_hour, 1);
        assert_eq!(
            stats.new_per_minute[SPARK_MINUTES - 3],
            1,
            "first seen two minutes ago"
        );
    }
}
