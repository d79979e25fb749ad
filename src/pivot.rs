//! From a finding to its activity: the CloudTrail records of the finding's account and region,
//! from 15 minutes before it was first seen to 15 minutes after it was last seen, that name
//! what the finding names — its access key, principal, instance, remote IP. The same filter
//! pattern selects them from the live buffer at once, from AWS (FilterLogEvents over the
//! CloudTrail groups) and from the demo organization.

use std::future::Future;
use std::pin::Pin;

use jiff::{SignedDuration, Timestamp};

use crate::model::{Finding, LogEvent};
use crate::pattern::Pattern;

/// Margin around the finding's first and last sighting.
pub const MARGIN: SignedDuration = SignedDuration::from_mins(15);
/// The longest window searched: a finding seen for months is searched over its last week.
pub const LONGEST: SignedDuration = SignedDuration::from_hours(24 * 7);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PivotRequest {
    /// The finding's id and title, for the screen's heading.
    pub finding: String,
    pub title: String,
    pub account: String,
    pub region: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// What the finding names, as found in CloudTrail records.
    pub terms: Vec<String>,
    /// `?"AKIA…" ?"203.0.113.7"`: any of the terms (CloudWatch Logs filter-pattern syntax).
    pub pattern: String,
}

impl PivotRequest {
    /// The request for `finding`, or why there is nothing to look for.
    pub fn for_finding(finding: &Finding) -> Result<PivotRequest, String> {
        let mut terms: Vec<String> = Vec::new();
        let mut add = |value: &str| {
            let value = value.trim();
            // Short values (a user name like "bob") would match unrelated records.
            if value.len() >= 7 && !value.contains('"') && !terms.iter().any(|t| t == value) {
                terms.push(value.to_string());
            }
        };
        if let Some(activity) = &finding.activity {
            for value in [
                &activity.access_key_id,
                &activity.principal,
                &activity.remote_ip,
            ]
            .into_iter()
            .flatten()
            {
                add(value);
            }
        }
        for resource in &finding.resources {
            let kind = resource.kind.as_str();
            let id = resource.id.as_str();
            match kind {
                // The instance id, not its ARN: CloudTrail names instances by id.
                "Instance" | "AwsEc2Instance" => add(id.rsplit('/').next().unwrap_or(id)),
                "AccessKey" | "AwsIamAccessKey" => add(id.rsplit(':').next().unwrap_or(id)),
                "AwsIamUser" | "AwsIamRole" | "Other" if id.starts_with("arn:") => add(id),
                _ => {}
            }
        }
        if terms.is_empty() {
            return Err(
                "the finding names no access key, principal, instance or IP to look for".into(),
            );
        }
        let end = finding.last_seen + MARGIN;
        let start = (finding.first_seen - MARGIN).max(end - LONGEST);
        let pattern = terms
            .iter()
            .map(|t| format!("?\"{t}\""))
            .collect::<Vec<_>>()
            .join(" ");
        Ok(PivotRequest {
            finding: finding.id.to_string(),
            title: finding.title.to_string(),
            account: finding.account_id.to_string(),
            region: finding.region.to_string(),
            start,
            end,
            terms,
            pattern,
        })
    }

    /// Whether an event belongs to the answer: the account, region and window, and the pattern.
    pub fn selects(&self, pattern: &Pattern, event: &LogEvent) -> bool {
        let region = event
            .trail
            .as_ref()
            .and_then(|t| t.aws_region.as_deref())
            .unwrap_or(&event.region);
        let account = event
            .trail
            .as_ref()
            .and_then(|t| t.recipient_account_id.as_deref())
            .unwrap_or(&event.account_id);
        account == self.account
            && region == self.region
            && event.timestamp >= self.start
            && event.timestamp <= self.end
            && pattern.matches(&event.message.as_delivered())
    }
}

/// What a pivot's search found, and what it left out (it reads
/// [`crate::limits::PIVOT_EVENTS`] events at most), in words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found {
    pub events: Vec<LogEvent>,
    pub left_out: Option<String>,
}

impl From<Vec<LogEvent>> for Found {
    /// Everything there was.
    fn from(events: Vec<LogEvent>) -> Found {
        Found {
            events,
            left_out: None,
        }
    }
}

pub type SearchFuture<'a> = Pin<Box<dyn Future<Output = Result<Found, String>> + Send + 'a>>;

/// Where a pivot looks beyond the live buffer: AWS, or the demo organization.
pub trait LogSearch: Send + Sync {
    fn search<'a>(&'a self, request: &'a PivotRequest) -> SearchFuture<'a>;
}

/// No history to search (exported files): the live buffer is all there is.
pub struct NoSearch;

impl LogSearch for NoSearch {
    fn search<'a>(&'a self, _request: &'a PivotRequest) -> SearchFuture<'a> {
        Box::pin(async { Ok(Found::default()) })
    }
}
