//! When a findings source asks its service for counts ([`ServerCounts`]), and what it does with
//! the answer: at the start, alone, the reading following at once (a million findings take
//! hours to read; the counts a second); then every [`EVERY`] while they are shown. A refusal
//! (no permission, no such API) stops the asking; a passing failure (throttling, the network,
//! credentials) waits for the next turn.

use jiff::{SignedDuration, Timestamp};

use super::errors::{Failure, FailureKind};
use crate::model::SafeText;
use crate::model::counts::ServerCounts;
use crate::model::health::HealthReport;
use crate::sources::Batch;

/// How often the counts are asked for again while they are shown.
pub const EVERY: SignedDuration = SignedDuration::from_mins(15);

#[derive(Debug)]
pub struct Counting {
    /// When the counts were last asked for with an answer.
    at: Option<Timestamp>,
    /// Off, or refused for good.
    stopped: bool,
    /// The poll that brought the counts alone: the next follows at once.
    pub hurry: bool,
}

/// What a poll does with the counts it asked for.
pub enum Counted {
    /// The first counts: the poll returns them alone.
    Alone(ServerCounts),
    /// The poll reads as usual, and adds these counts, or says why there are none.
    Beside(Option<ServerCounts>, Option<String>),
}

impl Counted {
    /// The batch of a poll that brings the first counts alone.
    pub fn alone(counts: ServerCounts, health: HealthReport, identity: Option<SafeText>) -> Batch {
        Batch {
            health: vec![health],
            identity,
            counts: Some(Box::new(counts)),
            more: true,
            ..Batch::default()
        }
    }

    /// Adds the counts, or why there are none, to a poll's batch.
    pub fn add_to(self, batch: &mut Batch) {
        match self {
            Counted::Alone(counts) | Counted::Beside(Some(counts), _) => {
                batch.counts = Some(Box::new(counts));
            }
            Counted::Beside(None, said) => batch.left_out.extend(said),
        }
    }
}

impl Counting {
    pub fn new(on: bool) -> Counting {
        Counting {
            at: None,
            stopped: !on,
            hurry: false,
        }
    }

    /// Whether to ask now; `shown` says whether the counts are still wanted after the first
    /// (a backlog being read, or a scope leaving part of the organization out).
    pub fn due(&self, now: Timestamp, shown: bool) -> bool {
        !self.stopped
            && match self.at {
                None => true,
                Some(at) => shown && now.duration_since(at) >= EVERY,
            }
    }

    /// Asks no more (the source cannot count).
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// Settles a poll's asking: `asked` is None when it did not ask, `report` whether a
    /// refusal is worth a word (not when another API will be tried).
    pub fn settle(
        &mut self,
        asked: Option<Result<ServerCounts, Failure>>,
        now: Timestamp,
        source: &str,
        report: bool,
    ) -> Counted {
        self.hurry = false;
        match asked {
            None => Counted::Beside(None, None),
            Some(Ok(counts)) => {
                let first = self.at.replace(now).is_none();
                if first {
                    self.hurry = true;
                    Counted::Alone(counts)
                } else {
                    Counted::Beside(Some(counts), None)
                }
            }
            Some(Err(failure)) => {
                let passing = matches!(
                    failure.kind,
                    FailureKind::Throttled | FailureKind::Unreachable | FailureKind::Credentials
                );
                if passing {
                    self.at.get_or_insert(now);
                } else {
                    self.stopped = true;
                }
                let said = (passing || report).then(|| {
                    format!(
                        "{source}: the service's counts could not be read: {}",
                        failure.message
                    )
                });
                Counted::Beside(None, said)
            }
        }
    }
}
