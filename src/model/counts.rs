//! Counts of active findings as the service states them (Security Hub's GetFindingStatisticsV2,
//! GuardDuty's GetFindingsStatistics): right from the first seconds, while the queue is still
//! being read, and for the whole organization when picket reads only a scope.

use jiff::Timestamp;

use super::health::Service;
use super::{SafeText, SeverityLabel};

/// Accounts and types a count keeps (the overview shows fewer).
pub const COUNTED_GROUPS: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerCounts {
    /// The source that asked ([`crate::sources::Source::name`]).
    pub source: String,
    pub service: Option<Service>,
    pub at: Option<Timestamp>,
    /// Active findings per severity, critical first (as [`SeverityLabel::rank`]).
    pub totals: [u64; 5],
    /// The accounts with the most active findings, per severity.
    pub by_account: Vec<(SafeText, [u64; 5])>,
    /// The most frequent finding types.
    pub by_type: Vec<(SafeText, u64)>,
}

impl ServerCounts {
    pub fn total(&self) -> u64 {
        self.totals.iter().sum()
    }

    /// Adds `n` findings of `label` in `account`.
    pub fn add_account(&mut self, account: &str, label: SeverityLabel, n: u64) {
        let rank = label.rank();
        match self
            .by_account
            .iter_mut()
            .find(|(a, _)| a.as_str() == account)
        {
            Some((_, counts)) => counts[rank] += n,
            None => {
                let mut counts = [0; 5];
                counts[rank] = n;
                self.by_account.push((SafeText::line(account), counts));
            }
        }
    }
}
