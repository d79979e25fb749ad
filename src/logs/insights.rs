//! CloudWatch Logs Insights from the `:` line: `:query [AGE] <query>` runs the query over the
//! CloudTrail groups for the last AGE (default 1h); the results come as a table while the
//! status and the bytes scanned move; Esc stops it (StopQuery).

use std::future::Future;
use std::pin::Pin;

use jiff::{SignedDuration, Timestamp};

/// The range a query covers when none is given.
pub const DEFAULT_RANGE: SignedDuration = SignedDuration::from_hours(1);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsightsRequest {
    /// Tells this query's updates from an earlier one's.
    pub id: u64,
    pub query: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The groups the analyst chose to tail; empty: the configured or discovered ones.
    pub groups: Vec<String>,
}

impl InsightsRequest {
    /// From the `:query` arguments: an optional age (`24h`), then the query.
    pub fn parse(id: u64, args: &str, now: Timestamp) -> Result<InsightsRequest, String> {
        let args = args.trim();
        let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        // No Logs Insights command starts with a digit: a first word that does is the age.
        let (range, query) = if first.starts_with(|c: char| c.is_ascii_digit()) {
            let age = crate::model::age::parse(first).map_err(|e| format!(":query: {e}"))?;
            (age, rest.trim())
        } else {
            (DEFAULT_RANGE, args)
        };
        if query.is_empty() {
            return Err(
                ":query [AGE] <Logs Insights query>, e.g. :query 24h fields @timestamp, eventName | filter errorCode like /Denied/"
                    .into(),
            );
        }
        Ok(InsightsRequest {
            id,
            query: query.to_string(),
            start: crate::model::age::before(now, range),
            end: now,
            groups: Vec::new(),
        })
    }
}

/// Where a query stands, as the service reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InsightsUpdate {
    pub id: u64,
    /// `Scheduled`, `Running`, `Complete`, `Failed`, `Cancelled`, `Timeout`.
    pub status: String,
    pub bytes_scanned: f64,
    pub records_matched: f64,
    /// Rows of (field, value), as returned (`@ptr` left out).
    pub rows: Vec<Vec<(String, String)>>,
    pub error: Option<String>,
    /// No more updates will come.
    pub done: bool,
    /// What the query does not cover (groups past the ten found by prefix), in words.
    pub left_out: Option<String>,
}

impl InsightsUpdate {
    /// The rows stopped at what Logs Insights returns for one query: more may match.
    pub fn capped(&self) -> bool {
        self.rows.len() >= crate::limits::INSIGHTS_ROWS
    }

    pub fn failed(id: u64, error: impl Into<String>) -> InsightsUpdate {
        InsightsUpdate {
            id,
            status: "Failed".into(),
            error: Some(error.into()),
            done: true,
            ..InsightsUpdate::default()
        }
    }
}

/// What the demo organization and exported files answer a query.
pub const NO_INSIGHTS_IN_DEMO: &str = "Logs Insights runs in AWS; here, / on the logs screen filters the buffer with a filter pattern";

/// Sends each update as it comes.
pub type Progress = Box<dyn Fn(InsightsUpdate) + Send + Sync>;

pub type QueryFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs queries: AWS, or a place that has none (the demo, files).
pub trait InsightsRunner: Send + Sync {
    /// Runs `request`, reporting through `progress` until done; a change on `cancel` stops it.
    fn run<'a>(
        &'a self,
        request: InsightsRequest,
        cancel: tokio::sync::watch::Receiver<bool>,
        progress: Progress,
    ) -> QueryFuture<'a>;
}

/// No Logs Insights here: says so.
pub struct NoInsights(pub &'static str);

impl InsightsRunner for NoInsights {
    fn run<'a>(
        &'a self,
        request: InsightsRequest,
        _cancel: tokio::sync::watch::Receiver<bool>,
        progress: Progress,
    ) -> QueryFuture<'a> {
        Box::pin(async move { progress(InsightsUpdate::failed(request.id, self.0)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-01-15T12:00:00Z".parse().expect("time")
    }

    #[test]
    fn the_age_comes_first_in_the_one_grammar() {
        let request = InsightsRequest::parse(1, "1h30m fields @timestamp", now()).expect("query");
        assert_eq!(request.start.to_string(), "2026-01-15T10:30:00Z");
        assert_eq!(request.query, "fields @timestamp");
        let request =
            InsightsRequest::parse(2, "fields @timestamp | limit 5", now()).expect("query");
        assert_eq!(request.start, now() - DEFAULT_RANGE);
        assert_eq!(request.query, "fields @timestamp | limit 5");
    }

    #[test]
    fn a_bad_or_huge_age_is_refused_with_its_reason() {
        let e = InsightsRequest::parse(1, "5000000d fields x", now()).expect_err("too long");
        assert!(e.contains("'5000000d' is longer than 36525 days"), "{e}");
        let e = InsightsRequest::parse(1, "2x fields x", now()).expect_err("not an age");
        assert!(e.contains("is not an age like"), "{e}");
        assert!(
            InsightsRequest::parse(1, "24h", now()).is_err(),
            "an age alone"
        );
    }
}
