//! Every SDK call picket makes, against aws-smithy-mocks: the exact requests, pagination,
//! throttling then success, AccessDenied, a service not enabled, an expired token.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use jiff::Timestamp;
use serde_json::json;

use picket::app::{App, Effect, Msg, Options, update};
use picket::aws::Track;
use picket::aws::guardduty::GuardDutySource;
use picket::aws::logs::LogsSource;
use picket::aws::plan::Identity;
use picket::aws::securityhub::{Api, SecurityHubSource};
use picket::model::Workflow;
use picket::model::health::{HealthState, Service};
use picket::sources::{Batch, Feed, Reader, Source};

const ACCOUNT: &str = "111122223333";

fn now() -> Timestamp {
    "2026-01-15T12:00:00Z".parse().expect("time")
}

fn response(status: u16, body: serde_json::Value) -> HttpResponse {
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body.to_string()),
    );
    if let Some(code) = body.get("__type").and_then(|c| c.as_str()) {
        response
            .headers_mut()
            .insert("x-amzn-errortype", code.to_string());
    }
    response
        .headers_mut()
        .insert("content-type", "application/json");
    response
}

fn identity() -> Arc<Identity> {
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(ACCOUNT)
            .arn(format!("arn:aws:iam::{ACCOUNT}:user/analyst"))
            .build()
    });
    Identity::with_client(mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who]))
}

fn track(service: Service) -> Track {
    Track::new(
        "unknown",
        "us-east-1",
        service,
        Some("sec".into()),
        Duration::from_secs(60),
    )
}

async fn poll(source: &mut dyn Source) -> Batch {
    source.poll(now()).await
}

fn gd_record(id: &str) -> serde_json::Value {
    json!({"id": id, "accountId": ACCOUNT, "arn": format!("arn:aws:guardduty:us-east-1:{ACCOUNT}:detector/d1/finding/{id}"),
        "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 2, "region": "us-east-1", "title": "probe",
        "createdAt": "2026-01-15T10:00:00.000Z", "updatedAt": "2026-01-15T11:00:00.000Z",
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-1"}},
        "service": {"count": 3, "archived": false, "eventFirstSeen": "2026-01-15T10:00:00.000Z", "eventLastSeen": "2026-01-15T11:00:00.000Z"}})
}

fn no_retries(builder: aws_sdk_guardduty::config::Builder) -> aws_sdk_guardduty::config::Builder {
    builder.retry_config(RetryConfig::disabled())
}

fn detectors(ids: &[&str]) -> aws_sdk_guardduty::operation::list_detectors::ListDetectorsOutput {
    aws_sdk_guardduty::operation::list_detectors::ListDetectorsOutput::builder()
        .set_detector_ids(Some(ids.iter().map(|s| s.to_string()).collect()))
        .build()
}

fn listed(
    ids: Vec<String>,
    token: Option<&str>,
) -> aws_sdk_guardduty::operation::list_findings::ListFindingsOutput {
    aws_sdk_guardduty::operation::list_findings::ListFindingsOutput::builder()
        .set_finding_ids(Some(ids))
        .set_next_token(token.map(str::to_string))
        .build()
}

#[tokio::test]
async fn guardduty_pages_of_50_and_batches_of_50() {
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&["d1"]));
    let ids: Vec<String> = (0..60).map(|i| format!("{i:032x}")).collect();
    let (first, second) = (ids[..50].to_vec(), ids[50..].to_vec());
    let page1 = mock!(aws_sdk_guardduty::Client::list_findings)
        .match_requests(|r| r.next_token().is_none())
        .then_compute_output(move |r| {
            // The exact request: the active queue, newest first, pages of 50, no window yet.
            let criteria = r
                .finding_criteria()
                .and_then(|c| c.criterion())
                .expect("criteria");
            assert_eq!(criteria["service.archived"].equals(), ["false"]);
            assert!(
                !criteria.contains_key("updatedAt"),
                "the first sweep reads everything"
            );
            assert_eq!(r.max_results(), Some(50));
            let sort = r.sort_criteria().expect("sorted");
            assert_eq!(
                (sort.attribute_name(), sort.order_by().map(|o| o.as_str())),
                (Some("updatedAt"), Some("DESC"))
            );
            listed(first.clone(), Some("page-2"))
        });
    let page2 = mock!(aws_sdk_guardduty::Client::list_findings)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(move || listed(second.clone(), None));
    let get = mock!(aws_sdk_guardduty::Client::get_findings).then_compute_response(|r| {
        assert!(
            r.finding_ids().len() <= 50,
            "GetFindings takes at most 50 ids"
        );
        let records: Vec<_> = r.finding_ids().iter().map(|id| gd_record(id)).collect();
        MockResponse::Http(response(200, json!({"findings": records})))
    });
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors, &page1, &page2, &get],
        no_retries
    );
    let mut source = GuardDutySource::new(client, track(Service::GuardDuty), false, identity());
    let batch = poll(&mut source).await;
    assert_eq!(batch.findings.len(), 60);
    assert!(batch.initial);
    assert_eq!(batch.health[0].health.state, HealthState::Ok);
    assert_eq!(batch.health[0].key.account_id.as_str(), ACCOUNT);
    let expected_identity = format!("{ACCOUNT} · arn:aws:iam::{ACCOUNT}:user/analyst");
    assert_eq!(batch.identity.as_deref(), Some(expected_identity.as_str()));
    let f = &batch.findings[0];
    assert_eq!(
        (f.count, f.type_label()),
        (3, "Recon:EC2/PortProbeUnprotectedPort")
    );
    assert_eq!(get.num_calls(), 2, "60 findings in two GetFindings calls");
}

#[tokio::test]
async fn guardduty_later_polls_ask_only_for_updates() {
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&["d1"]));
    let list = mock!(aws_sdk_guardduty::Client::list_findings).then_compute_output(|r| {
        let criteria = r
            .finding_criteria()
            .and_then(|c| c.criterion())
            .expect("criteria");
        match criteria.get("updatedAt") {
            // updatedAt of the finding seen (11:00) less the one-minute overlap.
            Some(window) => {
                assert_eq!(
                    window.greater_than_or_equal(),
                    Some(1_768_474_800_000 - 60_000)
                );
                listed(vec![], None)
            }
            None => listed(vec!["a".into()], None),
        }
    });
    let get = mock!(aws_sdk_guardduty::Client::get_findings).then_compute_response(|r| {
        let records: Vec<_> = r.finding_ids().iter().map(|id| gd_record(id)).collect();
        MockResponse::Http(response(200, json!({"findings": records})))
    });
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors, &list, &get],
        no_retries
    );
    let mut source = GuardDutySource::new(client, track(Service::GuardDuty), false, identity());
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    let second = poll(&mut source).await;
    assert!(second.findings.is_empty());
    assert!(!second.initial);
    assert_eq!(
        list_detectors.num_calls(),
        1,
        "the detector id is remembered"
    );
    assert_eq!(list.num_calls(), 2);
}

#[tokio::test]
async fn throttling_backs_off_then_recovers() {
    let list_detectors = mock!(aws_sdk_guardduty::Client::list_detectors)
        .sequence()
        .http_response(|| {
            response(
                429,
                json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
            )
        })
        .output(|| detectors(&["d1"]))
        .build();
    let list = mock!(aws_sdk_guardduty::Client::list_findings).then_output(|| listed(vec![], None));
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors, &list],
        no_retries
    );
    let mut source = GuardDutySource::new(client, track(Service::GuardDuty), false, identity());
    let throttled = poll(&mut source).await;
    assert_eq!(throttled.health[0].health.state, HealthState::Throttled);
    let wait = source.interval();
    assert!(
        wait >= Duration::from_secs(30) && wait <= Duration::from_secs(90),
        "backs off with jitter: {wait:?}"
    );
    let recovered = poll(&mut source).await;
    assert_eq!(recovered.health[0].health.state, HealthState::Ok);
    assert_eq!(
        source.interval(),
        Duration::from_secs(60),
        "back to the normal interval"
    );
}

#[tokio::test]
async fn access_denied_names_the_missing_permission() {
    let list_detectors = mock!(aws_sdk_guardduty::Client::list_detectors).then_http_response(|| {
        response(403, json!({"__type": "AccessDeniedException", "message": "User is not authorized to perform: guardduty:ListDetectors"}))
    });
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors],
        no_retries
    );
    let mut source = GuardDutySource::new(client, track(Service::GuardDuty), false, identity());
    let batch = poll(&mut source).await;
    let health = &batch.health[0].health;
    assert_eq!(health.state, HealthState::AccessDenied);
    let message = health.message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with("missing permission guardduty:ListDetectors"),
        "{message}"
    );
}

#[tokio::test]
async fn services_not_enabled_say_so_in_words() {
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&[]));
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors],
        no_retries
    );
    let mut gd = GuardDutySource::new(client, track(Service::GuardDuty), false, identity());
    let batch = poll(&mut gd).await;
    assert_eq!(batch.health[0].health.state, HealthState::NotEnabled);
    assert_eq!(
        batch.health[0].health.message.as_deref(),
        Some(
            "GuardDuty is not enabled in us-east-1: `aws guardduty create-detector --enable --region us-east-1`, or from the organization's GuardDuty administrator"
        )
    );

    let hub = mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(|| {
        response(401, json!({"__type": "InvalidAccessException", "Message": "Account 111122223333 is not subscribed to AWS Security Hub"}))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&hub], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut sh = hub_source(
        client,
        Api::Cspm,
        vec![Workflow::New],
        Duration::from_secs(600),
    );
    let batch = poll(&mut sh).await;
    assert_eq!(batch.health[0].health.state, HealthState::NotEnabled);
    assert_eq!(
        batch.health[0].health.message.as_deref(),
        Some(
            "Security Hub is not enabled in us-east-1: `aws securityhub enable-security-hub --region us-east-1`, or from the organization's Security Hub administrator"
        )
    );
}

#[tokio::test]
async fn an_expired_token_says_how_to_log_in_again() {
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(|| {
        let body = "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>";
        HttpResponse::new(StatusCode::try_from(400).expect("status"), SdkBody::from(body))
    });
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who], |b| b
        .retry_config(RetryConfig::disabled()));
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&["d1"]));
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors],
        no_retries
    );
    let mut source = GuardDutySource::new(
        client,
        track(Service::GuardDuty),
        false,
        Identity::with_client(sts),
    );
    let batch = poll(&mut source).await;
    let health = &batch.health[0].health;
    assert_eq!(health.state, HealthState::Error);
    let message = health.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("ExpiredToken") && message.contains("aws sso login --profile sec"),
        "{message}"
    );
    assert_eq!(
        list_detectors.num_calls(),
        0,
        "nothing is asked of GuardDuty without an identity"
    );
}

/// A Security Hub source on `client`, reading `workflow` states, re-reading every `rescan`.
fn hub_source(
    client: aws_sdk_securityhub::Client,
    api: Api,
    workflow: Vec<Workflow>,
    rescan: Duration,
) -> SecurityHubSource {
    SecurityHubSource::new(
        client,
        track(Service::SecurityHub),
        api,
        workflow,
        rescan,
        identity(),
    )
}

fn asff(id: usize) -> serde_json::Value {
    json!({"SchemaVersion": "2018-10-08", "Id": format!("f-{id}"), "AwsAccountId": ACCOUNT,
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub", "Title": "t",
        "CreatedAt": "2026-01-15T10:00:00Z", "UpdatedAt": "2026-01-15T11:00:00Z", "Severity": {"Label": "HIGH", "Normalized": 70}})
}

#[tokio::test]
async fn security_hub_filters_and_pages_of_100() {
    let page = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_response(|r| {
        let filters = r.filters().expect("filters");
        assert_eq!(filters.record_state()[0].value(), Some("ACTIVE"));
        let states: Vec<_> = filters
            .workflow_status()
            .iter()
            .filter_map(|f| f.value())
            .collect();
        assert_eq!(states, ["NEW", "NOTIFIED"]);
        assert_eq!(r.max_results(), Some(100));
        let body = match r.next_token() {
            None => json!({"Findings": (0..100).map(asff).collect::<Vec<_>>(), "NextToken": "t2"}),
            Some(_) => json!({"Findings": (100..130).map(asff).collect::<Vec<_>>()}),
        };
        MockResponse::Http(response(200, body))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&page], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::Cspm,
        vec![Workflow::New, Workflow::Notified],
        Duration::from_secs(600),
    );
    let batch = poll(&mut source).await;
    assert_eq!(batch.findings.len(), 130);
    assert_eq!(page.num_calls(), 2);
    assert_eq!(
        batch.findings[0].severity.label,
        picket::model::SeverityLabel::High
    );
}

/// The ids a GetFindings request asks for by `Id`, if it asks by id.
fn asked_ids(r: &aws_sdk_securityhub::operation::get_findings::GetFindingsInput) -> Vec<String> {
    r.filters()
        .map(|f| {
            f.id()
                .iter()
                .filter_map(|f| f.value())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn at(minutes: i64) -> Timestamp {
    now() + jiff::SignedDuration::from_mins(minutes)
}

/// The app as the runtime drives it: a batch in, the rechecks it asks for handed to the source.
fn take_in(app: &mut App, source: &mut dyn Source, batch: Batch) -> Vec<String> {
    let mut asked = Vec::new();
    for effect in update(app, Msg::Batch(Feed::Findings, batch)).effects {
        if let Effect::Recheck { source: name, ids } = effect {
            assert_eq!(name, source.name(), "asked of the source that read them");
            asked.extend(ids.iter().cloned());
            source.recheck(ids);
        }
    }
    asked
}

fn entry_state(app: &App, id: &str) -> (Workflow, bool) {
    let ix = app
        .store
        .find(
            "asff\u{1f}arn:aws:securityhub:us-east-1::product/aws/securityhub",
            id,
        )
        .expect("stored");
    let summary = app.store.summary(ix).expect("summary");
    (summary.workflow, summary.archived)
}

#[tokio::test]
async fn what_a_complete_read_left_out_is_read_again_by_id_and_what_is_gone_shows_archived() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let hub = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_response(move |r| {
        let ids = asked_ids(r);
        let body = if !ids.is_empty() {
            let filters = r.filters().expect("filters");
            assert!(filters.record_state().is_empty() && filters.workflow_status().is_empty());
            // f-2 was resolved elsewhere; f-4 is no longer in Security Hub at all.
            let mut resolved = asff(2);
            resolved["Workflow"] = json!({"Status": "RESOLVED"});
            let found: Vec<_> = ids
                .iter()
                .filter(|id| *id == "f-2")
                .map(|_| resolved.clone())
                .collect();
            json!({ "Findings": found })
        } else if counted.fetch_add(1, Ordering::SeqCst) == 0 {
            json!({"Findings": [asff(1), asff(2), asff(3), asff(4)]})
        } else {
            json!({"Findings": [asff(1), asff(3)]})
        };
        MockResponse::Http(response(200, body))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&hub], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::Cspm,
        vec![Workflow::New, Workflow::Notified],
        Duration::from_secs(60),
    );
    let mut app = App::new(Options::default(), now());
    let first = source.poll(at(0)).await;
    assert!(first.full_read.is_some(), "one poll read the whole set");
    assert!(
        take_in(&mut app, &mut source, first).is_empty(),
        "the first complete read finds nothing missing"
    );
    let rescan = source.poll(at(2)).await;
    assert_eq!(rescan.findings.len(), 2);
    assert_eq!(take_in(&mut app, &mut source, rescan), ["f-2", "f-4"]);
    assert_eq!(
        entry_state(&app, "f-2"),
        (Workflow::New, false),
        "unknown until read"
    );
    let next = source.poll(at(4)).await;
    assert_eq!(next.gone, ["f-4"]);
    assert!(
        take_in(&mut app, &mut source, next).is_empty(),
        "nothing is asked twice"
    );
    assert_eq!(entry_state(&app, "f-2"), (Workflow::Resolved, false));
    assert_eq!(
        entry_state(&app, "f-4"),
        (Workflow::New, true),
        "gone: archived"
    );
    assert_eq!(entry_state(&app, "f-1"), (Workflow::New, false));
}

#[tokio::test]
async fn after_a_restart_a_read_over_several_polls_finds_what_left_while_picket_was_stopped() {
    // 150 active findings, f-2 among them no more: two pages, one a poll.
    let hub = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_response(|r| {
        let ids = asked_ids(r);
        let body = if !ids.is_empty() {
            assert_eq!(ids, ["f-2"]);
            let mut suppressed = asff(2);
            suppressed["Workflow"] = json!({"Status": "SUPPRESSED"});
            json!({ "Findings": [suppressed] })
        } else {
            let all: Vec<_> = (0..151).filter(|&i| i != 2).map(asff).collect();
            // The news since the first poll's cursor: nothing was updated since.
            let news = r
                .filters()
                .and_then(|f| f.updated_at().first())
                .and_then(|d| d.start())
                .is_some_and(|start| start > "2026");
            match r.next_token() {
                _ if news => json!({"Findings": []}),
                None => json!({"Findings": all[..100], "NextToken": "p2"}),
                Some(_) => json!({"Findings": all[100..]}),
            }
        };
        MockResponse::Http(response(200, body))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&hub], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::Cspm,
        vec![Workflow::New, Workflow::Notified],
        Duration::from_secs(600),
    )
    .reading(picket::limits::Reading {
        per_poll: picket::limits::PerPoll {
            security_hub: 100,
            ..picket::limits::PerPoll::LIVE
        },
        ..picket::limits::Reading::LIVE
    });
    // What the store held from yesterday's run: read by this source then.
    let mut app = App::new(Options::default(), now());
    let yesterday = Batch {
        findings: (0..151)
            .map(|i| {
                picket::model::finding_from_text(
                    picket::model::raw::RecordKind::Asff,
                    &asff(i).to_string(),
                )
                .expect("maps")
            })
            .collect(),
        reader: Some(Reader {
            name: source.name().to_string(),
            at: at(-24 * 60),
        }),
        ..Batch::default()
    };
    assert!(take_in(&mut app, &mut source, yesterday).is_empty());
    let first = source.poll(at(0)).await;
    assert!(
        first.more && first.full_read.is_none(),
        "half read: nothing concluded"
    );
    assert!(take_in(&mut app, &mut source, first).is_empty());
    let second = source.poll(at(1)).await;
    assert!(second.full_read.is_some(), "the read is complete");
    assert_eq!(take_in(&mut app, &mut source, second), ["f-2"]);
    let third = source.poll(at(2)).await;
    take_in(&mut app, &mut source, third);
    assert_eq!(entry_state(&app, "f-2"), (Workflow::Suppressed, false));
}

#[tokio::test]
async fn auto_falls_back_to_cspm_where_v2_is_missing() {
    let v2 = mock!(aws_sdk_securityhub::Client::get_findings_v2).then_http_response(|| {
        response(
            400,
            json!({"__type": "InvalidInputException", "Message": "Security Hub v2 is not enabled"}),
        )
    });
    let cspm = mock!(aws_sdk_securityhub::Client::get_findings)
        .then_http_response(|| response(200, json!({"Findings": [asff(1)]})));
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&v2, &cspm], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::Auto,
        vec![Workflow::New],
        Duration::from_secs(600),
    );
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    assert_eq!(v2.num_calls(), 1, "v2 is tried once, then CSPM is used");
}

#[tokio::test]
async fn log_polling_follows_tokens_past_empty_pages() {
    use aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput;
    use aws_sdk_cloudwatchlogs::types::FilteredLogEvent;
    let filter = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events).then_compute_output(|r| {
        assert_eq!(r.log_group_name(), Some("trail"));
        assert!(r.start_time().is_some() && r.end_time().is_some(), "times in epoch milliseconds");
        match r.next_token() {
            // An empty page with a token is not the end.
            None => FilterLogEventsOutput::builder().next_token("more").build(),
            Some(_) => FilterLogEventsOutput::builder()
                .events(
                    FilteredLogEvent::builder()
                        .event_id("e1")
                        .timestamp(1_768_474_800_000)
                        .log_stream_name(format!("{ACCOUNT}_CloudTrail_us-east-1"))
                        .message(r#"{"eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy"}"#)
                        .build(),
                )
                .build(),
        }
    });
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&filter], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = LogsSource::new(
        client,
        track(Service::CloudWatchLogs),
        vec!["trail".into()],
        "aws-cloudtrail-logs",
        identity(),
    );
    let batch = poll(&mut source).await;
    assert_eq!(batch.events.len(), 1);
    assert_eq!(batch.events[0].event_id.as_deref(), Some("e1"));
    assert!(batch.events[0].trail.is_some());
    assert_eq!(filter.num_calls(), 2);
}

/// Discovery reads ten groups at most (StartLiveTail's limit): when more start with the
/// prefix, the health says which were read and how to choose, and a sweep counts it as left
/// out.
#[tokio::test]
async fn discovery_says_when_more_groups_start_with_the_prefix_than_are_read() {
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
    let filter = mock!(aws_sdk_cloudwatchlogs::Client::filter_log_events).then_output(|| {
        aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsOutput::builder()
            .build()
    });
    let client = mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::MatchAny,
        [&describe, &filter],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let mut source = LogsSource::new(
        client,
        track(Service::CloudWatchLogs),
        Vec::new(),
        "aws-cloudtrail-logs",
        identity(),
    )
    .reading(picket::limits::Reading::SWEEP);
    let batch = poll(&mut source).await;
    let health = &batch.health[0].health;
    assert_eq!(health.state, HealthState::Ok);
    let message = health.message.as_deref().unwrap_or_default();
    assert!(
        message.starts_with(
            "more than 10 log groups start with 'aws-cloudtrail-logs' in us-east-1: reading the first 10 (aws-cloudtrail-logs-00,"
        ),
        "{message}"
    );
    assert!(message.ends_with("choose with o or set [logs] cloudtrail_groups"));
    assert_eq!(filter.num_calls(), 10, "the ten groups are read");
    assert_eq!(batch.left_out.len(), 1, "{:?}", batch.left_out);
    assert!(batch.left_out[0].starts_with(&format!("logs us-east-1 {ACCOUNT}: more than 10")));
    assert!(!batch.more, "the sweep is through");
}

/// Security Hub findings dated at the ends of time, polled twice: the second poll's window.
async fn second_window_after(updated_at: &'static str) -> String {
    use std::sync::Mutex;
    let windows = Arc::new(Mutex::new(Vec::new()));
    let seen = windows.clone();
    let hub = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_response(move |r| {
        let filters = r.filters().expect("filters");
        let start = filters
            .updated_at()
            .first()
            .and_then(|f| f.start())
            .map(str::to_string);
        seen.lock().expect("lock").push(start);
        let mut finding = asff(1);
        finding["UpdatedAt"] = json!(updated_at);
        MockResponse::Http(response(200, json!({"Findings": [finding]})))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&hub], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::Cspm,
        vec![Workflow::New],
        Duration::from_secs(3600),
    );
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    let windows = windows.lock().expect("lock").clone();
    assert_eq!(windows.len(), 2);
    assert_eq!(windows[0], None, "the first poll reads everything");
    windows[1]
        .clone()
        .expect("the second poll asks for updates")
}

#[tokio::test]
async fn a_record_from_the_first_representable_time_does_not_crash_the_next_poll() {
    // The cursor less the one-minute overlap is before the calendar starts: it stops there.
    assert_eq!(
        second_window_after("-009999-01-02T02:00:00Z").await,
        Timestamp::MIN.to_string()
    );
}

#[tokio::test]
async fn a_record_from_the_future_does_not_move_the_window_past_now() {
    assert_eq!(
        second_window_after("9999-12-30T21:59:59Z").await,
        "2026-01-15T11:59:00Z",
        "now less the overlap, not year 9999"
    );
}

#[tokio::test]
async fn a_guardduty_record_from_the_future_does_not_move_the_window_past_now() {
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&["d1"]));
    let list = mock!(aws_sdk_guardduty::Client::list_findings).then_compute_output(|r| {
        let criteria = r
            .finding_criteria()
            .and_then(|c| c.criterion())
            .expect("criteria");
        match criteria.get("updatedAt") {
            Some(window) => {
                assert_eq!(
                    window.greater_than_or_equal(),
                    Some(now().as_millisecond() - 60_000),
                    "now less the overlap"
                );
                listed(vec![], None)
            }
            None => listed(vec!["a".into()], None),
        }
    });
    let get = mock!(aws_sdk_guardduty::Client::get_findings).then_compute_response(|r| {
        let records: Vec<_> = r
            .finding_ids()
            .iter()
            .map(|id| {
                let mut record = gd_record(id);
                record["updatedAt"] = json!("9999-12-30T21:59:59Z");
                record
            })
            .collect();
        MockResponse::Http(response(200, json!({"findings": records})))
    });
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors, &list, &get],
        no_retries
    );
    let mut source = GuardDutySource::new(client, track(Service::GuardDuty), false, identity());
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    assert!(poll(&mut source).await.findings.is_empty());
    assert_eq!(list.num_calls(), 2);
}

fn scope(text: &str) -> Option<Arc<picket::store::scope::Scope>> {
    Some(Arc::new(
        picket::store::scope::Scope::parse(text).expect("scope"),
    ))
}

#[tokio::test]
async fn the_scope_goes_to_security_hub_with_every_read() {
    let page = mock!(aws_sdk_securityhub::Client::get_findings).then_compute_response(|r| {
        let filters = r.filters().expect("filters");
        let product: Vec<_> = filters
            .product_name()
            .iter()
            .map(|f| (f.comparison().map(|c| c.as_str()), f.value()))
            .collect();
        assert_eq!(product, [(Some("NOT_EQUALS"), Some("Inspector"))]);
        let labels: Vec<_> = filters
            .severity_label()
            .iter()
            .filter_map(|f| f.value())
            .collect();
        assert_eq!(labels, ["MEDIUM", "HIGH", "CRITICAL"]);
        MockResponse::Http(response(200, json!({"Findings": [asff(1)]})))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&page], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::Cspm,
        vec![Workflow::New],
        Duration::from_secs(600),
    )
    .scoped(scope("-product:Inspector sev>=medium"));
    assert_eq!(poll(&mut source).await.findings.len(), 1);
    assert_eq!(page.num_calls(), 1);
}

#[tokio::test]
async fn guardduty_outside_the_scope_is_asked_nothing_and_inside_gets_criteria() {
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&["d1"]));
    let list = mock!(aws_sdk_guardduty::Client::list_findings).then_compute_output(|r| {
        let criteria = r
            .finding_criteria()
            .and_then(|c| c.criterion())
            .expect("criteria");
        assert_eq!(criteria["severity"].greater_than_or_equal(), Some(7));
        assert_eq!(criteria["accountId"].not_equals(), ["999999999999"]);
        listed(vec!["a".repeat(32)], None)
    });
    let get = mock!(aws_sdk_guardduty::Client::get_findings).then_compute_response(|r| {
        let records: Vec<_> = r.finding_ids().iter().map(|id| gd_record(id)).collect();
        MockResponse::Http(response(200, json!({"findings": records})))
    });
    let client = || {
        mock_client!(
            aws_sdk_guardduty,
            RuleMode::MatchAny,
            [&list_detectors, &list, &get],
            no_retries
        )
    };
    // Security Hub's control findings only: GuardDuty holds none.
    let mut outside = GuardDutySource::new(client(), track(Service::GuardDuty), false, identity())
        .scoped(scope("product:\"Security Hub\""));
    let batch = poll(&mut outside).await;
    assert!(batch.findings.is_empty());
    assert_eq!(batch.health[0].health.state, HealthState::Ok);
    assert!(
        batch.health[0]
            .health
            .message
            .as_deref()
            .is_some_and(|m| m.contains("outside the scope")),
        "{:?}",
        batch.health[0].health.message
    );
    assert_eq!(list_detectors.num_calls() + list.num_calls(), 0);
    let mut inside = GuardDutySource::new(client(), track(Service::GuardDuty), false, identity())
        .scoped(scope("sev>=high -account:999999999999"));
    assert_eq!(poll(&mut inside).await.findings.len(), 1);
    assert_eq!(list.num_calls(), 1);
}

#[tokio::test]
async fn security_hub_s_own_counts_come_first_and_the_reading_follows_at_once() {
    let stats = mock!(aws_sdk_securityhub::Client::get_finding_statistics_v2)
        .then_compute_response(|r| {
            // By severity, by type, then by account for each severity, in the states read.
            let fields: Vec<_> = r
                .group_by_rules()
                .iter()
                .filter_map(|g| g.group_by_field().map(|f| f.as_str()))
                .collect();
            assert_eq!(
                fields,
                [
                    "severity",
                    "finding_info.types",
                    "cloud.account.uid",
                    "cloud.account.uid",
                    "cloud.account.uid",
                    "cloud.account.uid",
                    "cloud.account.uid"
                ]
            );
            let group = |field: &str, values: serde_json::Value| {
                json!({"GroupByField": field, "GroupByValues": values})
            };
            let none = json!([]);
            MockResponse::Http(response(
                200,
                json!({"GroupByResults": [
                    group("severity", json!([{"FieldValue": "High", "Count": 600_000},
                                             {"FieldValue": "Fatal", "Count": 5},
                                             {"FieldValue": "Low", "Count": 400_000}])),
                    group("finding_info.types", json!([{"FieldValue": "Software and Configuration Checks", "Count": 900_000}])),
                    group("cloud.account.uid", json!([{"FieldValue": "111111111111", "Count": 5}])),
                    group("cloud.account.uid", json!([{"FieldValue": "111111111111", "Count": 600_000}])),
                    group("cloud.account.uid", none.clone()),
                    group("cloud.account.uid", json!([{"FieldValue": "222222222222", "Count": 400_000}])),
                    group("cloud.account.uid", none),
                ]}),
            ))
        });
    let page = mock!(aws_sdk_securityhub::Client::get_findings_v2)
        .then_compute_response(|_| MockResponse::Http(response(200, json!({"Findings": []}))));
    let client = mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [&stats, &page],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let mut source = hub_source(
        client,
        Api::Auto,
        vec![Workflow::New],
        Duration::from_secs(600),
    )
    .counting(true);
    let first = poll(&mut source).await;
    let counts = first.counts.expect("the counts");
    assert!(first.findings.is_empty() && first.more, "the counts alone");
    assert_eq!(source.interval(), Duration::ZERO, "and the reading at once");
    assert_eq!(page.num_calls(), 0);
    assert_eq!(counts.totals, [5, 600_000, 0, 400_000, 0]);
    assert_eq!(counts.total(), 1_000_005);
    assert_eq!(counts.by_account.len(), 2);
    assert_eq!(counts.by_account[0].1, [5, 600_000, 0, 0, 0]);
    let second = poll(&mut source).await;
    assert!(
        second.counts.is_none(),
        "not again until a quarter hour has passed"
    );
    assert_eq!(
        page.num_calls(),
        1,
        "the v2 service was found by the counts"
    );
    assert_ne!(source.interval(), Duration::ZERO);
}

#[tokio::test]
async fn guardduty_s_own_counts_by_severity_type_and_account_per_band() {
    let list_detectors =
        mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| detectors(&["d1"]));
    let stats = mock!(aws_sdk_guardduty::Client::get_findings_statistics).then_compute_response(
        |r| {
            let criteria = r
                .finding_criteria()
                .and_then(|c| c.criterion())
                .expect("criteria");
            assert_eq!(criteria["service.archived"].equals(), ["false"]);
            let body = match r.group_by().map(|g| g.as_str()) {
                Some("SEVERITY") => json!({"findingStatistics": {"groupedBySeverity": [
                    {"severity": 8.0, "totalFindings": 3}, {"severity": 2.0, "totalFindings": 7}]}}),
                Some("FINDING_TYPE") => json!({"findingStatistics": {"groupedByFindingType": [
                    {"findingType": "Recon:EC2/PortProbeUnprotectedPort", "totalFindings": 7}]}}),
                Some("ACCOUNT") => {
                    let floor = criteria["severity"].greater_than_or_equal();
                    let n = match floor {
                        Some(7) => 3,
                        Some(0) => 7,
                        _ => 0,
                    };
                    json!({"findingStatistics": {"groupedByAccount": [
                        {"accountId": ACCOUNT, "totalFindings": n}]}})
                }
                other => panic!("grouped by {other:?}"),
            };
            MockResponse::Http(response(200, body))
        },
    );
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&list_detectors, &stats],
        no_retries
    );
    let mut source =
        GuardDutySource::new(client, track(Service::GuardDuty), false, identity()).counting(true);
    let counts = poll(&mut source).await.counts.expect("counts");
    assert_eq!(stats.num_calls(), 6);
    assert_eq!(counts.totals, [0, 3, 0, 7, 0]);
    assert_eq!(
        counts.by_account,
        [(picket::model::SafeText::line(ACCOUNT), [0, 3, 0, 7, 0])]
    );
    assert_eq!(counts.by_type[0].1, 7);
}

fn ocsf(n: usize, status: &str) -> serde_json::Value {
    json!({"severity_id": 4, "status": status, "time": 1768474800000_i64,
        "cloud": {"account": {"uid": ACCOUNT}, "region": "us-east-1"},
        "metadata": {"uid": format!("m-{n}"), "product": {"name": "Inspector", "uid": "arn:aws:securityhub:us-east-1::product/aws/inspector"}},
        "finding_info": {"uid": format!("u-{n}"), "title": "t", "modified_time": 1768474800000_i64}})
}

#[tokio::test]
async fn an_ocsf_finding_that_left_is_asked_for_by_its_finding_uid_and_found() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = reads.clone();
    let hub = mock!(aws_sdk_securityhub::Client::get_findings_v2).then_compute_response(move |r| {
        // A by-id read: one OR composite of finding_info.uid filters.
        let uids: Vec<String> = r
            .filters()
            .map(|f| f.composite_filters())
            .unwrap_or_default()
            .iter()
            .flat_map(|c| c.string_filters())
            .filter(|f| f.field_name().map(|n| n.as_str()) == Some("finding_info.uid"))
            .filter_map(|f| f.filter().and_then(|f| f.value()).map(str::to_string))
            .collect();
        let body = if !uids.is_empty() {
            assert_eq!(uids, ["u-2"], "asked by finding_info.uid, not metadata.uid");
            json!({"Findings": [ocsf(2, "Resolved")]})
        } else if counted.fetch_add(1, Ordering::SeqCst) == 0 {
            json!({"Findings": [ocsf(1, "New"), ocsf(2, "New")]})
        } else {
            json!({"Findings": [ocsf(1, "New")]})
        };
        MockResponse::Http(response(200, body))
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&hub], |b| b
        .retry_config(RetryConfig::disabled()));
    let mut source = hub_source(
        client,
        Api::V2,
        vec![Workflow::New],
        Duration::from_secs(60),
    );
    let mut app = App::new(Options::default(), now());
    let first = source.poll(at(0)).await;
    assert!(take_in(&mut app, &mut source, first).is_empty());
    let rescan = source.poll(at(2)).await;
    assert_eq!(take_in(&mut app, &mut source, rescan), ["u-2"]);
    let next = source.poll(at(4)).await;
    assert!(next.gone.is_empty(), "found by its uid: not gone");
    take_in(&mut app, &mut source, next);
    let ix = app
        .store
        .find(
            "ocsf\u{1f}arn:aws:securityhub:us-east-1::product/aws/inspector",
            "m-2",
        )
        .expect("stored");
    let summary = app.store.summary(ix).expect("summary");
    assert_eq!(
        (summary.workflow, summary.archived),
        (Workflow::Resolved, false)
    );
}
