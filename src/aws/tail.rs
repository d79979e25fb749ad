//! Live tail: a StartLiveTail session streams the CloudTrail groups' events as they are ingested.
//! A background task holds the session and opens a new one when it ends (after three hours) or
//! fails; the source hands over what arrived at each poll. Events carry no id, so one is made
//! from (group, stream, timestamp, message) and the logs buffer drops repeats. Above 500
//! events a second the service samples, and the batch says so.
//!
//! Where live tail cannot be used — not allowed, or an endpoint override (the SDK prefixes the
//! live-tail host, which a loopback emulator cannot answer) — the source polls FilterLogEvents
//! instead, for good.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::errors::{Failure, FailureKind};
use super::logs::LogsSource;
use super::plan::Identity;
use crate::model::{LogEvent, SafeText};
use crate::sources::{Batch, Feed, PollFuture, Source};

/// One update of a session: the events, and whether the service sampled them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TailUpdate {
    pub events: Vec<TailEvent>,
    pub sampled: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TailEvent {
    pub group: String,
    pub stream: String,
    pub timestamp_ms: i64,
    pub message: String,
}

pub type NextUpdate<'a> =
    Pin<Box<dyn Future<Output = Option<Result<TailUpdate, Failure>>> + Send + 'a>>;

/// An open session; `None` when it has ended.
pub trait TailSession: Send {
    fn next(&mut self) -> NextUpdate<'_>;
}

pub type Connecting<'a> =
    Pin<Box<dyn Future<Output = Result<Box<dyn TailSession>, Failure>> + Send + 'a>>;

/// Opens sessions: StartLiveTail, or a fake in tests.
pub trait TailConnector: Send + Sync {
    fn connect(&self, groups: Vec<String>, pattern: Option<String>) -> Connecting<'_>;
}

/// What the session task tells the source.
#[derive(Debug)]
enum Report {
    Update(TailUpdate),
    /// The session ended or failed; another is being opened.
    Lost(Failure),
    /// Live tail is not possible here: the source falls back to polling.
    Unusable(Failure),
}

/// Waits before opening a new session after a failure: 1 s, doubling to a minute.
fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.min(6)).min(Duration::from_secs(60))
}

async fn hold_sessions(
    connector: Arc<dyn TailConnector>,
    groups: Vec<String>,
    pattern: Option<String>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let mut failures = 0;
    let mut opened_once = false;
    loop {
        let mut session = match connector.connect(groups.clone(), pattern.clone()).await {
            Ok(session) => {
                opened_once = true;
                session
            }
            Err(failure) => {
                // Not allowed, or refused outright before any session opened (a request the
                // service does not take): polling reads the groups instead. Network trouble
                // and throttling are waited out.
                let refused = !opened_once
                    && matches!(failure.kind, FailureKind::Other | FailureKind::Credentials);
                if refused
                    || matches!(
                        failure.kind,
                        FailureKind::AccessDenied | FailureKind::NotEnabled
                    )
                {
                    let _ = reports.send(Report::Unusable(failure));
                    return;
                }
                if reports.send(Report::Lost(failure)).is_err() {
                    return;
                }
                tokio::time::sleep(backoff(failures)).await;
                failures += 1;
                continue;
            }
        };
        let ended = loop {
            match session.next().await {
                Some(Ok(update)) => {
                    failures = 0;
                    if reports.send(Report::Update(update)).is_err() {
                        return;
                    }
                }
                Some(Err(failure)) => break failure,
                None => break Failure::new(FailureKind::Other, "the live tail session ended"),
            }
        };
        if reports.send(Report::Lost(ended)).is_err() {
            return;
        }
        tokio::time::sleep(backoff(failures)).await;
        failures += 1;
    }
}

pub struct LiveTailSource {
    name: String,
    connector: Arc<dyn TailConnector>,
    /// The FilterLogEvents source: it finds the groups, and takes over when tail cannot run.
    polling: LogsSource,
    pattern: Option<String>,
    reports: Option<mpsc::UnboundedReceiver<Report>>,
    /// The task holding the sessions, stopped when the groups change.
    sessions: Option<tokio::task::JoinHandle<()>>,
    /// Live tail is not possible: every poll goes to `polling`.
    fallen_back: bool,
    identity: Arc<Identity>,
}

impl LiveTailSource {
    pub fn new(
        connector: Arc<dyn TailConnector>,
        polling: LogsSource,
        pattern: Option<String>,
        identity: Arc<Identity>,
    ) -> LiveTailSource {
        LiveTailSource {
            name: format!("live tail {}", polling.track().region),
            connector,
            polling,
            pattern,
            reports: None,
            sessions: None,
            fallen_back: false,
            identity,
        }
    }

    async fn sweep(&mut self, now: Timestamp) -> Batch {
        if self.fallen_back {
            return self.polling.poll(now).await;
        }
        let Some(reports) = &mut self.reports else {
            return self.start(now).await;
        };
        let mut batch = Batch::default();
        let mut lost = None;
        loop {
            match reports.try_recv() {
                Ok(Report::Update(update)) => {
                    batch.sampled |= update.sampled;
                    let track = self.polling.track();
                    batch.events.extend(
                        update
                            .events
                            .into_iter()
                            .map(|e| log_event(&e, &track.account, &track.region)),
                    );
                    lost = None;
                }
                Ok(Report::Lost(failure)) => lost = Some(failure),
                Ok(Report::Unusable(failure)) => {
                    self.fallen_back = true;
                    self.reports = None;
                    let mut fallback = self.polling.poll(now).await;
                    let reason = format!(
                        "live tail unavailable ({}); reading by FilterLogEvents",
                        failure.message
                    );
                    for report in &mut fallback.health {
                        if report.health.message.is_none() {
                            report.health.message = Some(SafeText::line(&reason));
                        }
                    }
                    return fallback;
                }
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.reports = None;
                    break;
                }
            }
        }
        let left_out = self.polling.groups_left_out().map(SafeText::line);
        let track = self.polling.track_mut();
        batch.health = vec![match lost {
            Some(failure) => track.failed(failure),
            None => {
                let mut report = track.succeeded(now);
                report.health.message = left_out;
                report
            }
        }];
        batch
    }

    /// The first poll: who we are, which groups (through the polling source), then the session.
    async fn start(&mut self, now: Timestamp) -> Batch {
        let identity = match self.polling.track_mut().identify(&self.identity).await {
            Ok(label) => label,
            Err(health) => {
                return Batch {
                    health: vec![health],
                    ..Batch::default()
                };
            }
        };
        let names = match self.polling.groups().await {
            Ok(names) => names,
            Err(failure) => {
                return Batch {
                    health: vec![self.polling.track_mut().failed(failure)],
                    identity,
                    ..Batch::default()
                };
            }
        };
        let track = self.polling.track();
        // StartLiveTail names groups by ARN.
        let arns: Vec<String> = names
            .iter()
            .map(|name| {
                format!(
                    "arn:aws:logs:{}:{}:log-group:{name}",
                    track.region, track.account
                )
            })
            .collect();
        let (tx, rx) = mpsc::unbounded_channel();
        self.sessions = Some(tokio::spawn(hold_sessions(
            Arc::clone(&self.connector),
            arns,
            self.pattern.clone(),
            tx,
        )));
        self.reports = Some(rx);
        let left_out = self.polling.groups_left_out().map(SafeText::line);
        let mut health = self.polling.track_mut().succeeded(now);
        health.health.message = left_out;
        Batch {
            health: vec![health],
            identity,
            ..Batch::default()
        }
    }
}

/// A tail event as a log event; its id is made from what identifies it, so repeats drop out.
pub fn log_event(event: &TailEvent, account: &str, region: &str) -> LogEvent {
    let at = Timestamp::from_millisecond(event.timestamp_ms).unwrap_or(Timestamp::UNIX_EPOCH);
    let group = event.group.rsplit(':').next().unwrap_or(&event.group);
    let mut e = LogEvent::new(at, account, region, group, &event.stream, &event.message);
    let mut hash = Sha256::new();
    for part in [
        event.group.as_bytes(),
        event.stream.as_bytes(),
        &event.timestamp_ms.to_le_bytes(),
        event.message.as_bytes(),
    ] {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    e.event_id = Some(SafeText::line(&format!(
        "tail-{}",
        hex::encode(&hash.finalize()[..12])
    )));
    e
}

impl Source for LiveTailSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn feed(&self) -> Feed {
        Feed::Logs
    }

    fn interval(&self) -> Duration {
        if self.fallen_back {
            self.polling.interval()
        } else {
            Duration::from_secs(1)
        }
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep(now))
    }

    /// A new session on the new groups, from the next poll.
    fn set_groups(&mut self, groups: Vec<String>) {
        self.polling.set_groups(groups);
        if let Some(task) = self.sessions.take() {
            task.abort();
        }
        self.reports = None;
    }
}

impl Drop for LiveTailSource {
    fn drop(&mut self) {
        if let Some(task) = self.sessions.take() {
            task.abort();
        }
    }
}

/// StartLiveTail through the SDK.
pub struct AwsTail {
    client: aws_sdk_cloudwatchlogs::Client,
}

impl AwsTail {
    pub fn new(client: aws_sdk_cloudwatchlogs::Client) -> AwsTail {
        AwsTail { client }
    }
}

struct AwsSession {
    output: aws_sdk_cloudwatchlogs::operation::start_live_tail::StartLiveTailOutput,
}

impl TailSession for AwsSession {
    fn next(&mut self) -> NextUpdate<'_> {
        use aws_sdk_cloudwatchlogs::types::StartLiveTailResponseStream as Stream;
        Box::pin(async move {
            loop {
                let message = match self.output.response_stream.recv().await {
                    Ok(Some(message)) => message,
                    Ok(None) => return None,
                    Err(e) => {
                        return Some(Err(Failure::new(
                            FailureKind::Other,
                            format!("live tail: {e}"),
                        )));
                    }
                };
                let Stream::SessionUpdate(update) = message else {
                    continue;
                };
                let events = update
                    .session_results()
                    .iter()
                    .map(|e| TailEvent {
                        group: e.log_group_identifier().unwrap_or_default().to_string(),
                        stream: e.log_stream_name().unwrap_or_default().to_string(),
                        timestamp_ms: e.timestamp().unwrap_or_default(),
                        message: e.message().unwrap_or_default().to_string(),
                    })
                    .collect();
                let sampled = update.session_metadata().is_some_and(|m| m.sampled());
                return Some(Ok(TailUpdate { events, sampled }));
            }
        })
    }
}

impl TailConnector for AwsTail {
    fn connect(&self, groups: Vec<String>, pattern: Option<String>) -> Connecting<'_> {
        Box::pin(async move {
            let output = self
                .client
                .start_live_tail()
                .set_log_group_identifiers(Some(groups))
                .set_log_event_filter_pattern(pattern)
                .send()
                .await
                .map_err(|e| super::errors::classify(&e, "logs:StartLiveTail"))?;
            Ok(Box::new(AwsSession { output }) as Box<dyn TailSession>)
        })
    }
}
