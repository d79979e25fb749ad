//! Alerts (`[alerts]`): a new finding matching the alert filter (`sev>=high is:new` by default)
//! rings the terminal bell, raises a desktop notification where the terminal shows them, and
//! counts in the window title until the analyst has seen it. Findings read at start (a source's
//! first sweep, the disk store) are the baseline, never alerts. At most one notification every
//! [`EVERY`], summing what arrived meanwhile; in quiet hours only the title counts.

use jiff::{SignedDuration, Timestamp};

use crate::query::Query;
use crate::store::{CompiledFilter, EntryIx, FindingStore};

/// The shortest time between two notifications.
pub const EVERY: SignedDuration = SignedDuration::from_secs(10);
/// Alerted findings kept for the title's count (the oldest are forgotten).
const KEPT: usize = 10_000;

/// `HH:MM-HH:MM` in the clock's time zone; may wrap midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quiet {
    from: u16,
    to: u16,
}

impl Quiet {
    pub fn parse(text: &str) -> Result<Quiet, String> {
        let minutes = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (from, to) = text
            .split_once('-')
            .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)))
            .ok_or_else(|| format!("'{text}' is not quiet hours like 22:00-07:00"))?;
        Ok(Quiet { from, to })
    }

    /// Whether `minute` of the day (0–1439) is inside.
    pub fn contains(self, minute: u16) -> bool {
        if self.from <= self.to {
            (self.from..self.to).contains(&minute)
        } else {
            minute >= self.from || minute < self.to
        }
    }
}

/// The alert settings, resolved at start.
#[derive(Clone, Debug, Default)]
pub struct AlertOptions {
    /// None: alerts are off (`--no-alerts`, or `[alerts] filter = ""`).
    pub filter: Option<Query>,
    pub quiet: Option<Quiet>,
}

/// What is waiting to be said, and what was.
#[derive(Debug, Default)]
pub struct Alerts {
    options: AlertOptions,
    /// Titles of the matches not yet notified.
    pending: Vec<String>,
    last_sent: Option<Timestamp>,
    /// Every alerted finding, for the title's count of those still unseen.
    alerted: Vec<EntryIx>,
    /// The count the title shows.
    pub shown: usize,
}

impl Alerts {
    pub fn new(options: AlertOptions) -> Alerts {
        Alerts {
            options,
            ..Alerts::default()
        }
    }

    /// New settings (`:reload`); what waits to be said and the count shown stay.
    pub fn set_options(&mut self, options: AlertOptions) {
        self.options = options;
    }

    pub fn enabled(&self) -> bool {
        self.options.filter.is_some()
    }

    /// Takes the entries a batch inserted (not the baseline): those matching the filter wait
    /// to be said.
    pub fn consider(
        &mut self,
        inserted: &[EntryIx],
        store: &FindingStore,
        directory: &crate::model::Directory,
        now: Timestamp,
    ) {
        let Some(query) = &self.options.filter else {
            return;
        };
        if inserted.is_empty() {
            return;
        }
        let filter = CompiledFilter::compile(query, store, directory, now);
        for &ix in inserted {
            if filter.matches(store, ix) {
                self.pending.push(store.title(ix).to_string());
                self.alerted.push(ix);
            }
        }
        if self.alerted.len() > KEPT {
            self.alerted.drain(..self.alerted.len() - KEPT);
        }
    }

    /// Whether matches wait to be said.
    pub fn waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The notification due now, if any: one line summing what waited, unless it is quiet
    /// (then the titles are dropped: the window title still counts them).
    pub fn due(&mut self, now: Timestamp, minute_of_day: u16) -> Option<String> {
        if self.pending.is_empty()
            || self
                .last_sent
                .is_some_and(|at| now.duration_since(at) < EVERY)
        {
            return None;
        }
        let titles = std::mem::take(&mut self.pending);
        if self
            .options
            .quiet
            .is_some_and(|q| q.contains(minute_of_day))
        {
            return None;
        }
        self.last_sent = Some(now);
        Some(match titles.as_slice() {
            [one] => format!("picket: {one}"),
            [first, rest @ ..] => format!("picket: {} new alerts: {first}, …", rest.len() + 1),
            [] => return None,
        })
    }

    /// How many alerted findings the analyst has yet to see.
    pub fn unseen(&mut self, store: &FindingStore) -> usize {
        self.alerted.retain(|&ix| store.is_unseen(ix));
        self.alerted.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_may_wrap_midnight() {
        let night = Quiet::parse("22:00-07:00").expect("quiet");
        assert!(night.contains(23 * 60));
        assert!(night.contains(6 * 60 + 59));
        assert!(!night.contains(7 * 60));
        assert!(!night.contains(12 * 60));
        let lunch = Quiet::parse("12:00-13:30").expect("quiet");
        assert!(lunch.contains(12 * 60 + 45) && !lunch.contains(13 * 60 + 30));
        for bad in ["22-7", "25:00-01:00", "noon", "10:60-11:00"] {
            assert!(Quiet::parse(bad).is_err(), "{bad}");
        }
    }
}
