//! CloudWatch Logs in one region: FilterLogEvents over the chosen groups, polled with an overlap
//! window (an empty or partial page is not the end; only a missing nextToken is), duplicates
//! dropped by eventId downstream.

use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use jiff::{SignedDuration, Timestamp};

use std::sync::Arc;

use super::Track;
use super::errors::{Failure, FailureKind};
use super::setup::Identity;
use crate::model::{LogEvent, SafeText};
use crate::sources::{Batch, Feed, PollFuture, Source};

/// How far back the first poll reads.
const BACKFILL: SignedDuration = SignedDuration::from_mins(15);
/// Re-read this much of the previous window: late events land there.
const OVERLAP: SignedDuration = SignedDuration::from_secs(60);
/// Groups one source tails at most.
pub const MAX_GROUPS: usize = 10;
/// Events per poll at most, so a busy group cannot stall the screen.
const MAX_EVENTS: usize = 10_000;

pub struct LogsSource {
    client: Client,
    track: Track,
    name: String,
    groups: Vec<String>,
    /// When no group is configured: find groups starting with this (CloudTrail's default name).
    discover_prefix: String,
    cursor: Option<Timestamp>,
    identity: Arc<Identity>,
    /// How far back the first read goes.
    backfill: SignedDuration,
    /// A filter pattern AWS applies (FilterLogEvents `filterPattern`).
    filter_pattern: Option<String>,
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
            cursor: None,
            identity,
            backfill: BACKFILL,
            filter_pattern: None,
        }
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

    /// The groups read: the configured ones, else those found by prefix (found once).
    pub async fn groups(&mut self) -> Result<Vec<String>, Failure> {
        if self.groups.is_empty() {
            let found = self.discover().await?;
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

    /// DescribeLogGroups by prefix, up to [`MAX_GROUPS`].
    async fn discover(&self) -> Result<Vec<String>, Failure> {
        let request = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(&self.discover_prefix)
            .limit(MAX_GROUPS as i32)
            .send();
        let out = self.track.call("logs:DescribeLogGroups", request).await?;
        Ok(out
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name().map(str::to_string))
            .take(MAX_GROUPS)
            .collect())
    }

    async fn read_group(
        &self,
        group: &str,
        start: Timestamp,
        end: Timestamp,
        into: &mut Vec<LogEvent>,
    ) -> Result<(), Failure> {
        let mut token: Option<String> = None;
        loop {
            let out = self
                .track
                .call(
                    "logs:FilterLogEvents",
                    self.client
                        .filter_log_events()
                        .log_group_name(group)
                        .start_time(start.as_millisecond())
                        .end_time(end.as_millisecond())
                        .set_filter_pattern(self.filter_pattern.clone())
                        .set_next_token(token)
                        .send(),
                )
                .await?;
            for e in out.events() {
                let at = e
                    .timestamp()
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    .unwrap_or(end);
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
            if token.is_none() || into.len() >= MAX_EVENTS {
                return Ok(());
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
            match self.discover().await {
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
        let start = self
            .cursor
            .map_or(crate::model::age::before(now, self.backfill), |c| {
                crate::model::age::before(c, OVERLAP)
            });
        let mut events = Vec::new();
        for group in self.groups.clone() {
            if let Err(failure) = self.read_group(&group, start, now, &mut events).await {
                return Batch {
                    events,
                    health: vec![self.track.failed(failure)],
                    ..Batch::default()
                };
            }
        }
        events.sort_by_key(|e| e.timestamp);
        self.cursor = Some(now);
        Batch {
            events,
            health: vec![self.track.succeeded(now)],
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
        self.cursor = None;
    }
}

/// A pivot's search of the CloudTrail history: FilterLogEvents over the CloudTrail groups of the
/// finding's account and region (the configured ones, else those found by prefix), with the
/// pivot's filter pattern and window, through that account's credentials and the budget.
pub struct AwsLogSearch {
    plan: Arc<super::setup::Plan>,
}

impl AwsLogSearch {
    pub fn new(plan: Arc<super::setup::Plan>) -> AwsLogSearch {
        AwsLogSearch { plan }
    }

    async fn run(&self, request: &crate::pivot::PivotRequest) -> Result<Vec<LogEvent>, String> {
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
            cursor: None,
            identity: super::setup::Identity::new(&config),
            backfill: BACKFILL,
            filter_pattern: Some(request.pattern.clone()),
        };
        let groups = if source.groups.is_empty() {
            source.discover().await.map_err(|f| f.message)?
        } else {
            source.groups.clone()
        };
        if groups.is_empty() {
            return Err(format!(
                "no CloudTrail log group in {} {}: set [logs] cloudtrail_groups",
                request.account, request.region
            ));
        }
        let mut events = Vec::new();
        for group in &groups {
            source
                .read_group(group, request.start, request.end, &mut events)
                .await
                .map_err(|f| f.message)?;
        }
        Ok(events)
    }
}

impl crate::pivot::LogSearch for AwsLogSearch {
    fn search<'a>(
        &'a self,
        request: &'a crate::pivot::PivotRequest,
    ) -> crate::pivot::SearchFuture<'a> {
        Box::pin(self.run(request))
    }
}

/// The picker's listing: DescribeLogGroups by prefix in the first region watched, with the
/// caller's credentials, up to 50 groups.
pub struct AwsGroups {
    client: Client,
    region: String,
    budget: Arc<super::budget::Budget>,
}

impl AwsGroups {
    pub fn for_plan(plan: &super::setup::Plan) -> AwsGroups {
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
            if token.is_none() || found.len() >= 50 {
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
