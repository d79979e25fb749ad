//! CloudWatch Logs in one region: FilterLogEvents over the chosen groups, polled with an overlap
//! window (an empty or partial page is not the end; only a missing nextToken is), duplicates
//! dropped by eventId downstream.
//!
//! Each group keeps its own watermark: the time up to which every event has been received. It
//! moves only when a window was read to its last page. A window cut short by the per-poll limit
//! is read on from its nextToken at the next poll (tokens last 24 hours); a window cut short by
//! a failure is read again, and what was delivered from it comes again and is dropped by id.
//!
//! A headless sweep ([`Reading::sweep`]) reads each group's window once, a poll at a time,
//! until every group is read through. Groups found by prefix are ten at most
//! ([`crate::limits::LOG_GROUPS`]); when more start with the prefix, the health message says
//! so, and a sweep counts them as left out.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use jiff::{SignedDuration, Timestamp};

use std::sync::Arc;

use super::Track;
use super::errors::{Failure, FailureKind};
use super::plan::Identity;
use crate::limits::Reading;
use crate::model::{LogEvent, SafeText};
use crate::sources::{Batch, Feed, PollFuture, Source};

/// How far back the first poll reads.
const BACKFILL: SignedDuration = SignedDuration::from_mins(15);
/// Re-read this much of the previous window: late events land there.
const OVERLAP: SignedDuration = SignedDuration::from_secs(60);
/// Groups one source tails at most.
pub const MAX_GROUPS: usize = crate::limits::LOG_GROUPS;

/// How far one group has been read.
#[derive(Clone, Debug, Default)]
struct GroupRead {
    /// Every event up to this time has been received.
    through: Option<Timestamp>,
    /// A window the per-poll limit cut short, to read on from its token.
    rest: Option<Window>,
}

/// One FilterLogEvents query: its time range, and where to go on from.
#[derive(Clone, Debug)]
struct Window {
    start: Timestamp,
    end: Timestamp,
    token: Option<String>,
}

pub struct LogsSource {
    client: Client,
    track: Track,
    name: String,
    groups: Vec<String>,
    /// When no group is configured: find groups starting with this (CloudTrail's default name).
    discover_prefix: String,
    /// How far each group has been read.
    read: HashMap<String, GroupRead>,
    identity: Arc<Identity>,
    /// How far back the first read goes.
    backfill: SignedDuration,
    /// A filter pattern AWS applies (FilterLogEvents `filterPattern`).
    filter_pattern: Option<String>,
    reading: Reading,
    /// Discovery found more groups than are read: the sentence that says so.
    groups_left_out: Option<String>,
    /// Events read since a backlog began, while there is one.
    backlog_read: u64,
}

impl LogsSource {
    pub fn new(
        client: Client,
        track: Track,
        groups: Vec<String>,
        discover_prefix: &str,
        identity: Arc<Identity>,
    ) -> LogsSource {
        let name = format!("logs {}", track.region);
        LogsSource {
            client,
            track,
            name,
            groups,
            discover_prefix: discover_prefix.to_string(),
            read: HashMap::new(),
            identity,
            backfill: BACKFILL,
            filter_pattern: None,
            reading: Reading::LIVE,
            groups_left_out: None,
            backlog_read: 0,
        }
    }

    /// Reads as `reading` says: live or a headless sweep, and how much per poll.
    pub fn reading(mut self, reading: Reading) -> Self {
        self.reading = reading;
        self
    }

    /// Reads `backfill` back on the first poll, and only events `filter_pattern` matches.
    pub fn with_window(mut self, backfill: SignedDuration, filter_pattern: Option<String>) -> Self {
        self.backfill = backfill;
        self.filter_pattern = filter_pattern.filter(|p| !p.trim().is_empty());
        self
    }

    pub fn track(&self) -> &Track {
        &self.track
    }

    pub fn track_mut(&mut self) -> &mut Track {
        &mut self.track
    }

    /// Discovery found more groups than are read: the sentence for the health message.
    pub fn groups_left_out(&self) -> Option<&str> {
        self.groups_left_out.as_deref()
    }

    /// The groups read: the configured ones, else those found by prefix (found once).
    pub async fn groups(&mut self) -> Result<Vec<String>, Failure> {
        if self.groups.is_empty() {
            let found = self.discover_noting().await?;
            if found.is_empty() {
                return Err(Failure::new(
                    FailureKind::NotEnabled,
                    format!(
                        "no log group starts with '{}' in {}; set [logs] cloudtrail_groups in the config",
                        self.discover_prefix, self.track.region
                    ),
                ));
            }
            self.groups = found;
        }
        Ok(self.groups.clone())
    }

    /// DescribeLogGroups by prefix, up to [`MAX_GROUPS`], and whether more start with it.
    async fn discover(&self) -> Result<(Vec<String>, bool), Failure> {
        let request = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(&self.discover_prefix)
            .limit(MAX_GROUPS as i32)
            .send();
        let out = self.track.call("logs:DescribeLogGroups", request).await?;
        let mut groups: Vec<String> = out
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .collect();
        let more = groups.len() > MAX_GROUPS || out.next_token().is_some_and(|t| !t.is_empty());
        groups.truncate(MAX_GROUPS);
        Ok((groups, more))
    }

    /// [`Self::discover`], keeping the sentence that says groups were left out.
    async fn discover_noting(&mut self) -> Result<Vec<String>, Failure> {
        let (groups, more) = self.discover().await?;
        self.groups_left_out = more.then(|| {
            format!(
                "more than {MAX_GROUPS} log groups start with '{}' in {}: reading the first {MAX_GROUPS} ({}); choose with o or set [logs] cloudtrail_groups",
                self.discover_prefix,
                self.track.region,
                groups.join(", ")
            )
        });
        Ok(groups)
    }

    /// Reads `window` of `group` into `into` until its last page, or until `into` holds
    /// `limit` events: then answers the token to go on from.
    async fn read_group(
        &self,
        group: &str,
        window: &Window,
        into: &mut Vec<LogEvent>,
        limit: usize,
    ) -> Result<Option<String>, Failure> {
        let mut token = window.token.clone();
        loop {
            let out = self
                .track
                .call(
                    "logs:FilterLogEvents",
                    self.client
                        .filter_log_events()
                        .log_group_name(group)
                        .start_time(window.start.as_millisecond())
                        .end_time(window.end.as_millisecond())
                        .set_filter_pattern(self.filter_pattern.clone())
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            for e in out.events() {
                let at = e
                    .timestamp()
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    .unwrap_or(window.end);
                let mut event = LogEvent::new(
                    at,
                    &self.track.account,
                    &self.track.region,
                    group,
                    e.log_stream_name().unwrap_or(""),
                    e.message().unwrap_or(""),
                );
                event.event_id = e.event_id().map(SafeText::line);
                into.push(event);
            }
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() || into.len() >= limit {
                return Ok(token);
            }
        }
    }

    async fn sweep(&mut self, now: Timestamp) -> Batch {
        let identity = match self.track.identify(&self.identity).await {
            Ok(label) => label,
            Err(health) => {
                return Batch {
                    health: vec![health],
                    ..Batch::default()
                };
            }
        };
        let mut batch = self.collect(now).await;
        batch.identity = identity;
        batch
    }

    async fn collect(&mut self, now: Timestamp) -> Batch {
        if self.groups.is_empty() {
            match self.discover_noting().await {
                Ok(groups) if !groups.is_empty() => self.groups = groups,
                Ok(_) => {
                    let message = format!(
                        "no log group starts with '{}' in {}; set [logs] cloudtrail_groups in the config",
                        self.discover_prefix, self.track.region
                    );
                    return Batch {
                        health: vec![
                            self.track
                                .failed(Failure::new(FailureKind::NotEnabled, message)),
                        ],
                        ..Batch::default()
                    };
                }
                Err(failure) => {
                    return Batch {
                        health: vec![self.track.failed(failure)],
                        ..Batch::default()
                    };
                }
            }
        }
        let limit = self.reading.per_poll.log_events;
        let mut events = Vec::new();
        let mut more = false;
        for group in self.groups.clone() {
            let read = self.read.get(&group).cloned().unwrap_or_default();
            // A sweep reads each group's window once.
            if self.reading.sweep && read.through.is_some() && read.rest.is_none() {
                continue;
            }
            if events.len() >= limit {
                // This poll is full; the group's window waits for the next one.
                more = true;
                continue;
            }
            let window = read.rest.clone().unwrap_or_else(|| Window {
                start: read
                    .through
                    .map_or(crate::model::age::before(now, self.backfill), |t| {
                        crate::model::age::before(t, OVERLAP)
                    }),
                end: now,
                token: None,
            });
            let outcome = self.read_group(&group, &window, &mut events, limit).await;
            let entry = self.read.entry(group).or_default();
            match outcome {
                Ok(None) => {
                    entry.through = Some(window.end);
                    entry.rest = None;
                }
                Ok(Some(token)) => {
                    entry.rest = Some(Window {
                        token: Some(token),
                        ..window
                    });
                    more = true;
                }
                Err(failure) => {
                    // A refused token (expired after a day) is not asked again: the window is
                    // read anew from the watermark.
                    if failure.kind == FailureKind::Other && window.token.is_some() {
                        entry.rest = None;
                    }
                    events.sort_by_key(|e| e.timestamp);
                    return Batch {
                        events,
                        health: vec![self.track.failed(failure)],
                        ..Batch::default()
                    };
                }
            }
        }
        events.sort_by_key(|e| e.timestamp);
        let mut health = self.track.succeeded(now);
        health.health.message = self.groups_left_out.as_deref().map(SafeText::line);
        self.backlog_read = if more {
            self.backlog_read + events.len() as u64
        } else {
            0
        };
        health.health.backlog = more.then_some(self.backlog_read);
        // A sweep says once what it leaves out.
        let left_out = if self.reading.sweep {
            self.groups_left_out
                .take()
                .map(|m| format!("logs {} {}: {m}", self.track.region, self.track.account))
                .into_iter()
                .collect()
        } else {
            Vec::new()
        };
        Batch {
            events,
            health: vec![health],
            more,
            left_out,
            ..Batch::default()
        }
    }
}

impl Source for LogsSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn feed(&self) -> Feed {
        Feed::Logs
    }

    fn interval(&self) -> Duration {
        self.track.next_delay()
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep(now))
    }

    /// New groups are read from the usual backfill on.
    fn set_groups(&mut self, groups: Vec<String>) {
        self.groups = groups;
        self.groups_left_out = None;
        self.read.clear();
    }
}

/// A pivot's search of the CloudTrail history: FilterLogEvents over the CloudTrail groups of the
/// finding's account and region (the configured ones, else those found by prefix), with the
/// pivot's filter pattern and window, through that account's credentials and the budget.
pub struct AwsLogSearch {
    plan: Arc<super::plan::Plan>,
}

impl AwsLogSearch {
    pub fn new(plan: Arc<super::plan::Plan>) -> AwsLogSearch {
        AwsLogSearch { plan }
    }

    /// Reads the window of every group, [`crate::limits::PIVOT_EVENTS`] at most, saying what
    /// it left out.
    async fn run(
        &self,
        request: &crate::logs::pivot::PivotRequest,
    ) -> Result<crate::logs::pivot::Found, String> {
        // The region comes from the finding's record: it must be a region before it names an
        // endpoint.
        crate::model::region::check(&request.region)?;
        let config = self
            .plan
            .credentials_for(&request.account)
            .ok_or_else(|| format!("picket has no credentials for account {}", request.account))?;
        let client = Client::from_conf(
            aws_sdk_cloudwatchlogs::config::Builder::from(&config)
                .region(aws_config::Region::new(request.region.clone()))
                .build(),
        );
        let track = Track::one_off(
            &request.account,
            &request.region,
            crate::model::health::Service::CloudWatchLogs,
            &self.plan.budget,
        );
        let source = LogsSource {
            client,
            track,
            name: String::new(),
            groups: self.plan.settings.log_groups.clone(),
            discover_prefix: self.plan.settings.discover_prefix.clone(),
            read: HashMap::new(),
            identity: super::plan::Identity::new(&config),
            backfill: BACKFILL,
            filter_pattern: Some(request.pattern.clone()),
            reading: Reading::LIVE,
            groups_left_out: None,
            backlog_read: 0,
        };
        let (groups, more_groups) = if source.groups.is_empty() {
            source.discover().await.map_err(|f| f.message)?
        } else {
            (source.groups.clone(), false)
        };
        if groups.is_empty() {
            return Err(format!(
                "no CloudTrail log group in {} {}: set [logs] cloudtrail_groups",
                request.account, request.region
            ));
        }
        let window = Window {
            start: request.start,
            end: request.end,
            token: None,
        };
        let limit = crate::limits::PIVOT_EVENTS;
        let mut events = Vec::new();
        let mut stopped = false;
        for group in &groups {
            if events.len() >= limit {
                stopped = true;
                break;
            }
            let rest = source
                .read_group(group, &window, &mut events, limit)
                .await
                .map_err(|f| f.message)?;
            stopped |= rest.is_some();
        }
        let mut left_out = Vec::new();
        if stopped {
            left_out.push(format!(
                "the search stopped at {} events (the limit); more in the window are not shown",
                crate::ui::text::thousands(events.len())
            ));
        }
        if more_groups {
            left_out.push(format!(
                "only the first {MAX_GROUPS} groups starting with '{}' were searched",
                source.discover_prefix
            ));
        }
        Ok(crate::logs::pivot::Found {
            events,
            left_out: (!left_out.is_empty()).then(|| left_out.join("; ")),
        })
    }
}

impl crate::logs::pivot::LogSearch for AwsLogSearch {
    fn search<'a>(
        &'a self,
        request: &'a crate::logs::pivot::PivotRequest,
    ) -> crate::logs::pivot::SearchFuture<'a> {
        Box::pin(self.run(request))
    }
}

/// The picker's listing: DescribeLogGroups by prefix in the first region watched, with the
/// caller's credentials, until more than the picker lists
/// ([`crate::limits::GROUPS_LISTED`]).
pub struct AwsGroups {
    client: Client,
    region: String,
    budget: Arc<super::budget::Budget>,
}

impl AwsGroups {
    pub fn for_plan(plan: &super::plan::Plan) -> AwsGroups {
        let region = plan.regions.first().cloned().unwrap_or_default();
        AwsGroups {
            client: Client::from_conf(
                aws_sdk_cloudwatchlogs::config::Builder::from(&plan.base)
                    .region(aws_config::Region::new(region.clone()))
                    .build(),
            ),
            region,
            budget: Arc::clone(&plan.budget),
        }
    }

    async fn run(&self, prefix: &str) -> Result<Vec<String>, String> {
        let track = Track::one_off(
            "caller",
            &self.region,
            crate::model::health::Service::CloudWatchLogs,
            &self.budget,
        );
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .client
                .describe_log_groups()
                .set_log_group_name_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
                .set_next_token(token)
                .send();
            let out = track
                .call("logs:DescribeLogGroups", request)
                .await
                .map_err(|f| f.message)?;
            found.extend(
                out.log_groups()
                    .iter()
                    .filter_map(|g| g.log_group_name().map(str::to_string)),
            );
            token = out.next_token().map(str::to_string);
            // One more than the picker lists tells it that more start with the prefix.
            if token.is_none() || found.len() > crate::limits::GROUPS_LISTED {
                return Ok(found);
            }
        }
    }
}

impl crate::sources::groups::GroupLister for AwsGroups {
    fn list<'a>(&'a self, prefix: &'a str) -> crate::sources::groups::Listing<'a> {
        Box::pin(self.run(prefix))
    }
}
