//! Where findings and log events come from.
//!
//! A [`Source`] is polled by the runtime with the current time and answers with an owned
//! [`Batch`]. Sources never touch the app state; the runtime forwards their batches as messages.
//!
//! A poll reads a bounded amount ([`crate::limits`]). A source that stopped at its bound with
//! more to read says so twice: [`Batch::more`], for a headless sweep to poll again at once, and
//! the health report's backlog ("N read, more coming"), for the screens. What a poll read but
//! can never deliver (records that would not map, log groups left out) is in
//! [`Batch::left_out`], in words.

pub mod demo;
pub mod file;
pub mod groups;

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;

use crate::model::health::HealthReport;
use crate::model::{Account, Finding, LogEvent, Route};

/// What a source feeds: the findings queue or the log stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feed {
    Findings,
    Logs,
}

/// One poll's worth of results.
#[derive(Debug, Default)]
pub struct Batch {
    /// New or updated findings, upserted by id.
    pub findings: Vec<Finding>,
    pub events: Vec<LogEvent>,
    pub health: Vec<HealthReport>,
    /// Accounts this source learned about (names, OU paths).
    pub accounts: Vec<Account>,
    /// The first sweep of a source: its findings are the baseline, not news.
    pub initial: bool,
    /// Who the source reads as (`account · ARN`), for the status line.
    pub identity: Option<crate::model::SafeText>,
    /// How the findings of this batch are reached for write-back.
    pub routes: Vec<Route>,
    /// Live tail: the service sampled these events (over 500 a second), so some are missing.
    pub sampled: bool,
    /// Log feeds: which choice of log groups the poll read ([`crate::app::Effect::SetGroups`]);
    /// tagged by the runtime when the poll starts.
    pub generation: u64,
    /// The poll stopped at its limit with more to read (a backlog, a nextToken): the next poll
    /// goes on from there.
    pub more: bool,
    /// What this poll could not deliver and no later poll will, one sentence each.
    pub left_out: Vec<String>,
    /// Security Hub standards enabled where the source reads (read now and then, not every
    /// poll): replaces what was known of those accounts and regions.
    pub standards: Vec<crate::model::standards::StandardsReport>,
    /// GuardDuty protection plans and runtime coverage where the source reads.
    pub coverage: Vec<crate::model::standards::GuardDutyCoverage>,
    /// Where the source's reading stands once this batch is taken in: kept with the findings
    /// in the disk store, for a restart to read on from there ([`Source::resume`]).
    pub mark: Option<Mark>,
    /// Fired once the batch's findings are in the disk store (or, without one, taken in by the
    /// app): a queue feed deletes its messages only then.
    pub taken: Option<tokio::sync::oneshot::Sender<()>>,
    /// Who read this batch's findings and when, when the source reconciles what it delivers:
    /// the store remembers which source read each finding last, for [`Batch::full_read`] to
    /// find what left.
    pub reader: Option<Reader>,
    /// A complete read of the source's active set ended with this batch.
    pub full_read: Option<FullRead>,
    /// Findings the source was asked to read again by id ([`Source::recheck`]) that it no
    /// longer has at all, by the id the service knows them by.
    pub gone: Vec<String>,
    /// The service's own counts of the active findings, organization-wide.
    pub counts: Option<Box<crate::model::counts::ServerCounts>>,
    /// Which detections matched each of `events`, worked out on the polling task, off the UI
    /// task ([`Detected`]).
    pub detected: Option<Box<Detected>>,
    /// When the poll that read this batch answered (stamped by its polling task).
    pub read_at: Option<std::time::Instant>,
    /// How long the batch waited between being read and reaching the app (stamped by the
    /// runtime as it takes the batch): a stream picket is behind on.
    pub lag: Option<std::time::Duration>,
}

impl Batch {
    /// What a batch needs before the app merges it, done where it was read (its polling task),
    /// not on the UI task: log events checked against the detections, then every raw record
    /// packed as the store and the log buffer keep it.
    pub fn prepare(
        &mut self,
        detector: &crate::logs::detect::Detector,
        packer: &std::sync::Arc<crate::model::packing::Packer>,
    ) {
        if !self.events.is_empty() && !detector.is_empty() {
            self.detected = Some(Box::new(Detected::check(detector, &self.events)));
        }
        for event in &mut self.events {
            event.message.pack_with(packer);
        }
        for finding in &mut self.findings {
            finding.raw.pack_with(packer);
        }
    }
}

/// The detections that matched each event of a batch, by the batch's order, and the
/// detections that were checked: the app uses them only while its own choice is the same.
#[derive(Debug, Default)]
pub struct Detected {
    pub checked: Vec<&'static str>,
    pub hits: Vec<Vec<&'static crate::logs::detect::Detection>>,
}

impl Detected {
    /// Checks every CloudTrail record of `events` against `detector`.
    pub fn check(
        detector: &crate::logs::detect::Detector,
        events: &[crate::model::LogEvent],
    ) -> Detected {
        Detected {
            checked: detector.names(),
            hits: events
                .iter()
                .map(|event| {
                    if event.trail.is_some() {
                        detector.check(&event.message.delivered_text())
                    } else {
                        Vec::new()
                    }
                })
                .collect(),
        }
    }

    /// The first `n` events' hits, leaving the rest.
    pub fn split_front(&mut self, n: usize) -> Detected {
        let rest = self.hits.split_off(n.min(self.hits.len()));
        Detected {
            checked: self.checked.clone(),
            hits: std::mem::replace(&mut self.hits, rest),
        }
    }
}

/// A reconciling source's reading of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    /// The source's name ([`Source::name`]).
    pub name: String,
    /// When the poll began: a finding delivered by this poll was in the set then.
    pub at: Timestamp,
}

/// A complete read of a source's active set: every finding in `workflow` states that the
/// source read before `began` and did not deliver since has left the set (resolved, suppressed
/// or archived elsewhere, while picket was stopped or between reads) — or was missed by a read
/// under way while it changed. Either way the store asks the source to read it again by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullRead {
    pub began: Timestamp,
    pub workflow: Vec<crate::model::Workflow>,
}

pub use crate::model::mark::Mark;

pub type PollFuture<'a> = Pin<Box<dyn Future<Output = Batch> + Send + 'a>>;

pub trait Source: Send {
    /// A short name for logs and the sources screen (`demo findings`, `guardduty us-east-1`).
    fn name(&self) -> &str;
    fn feed(&self) -> Feed;
    /// How long the runtime waits between polls.
    fn interval(&self) -> std::time::Duration;
    /// Fetches what changed since the previous poll. Errors are reported as health, never
    /// returned: a source always answers.
    fn poll(&mut self, now: Timestamp) -> PollFuture<'_>;

    /// Sources this one found since it was last asked (the accounts an organization source
    /// discovered), for the runtime to start polling.
    fn spawned(&mut self) -> Vec<Box<dyn Source>> {
        Vec::new()
    }

    /// The log groups to read from now on (the picker's choice); sources without groups ignore it.
    fn set_groups(&mut self, _groups: Vec<String>) {}

    /// Read on from `mark` (kept from an earlier run) instead of reading everything again.
    fn resume(&mut self, _mark: Mark) {}

    /// The analyst asked for a refresh (`r`): reconcile in full at the next poll, not only
    /// what changed.
    fn reread(&mut self) {}

    /// Read these findings again by the id the service knows them by ([`Batch::full_read`]):
    /// their new state, or [`Batch::gone`].
    fn recheck(&mut self, _ids: Vec<String>) {}

    /// This source names accounts (the organization's list): a headless sweep reads it before
    /// the others, so findings are printed with their account names.
    fn lists_accounts(&self) -> bool {
        false
    }
}
