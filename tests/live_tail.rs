//! Live tail on a fake stream: sessions that end (as they do after three hours) or fail are
//! opened again, sampling is passed on, repeated events are dropped, and a tail that is not
//! allowed falls back to FilterLogEvents polling.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::retry::RetryConfig;

use picket::app::{App, Msg, Options, update};
use picket::aws::Track;
use picket::aws::errors::{Failure, FailureKind};
use picket::aws::logs::LogsSource;
use picket::aws::plan::Identity;
use picket::aws::tail::{
    Connecting, LiveTailSource, NextUpdate, TailConnector, TailEvent, TailSession, TailUpdate,
};
use picket::model::health::{HealthState, Service};
use picket::sources::{Batch, Feed, Source};

const ACCOUNT: &str = "111122223333";

fn identity() -> Arc<Identity> {
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(ACCOUNT)
            .arn(format!("arn:aws:iam::{ACCOUNT}:user/analyst"))
            .build()
    });
    Identity::with_client(mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who]))
}

/// A LogsSource that is only asked when live tail cannot run: it answers one event.
fn polling(filter_calls: Option<&aws_smithy_mocks::Rule>) -> LogsSource {
    let client = match filter_calls {
        Some(rule) => mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [rule], |b| b
            .retry_config(RetryConfig::disabled())),
        None => {
            let none = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_output(|| {
                aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput::builder().build()
            });
            mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&none])
        }
    };
    LogsSource::new(
        client,
        Track::new(
            "unknown",
            "us-east-1",
            Service::CloudWatchLogs,
            None,
            Duration::from_secs(5),
        ),
        vec!["org-trail".into()],
        "aws-cloudtrail-logs",
        identity(),
    )
}

fn event(n: i64) -> TailEvent {
    TailEvent {
        group: format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:org-trail"),
        stream: format!("{ACCOUNT}_CloudTrail_us-east-1"),
        timestamp_ms: 1_768_474_800_000 + n,
        message: format!(
            r#"{{"eventSource":"iam.amazonaws.com","eventName":"GetUser","eventID":"{n}"}}"#
        ),
    }
}

/// One scripted session: its updates (each may be a failure), or a failure to open it.
type Session = Result<Vec<Result<TailUpdate, Failure>>, Failure>;

/// Sessions scripted in advance, each ending after its updates.
struct Script {
    sessions: Mutex<VecDeque<Session>>,
    connects: Mutex<Vec<Vec<String>>>,
}

struct FakeSession(VecDeque<Result<TailUpdate, Failure>>);

impl TailSession for FakeSession {
    fn next(&mut self) -> NextUpdate<'_> {
        let next = self.0.pop_front();
        Box::pin(async move { next })
    }
}

impl TailConnector for Script {
    fn connect(&self, groups: Vec<String>, _pattern: Option<String>) -> Connecting<'_> {
        self.connects.lock().expect("lock").push(groups);
        let next = self.sessions.lock().expect("lock").pop_front();
        Box::pin(async move {
            match next {
                Some(Ok(updates)) => {
                    Ok(Box::new(FakeSession(updates.into())) as Box<dyn TailSession>)
                }
                Some(Err(failure)) => Err(failure),
                // No more scripted sessions: one that never ends.
                None => std::future::pending().await,
            }
        })
    }
}

async fn poll(source: &mut dyn Source) -> Batch {
    source.poll(jiff::Timestamp::now()).await
}

/// Lets the session task run its course on the paused clock.
async fn settle() {
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn sessions_are_reopened_sampling_is_marked_and_repeats_dropped() {
    let script = Arc::new(Script {
        sessions: Mutex::new(VecDeque::from([
            // A session that delivers, then ends (the three-hour limit).
            Ok(vec![
                Ok(TailUpdate {
                    events: vec![event(1), event(2)],
                    sampled: false,
                }),
                Ok(TailUpdate {
                    events: vec![event(3)],
                    sampled: false,
                }),
            ]),
            // A failure opening the next one: retried after a pause.
            Err(Failure::new(FailureKind::Unreachable, "connection reset")),
            // The third: busy, sampled, and repeating an event the first one delivered.
            Ok(vec![Ok(TailUpdate {
                events: vec![event(3), event(4)],
                sampled: true,
            })]),
        ])),
        connects: Mutex::new(Vec::new()),
    });
    let mut source = LiveTailSource::new(script.clone(), polling(None), None, identity());
    let first = poll(&mut source).await;
    assert_eq!(
        first.health[0].health.state,
        HealthState::Ok,
        "{:?}",
        first.health
    );
    settle().await;
    let batch = poll(&mut source).await;
    assert!(batch.sampled, "the sampled update is marked");
    assert_eq!(
        batch.events.len(),
        5,
        "everything delivered, repeat included"
    );
    let connects = script.connects.lock().expect("lock").clone();
    assert_eq!(
        connects.len(),
        4,
        "opened again after the end and after the failure"
    );
    assert_eq!(
        connects[0],
        [format!(
            "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:org-trail"
        )],
        "groups by ARN"
    );
    let mut app = App::new(Options::default(), jiff::Timestamp::now());
    update(&mut app, Msg::Batch(Feed::Logs, batch));
    assert_eq!(app.logs.buffer.len(), 4, "the repeated event is dropped");
    assert!(app.logs.sampled.is_some(), "the logs screen marks sampling");
}

#[tokio::test(start_paused = true)]
async fn a_tail_that_is_not_allowed_falls_back_to_polling() {
    falls_back(Failure::new(
        FailureKind::AccessDenied,
        "not authorized to perform: logs:StartLiveTail",
    ))
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_tail_refused_from_the_start_falls_back_to_polling() {
    falls_back(Failure::new(
        FailureKind::Other,
        "InvalidParameterException: log group identifier",
    ))
    .await;
}

async fn falls_back(refusal: Failure) {
    let script = Arc::new(Script {
        sessions: Mutex::new(VecDeque::from([Err(refusal)])),
        connects: Mutex::new(Vec::new()),
    });
    let filter = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events).then_output(|| {
        aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput::builder()
            .events(
                aws_sdk_cloudwatchlogs::types::FilteredLogEvent::builder()
                    .event_id("e1")
                    .timestamp(1_768_474_800_000)
                    .log_stream_name("s")
                    .message(r#"{"eventSource":"iam.amazonaws.com","eventName":"GetUser"}"#)
                    .build(),
            )
            .build()
    });
    let mut source = LiveTailSource::new(script, polling(Some(&filter)), None, identity());
    poll(&mut source).await;
    settle().await;
    let batch = poll(&mut source).await;
    assert_eq!(
        batch.events.len(),
        1,
        "FilterLogEvents took over: {:?}",
        batch.health
    );
    assert!(filter.num_calls() >= 1);
    let message = batch.health[0]
        .health
        .message
        .as_deref()
        .unwrap_or_default();
    assert!(message.contains("live tail unavailable"), "{message}");
    assert_eq!(
        source.interval(),
        Duration::from_secs(5),
        "polling's own interval from now on"
    );
}
