//! Where findings and log events come from.
//!
//! A [`Source`] is polled by the runtime with the current time and answers with an owned
//! [`Batch`]. Sources never touch the app state; the runtime forwards their batches as messages.

pub mod demo;
pub mod file;

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;

use crate::model::health::HealthReport;
use crate::model::{Account, Finding, LogEvent};

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
}

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
}
