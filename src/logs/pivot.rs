//! From a finding to its activity: the CloudTrail records of the finding's account and region,
//! from 15 minutes before it was first seen to 15 minutes after it was last seen, that name
//! what the finding names — its access key, principal, instance, remote IP. The same filter
//! pattern selects them from the live buffer at once, from AWS (FilterLogEvents over the
//! CloudTrail groups) and from the demo organization.

use std::future::Future;
use std::pin::Pin;

use jiff::{SignedDuration, Timestamp};

use crate::logs::pattern::Pattern;
use crate::model::{Finding, LogEvent, age};

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
            // Short values (a user name like "bob") would match unrelated records, and so would
            // an account id (a root principal's id is its account's): every record of the
            // account names it.
            let account_id = value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit());
            if value.len() >= 7
                && !account_id
                && !value.contains('"')
                && !terms.iter().any(|t| t == value)
            {
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
        // Record times can be anything from year -9999 to 9999, in either order: the window
        // saturates at the calendar's edges instead of overflowing.
        let (first, last) = (
            finding.first_seen.min(finding.last_seen),
            finding.first_seen.max(finding.last_seen),
        );
        let end = age::after(last, MARGIN);
        let start = age::before(first, MARGIN).max(age::before(end, LONGEST));
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn finding(first_seen: serde_json::Value, last_seen: serde_json::Value) -> Finding {
        let record = json!({
            "id": "edge", "accountId": "111111111111", "type": "UnauthorizedAccess:IAMUser/X",
            "region": "us-east-1", "createdAt": first_seen, "updatedAt": last_seen,
            "resource": {"resourceType": "AccessKey", "accessKeyDetails": {"accessKeyId": "AKIAEDGEEDGE"}},
            "service": {"eventFirstSeen": first_seen, "eventLastSeen": last_seen}
        });
        crate::model::guardduty::map_finding(&record).expect("maps")
    }

    #[test]
    fn an_account_id_is_not_looked_for_every_record_of_the_account_names_it() {
        let record = json!({
            "id": "root", "accountId": "111111111111", "type": "Policy:IAMUser/RootCredentialUsage",
            "region": "us-east-1", "createdAt": "2026-01-15T10:00:00Z", "updatedAt": "2026-01-15T10:00:00Z",
            "resource": {"resourceType": "AccessKey", "accessKeyDetails": {
                "accessKeyId": "ASIAROOTROOTROOT", "principalId": "111111111111", "userType": "Root"}},
            "service": {"action": {"actionType": "AWS_API_CALL", "awsApiCallAction": {
                "remoteIpDetails": {"ipAddressV4": "192.0.2.181"}}}}
        });
        let finding = crate::model::guardduty::map_finding(&record).expect("maps");
        let request = PivotRequest::for_finding(&finding).expect("a request");
        assert!(
            !request.terms.iter().any(|t| t == "111111111111"),
            "{:?}",
            request.terms
        );
        assert!(request.terms.iter().any(|t| t == "ASIAROOTROOTROOT"));
    }

    #[test]
    fn the_window_saturates_at_the_ends_of_time() {
        let last = finding(json!("9999-12-30T21:50:00Z"), json!("9999-12-30T21:59:00Z"));
        let request = PivotRequest::for_finding(&last).expect("a request");
        assert_eq!(
            request.end,
            Timestamp::MAX,
            "+15 min past the last representable time"
        );
        assert_eq!(request.start.to_string(), "9999-12-30T21:35:00Z");

        let first = finding(
            json!("-009999-01-02T02:00:00Z"),
            json!("-009999-01-02T02:05:00Z"),
        );
        let request = PivotRequest::for_finding(&first).expect("a request");
        assert_eq!(
            request.start,
            Timestamp::MIN,
            "-15 min before the first representable time"
        );
        assert_eq!(request.end.to_string(), "-009999-01-02T02:20:00Z");

        // Epoch milliseconds at the edge, through the same mapper.
        let millis = finding(
            json!(253_402_207_140_000_i64),
            json!(253_402_207_140_000_i64),
        );
        assert_eq!(
            PivotRequest::for_finding(&millis).expect("a request").end,
            Timestamp::MAX
        );
    }

    #[test]
    fn a_first_sighting_after_the_last_still_gives_an_ordered_window() {
        let reversed = finding(json!("2026-01-15T12:00:00Z"), json!("2026-01-15T10:00:00Z"));
        let request = PivotRequest::for_finding(&reversed).expect("a request");
        assert_eq!(request.start.to_string(), "2026-01-15T09:45:00Z");
        assert_eq!(request.end.to_string(), "2026-01-15T12:15:00Z");
    }
}
