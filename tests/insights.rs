//! Logs Insights against aws-smithy-mocks: StartQuery in epoch seconds over the groups, results
//! followed until the query completes, and Esc (a cancel) sending StopQuery.

use std::sync::{Arc, Mutex};

use aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput;
use aws_sdk_cloudwatchlogs::operation::start_query::StartQueryOutput;
use aws_sdk_cloudwatchlogs::operation::stop_query::StopQueryOutput;
use aws_sdk_cloudwatchlogs::types::{QueryStatistics, QueryStatus, ResultField};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::retry::RetryConfig;

use picket::aws::budget::Budget;
use picket::aws::insights::AwsInsights;
use picket::logs::insights::{InsightsRequest, InsightsRunner, InsightsUpdate};

fn request(now: jiff::Timestamp) -> InsightsRequest {
    InsightsRequest::parse(7, "24h fields @timestamp, eventName | limit 2", now).expect("request")
}

fn results(status: QueryStatus, rows: usize) -> GetQueryResultsOutput {
    let row = |n: usize| {
        vec![
            ResultField::builder()
                .field("@timestamp")
                .value(format!("2026-01-15 09:0{n}:00"))
                .build(),
            ResultField::builder()
                .field("eventName")
                .value("PutUserPolicy")
                .build(),
            ResultField::builder().field("@ptr").value("xyz").build(),
        ]
    };
    GetQueryResultsOutput::builder()
        .status(status)
        .statistics(
            QueryStatistics::builder()
                .bytes_scanned(2048.0)
                .records_matched(rows as f64)
                .build(),
        )
        .set_results(Some((0..rows).map(row).collect()))
        .build()
}

fn collect() -> (
    Arc<Mutex<Vec<InsightsUpdate>>>,
    picket::logs::insights::Progress,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, Box::new(move |u| sink.lock().expect("lock").push(u)))
}

#[tokio::test(start_paused = true)]
async fn a_query_runs_over_the_groups_in_epoch_seconds_until_complete() {
    let now: jiff::Timestamp = "2026-01-15T10:00:00Z".parse().expect("time");
    let start = mock!(aws_sdk_cloudwatchlogs::Client::start_query).then_compute_output(move |r| {
        assert_eq!(r.log_group_names(), ["org-trail"]);
        assert_eq!(
            r.query_string(),
            Some("fields @timestamp, eventName | limit 2")
        );
        assert_eq!(
            r.end_time(),
            Some(now.as_second()),
            "epoch seconds, not milliseconds"
        );
        assert_eq!(r.start_time(), Some(now.as_second() - 24 * 3600));
        StartQueryOutput::builder().query_id("q-1").build()
    });
    let follow = mock!(aws_sdk_cloudwatchlogs::Client::get_query_results)
        .sequence()
        .output(|| results(QueryStatus::Running, 1))
        .output(|| results(QueryStatus::Complete, 2))
        .build();
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&start, &follow],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let insights = AwsInsights::new(
        client,
        "111122223333",
        "us-east-1",
        vec!["org-trail".into()],
        "x",
        Budget::new(8),
    );
    let (seen, progress) = collect();
    let (_stop, cancel) = tokio::sync::watch::channel(false);
    insights.run(request(now), cancel, progress).await;
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].status, "Running");
    assert!(!seen[0].done);
    let last = &seen[1];
    assert!(last.done && last.error.is_none());
    assert_eq!(last.status, "Complete");
    assert_eq!(last.bytes_scanned, 2048.0);
    assert_eq!(last.rows.len(), 2);
    assert_eq!(
        last.rows[0],
        [
            ("@timestamp".to_string(), "2026-01-15 09:00:00".to_string()),
            ("eventName".into(), "PutUserPolicy".into())
        ],
        "@ptr is left out"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancel_stops_the_query() {
    let now: jiff::Timestamp = "2026-01-15T10:00:00Z".parse().expect("time");
    let start = mock!(aws_sdk_cloudwatchlogs::Client::start_query)
        .then_output(|| StartQueryOutput::builder().query_id("q-2").build());
    let running = mock!(aws_sdk_cloudwatchlogs::Client::get_query_results)
        .then_output(|| results(QueryStatus::Running, 0));
    let stop = mock!(aws_sdk_cloudwatchlogs::Client::stop_query).then_compute_output(|r| {
        assert_eq!(r.query_id(), Some("q-2"));
        StopQueryOutput::builder().success(true).build()
    });
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [&start, &running, &stop],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let insights = AwsInsights::new(
        client,
        "111122223333",
        "us-east-1",
        vec!["org-trail".into()],
        "x",
        Budget::new(8),
    );
    let (seen, progress) = collect();
    let (stop_tx, cancel) = tokio::sync::watch::channel(false);
    let run = insights.run(request(now), cancel, progress);
    let stopper = async {
        tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
        stop_tx.send(true).expect("send");
    };
    tokio::join!(run, stopper);
    assert_eq!(stop.num_calls(), 1, "StopQuery sent");
    let seen = seen.lock().expect("lock");
    let last = seen.last().expect("updates");
    assert_eq!(last.status, "Cancelled");
    assert!(last.done);
}

#[tokio::test]
async fn a_refused_query_says_why() {
    let now: jiff::Timestamp = "2026-01-15T10:00:00Z".parse().expect("time");
    let start = mock!(aws_sdk_cloudwatchlogs::Client::start_query).then_error(|| {
        aws_sdk_cloudwatchlogs::operation::start_query::StartQueryError::MalformedQueryException(
            aws_sdk_cloudwatchlogs::types::error::MalformedQueryException::builder()
                .message("unexpected symbol found | at line 1")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start], |b| b
        .retry_config(RetryConfig::disabled()));
    let insights = AwsInsights::new(
        client,
        "111122223333",
        "us-east-1",
        vec!["org-trail".into()],
        "x",
        Budget::new(8),
    );
    let (seen, progress) = collect();
    let (_stop, cancel) = tokio::sync::watch::channel(false);
    insights.run(request(now), cancel, progress).await;
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 1);
    assert!(seen[0].done);
    assert!(
        seen[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("unexpected symbol")),
        "{:?}",
        seen[0].error
    );
}

#[test]
fn the_range_comes_first_and_a_query_is_required() {
    let now: jiff::Timestamp = "2026-01-15T10:00:00Z".parse().expect("time");
    let one_hour = InsightsRequest::parse(1, "fields @message", now).expect("default range");
    assert_eq!(one_hour.start, now - jiff::SignedDuration::from_hours(1));
    assert_eq!(one_hour.query, "fields @message");
    assert!(InsightsRequest::parse(1, "  ", now).is_err());
    assert!(
        InsightsRequest::parse(1, "7d", now).is_err(),
        "an age alone is no query"
    );
}

/// Discovery finds ten groups at most: when more start with the prefix, every update of the
/// query says the others are not queried.
#[tokio::test(start_paused = true)]
async fn a_query_over_discovered_groups_says_when_more_were_left_out() {
    let now: jiff::Timestamp = "2026-01-15T10:00:00Z".parse().expect("time");
    let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_output(|| {
        let mut out =
            aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput::builder()
                .next_token("more");
        for i in 0..10 {
            out = out.log_groups(
                aws_sdk_cloudwatchlogs::types::LogGroup::builder()
                    .log_group_name(format!("aws-cloudtrail-logs-{i:02}"))
                    .build(),
            );
        }
        out.build()
    });
    let start = mock!(aws_sdk_cloudwatchlogs::Client::start_query).then_compute_output(|r| {
        assert_eq!(r.log_group_names().len(), 10);
        StartQueryOutput::builder().query_id("q-3").build()
    });
    let follow = mock!(aws_sdk_cloudwatchlogs::Client::get_query_results)
        .then_output(|| results(QueryStatus::Complete, 1));
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [&describe, &start, &follow],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let insights = AwsInsights::new(
        client,
        "111122223333",
        "us-east-1",
        Vec::new(),
        "aws-cloudtrail-logs",
        Budget::new(8),
    );
    let (seen, progress) = collect();
    let (_stop, cancel) = tokio::sync::watch::channel(false);
    insights.run(request(now), cancel, progress).await;
    let seen = seen.lock().expect("lock");
    let last = seen.last().expect("an update");
    assert!(last.done && last.error.is_none(), "{last:?}");
    assert_eq!(
        last.left_out.as_deref(),
        Some(
            "only the first 10 groups starting with 'aws-cloudtrail-logs' are queried; choose with o"
        )
    );
}
