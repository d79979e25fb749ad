//! Response actions against aws-smithy-mocks: the exact requests (chunks of 100 for Security
//! Hub, 50 for GuardDuty), partial failures and AccessDenied mid-batch reported per finding,
//! and the executor's walls: read-only refuses, and nothing is sent unless the intent is
//! journaled first.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use serde_json::json;

use picket::actions::executor::{Backend, Executor};
use picket::actions::{Action, Answer, Plan, Target, acknowledge, plan};
use picket::aws::actions::AwsBackend;
use picket::aws::budget::Budget;
use picket::journal::{Entry, Journal, Operator, TargetOutcome};
use picket::model::Workflow;

fn target(n: usize) -> Target {
    Target {
        finding: format!("f-{n}"),
        account: "111122223333".into(),
        region: "us-east-1".into(),
        production: false,
        hub_id: Some(format!("hub-{n}")),
        product_arn: Some("arn:aws:securityhub:us-east-1::product/aws/securityhub".into()),
        detector: Some("d1".into()),
        routes: Vec::new(),
        ..Default::default()
    }
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

/// An acknowledged run of `planned` through `backend`.
/// The journal at `path`, its key beside it in the test's directory (never the user's own key).
fn journal_at(path: impl AsRef<std::path::Path>) -> Journal {
    let path = path.as_ref();
    Journal::with_key(path, path.with_extension("key"))
}

async fn run(planned: &Plan, backend: Box<dyn Backend>, journal: Journal) -> Vec<TargetOutcome> {
    let executor = Executor::new(journal, false, Operator::local(None), backend);
    let answer = if planned.needs_token() {
        Answer {
            token: planned.targets.len().to_string(),
            reason: "test".into(),
            ..Answer::default()
        }
    } else {
        Answer {
            yes: true,
            ..Answer::default()
        }
    };
    let ack = acknowledge(planned, &answer, |id| id.to_string()).expect("acknowledged");
    executor
        .execute(planned, ack, "act-1", jiff::Timestamp::now())
        .await
        .expect("executed")
}

fn unused_guardduty() -> aws_sdk_guardduty::Client {
    let none = mock!(aws_sdk_guardduty::Client::list_detectors).then_output(|| {
        aws_sdk_guardduty::operation::list_detectors::ListDetectorsOutput::builder()
            .set_detector_ids(Some(vec![]))
            .build()
    });
    mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, [&none])
}

fn unused_hub() -> aws_sdk_securityhub::Client {
    let none = mock!(aws_sdk_securityhub::Client::get_findings)
        .then_http_response(|| response(200, json!({"Findings": []})));
    mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&none])
}

#[tokio::test]
async fn security_hub_updates_go_in_hundreds_and_report_each_finding() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let update = mock!(aws_sdk_securityhub::Client::batch_update_findings).then_compute_response(
        move |r| {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let ids: Vec<&str> = r
                .finding_identifiers()
                .iter()
                .filter_map(|f| f.id())
                .collect();
            assert!(ids.len() <= 100);
            assert_eq!(
                r.workflow().and_then(|w| w.status()).map(|s| s.as_str()),
                Some("RESOLVED")
            );
            let note = r
                .note()
                .and_then(|n| n.text())
                .unwrap_or_default()
                .to_string();
            assert!(note.starts_with("patched — "), "{note}");
            match n {
                // The second chunk: one finding was not processed.
                1 => MockResponse::Http(response(
                    200,
                    json!({"ProcessedFindings": [], "UnprocessedFindings": [{
                        "FindingIdentifier": {"Id": ids[0], "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub"},
                        "ErrorCode": "FindingNotFound", "ErrorMessage": "no such finding"}]}),
                )),
                // The third: the role lost its permission mid-batch.
                2 => MockResponse::Http(response(
                    400,
                    json!({"__type": "AccessDeniedException", "Message": "not authorized to perform securityhub:BatchUpdateFindings"}),
                )),
                _ => MockResponse::Http(response(
                    200,
                    json!({"ProcessedFindings": [], "UnprocessedFindings": []}),
                )),
            }
        },
    );
    let hub = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&update], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(hub, unused_guardduty(), Budget::new(8));
    let targets: Vec<Target> = (0..250).map(target).collect();
    let planned = plan(
        Action::SetWorkflow {
            status: Workflow::Resolved,
            note: Some("patched".into()),
            disposition: None,
        },
        targets,
        "alice",
        "ticket 42",
    )
    .expect("plan");
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_at(dir.path().join("journal.jsonl"));
    let results = run(&planned, Box::new(backend), journal_at(journal.path())).await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "250 findings: 100 + 100 + 50"
    );
    assert_eq!(results.len(), 250);
    let failed: Vec<&TargetOutcome> = results.iter().filter(|r| !r.ok).collect();
    assert_eq!(failed.len(), 51);
    assert_eq!(failed[0].finding, "f-100");
    assert!(
        failed[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("FindingNotFound"))
    );
    assert!(
        failed[1..].iter().all(|r| r
            .error
            .as_deref()
            .is_some_and(|e| e.contains("securityhub:BatchUpdateFindings"))),
        "{:?}",
        failed[1]
    );
    let records = journal.read().expect("journal");
    assert_eq!(records.len(), 2);
    assert!(matches!(records[0].entry, Entry::Intent { .. }));
    assert!(matches!(&records[1].entry, Entry::Outcome { results, .. } if results.len() == 250));
}

#[tokio::test]
async fn guardduty_archives_go_in_fifties_with_the_detector() {
    let archive = mock!(aws_sdk_guardduty::Client::archive_findings).then_compute_output(|r| {
        assert_eq!(r.detector_id(), Some("d1"));
        assert!(r.finding_ids().len() <= 50);
        aws_sdk_guardduty::operation::archive_findings::ArchiveFindingsOutput::builder().build()
    });
    let gd = mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, [&archive], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(unused_hub(), gd, Budget::new(8));
    let planned = plan(
        Action::Archive,
        (0..120).map(target).collect(),
        "alice",
        "dup",
    )
    .expect("plan");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j.jsonl")),
    )
    .await;
    assert_eq!(archive.num_calls(), 3, "120 findings: 50 + 50 + 20");
    assert!(results.iter().all(|r| r.ok));
}

/// A backend that counts calls and checks the intent is already journaled.
struct Watching {
    journal: std::path::PathBuf,
    calls: Arc<AtomicUsize>,
}

impl Backend for Watching {
    fn send<'a>(
        &'a self,
        call: &'a picket::actions::Call,
        targets: &'a [Target],
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Vec<TargetOutcome>> + Send + 'a>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let records = journal_at(&self.journal).read().expect("journal");
            assert!(
                matches!(records.last().map(|r| &r.entry), Some(Entry::Intent { .. })),
                "the intent is journaled before the first call"
            );
            call.targets
                .iter()
                .map(|&i| TargetOutcome {
                    finding: targets[i].finding.clone(),
                    ok: true,
                    error: None,
                    request_id: None,
                    detail: None,
                })
                .collect()
        })
    }
}

fn small_plan() -> Plan {
    plan(
        Action::SetWorkflow {
            status: Workflow::Notified,
            note: None,
            disposition: None,
        },
        (0..3).map(target).collect(),
        "alice",
        "",
    )
    .expect("plan")
}

#[tokio::test]
async fn the_intent_is_journaled_before_anything_is_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let calls = Arc::new(AtomicUsize::new(0));
    let backend = Watching {
        journal: path.clone(),
        calls: Arc::clone(&calls),
    };
    let results = run(&small_plan(), Box::new(backend), journal_at(&path)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(results.len(), 3);
    assert_eq!(journal_at(&path).verify().map(|v| v.records), Ok(2));
}

#[tokio::test]
async fn read_only_refuses_in_the_executor_whatever_was_acknowledged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let calls = Arc::new(AtomicUsize::new(0));
    let backend = Watching {
        journal: path.clone(),
        calls: Arc::clone(&calls),
    };
    let executor = Executor::new(
        journal_at(&path),
        true,
        Operator::local(None),
        Box::new(backend),
    );
    let planned = small_plan();
    let yes = Answer {
        yes: true,
        ..Answer::default()
    };
    let ack = acknowledge(&planned, &yes, |id| id.to_string()).expect("acknowledged");
    let refused = executor
        .execute(&planned, ack, "act-ro", jiff::Timestamp::now())
        .await
        .expect_err("refused");
    assert!(refused.contains("read-only"), "{refused}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert!(!path.exists(), "nothing journaled, nothing sent");
}

#[tokio::test]
async fn nothing_is_sent_when_the_journal_cannot_record_the_intent() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A directory where the journal file should be: appending fails.
    let path = dir.path().join("journal.jsonl");
    std::fs::create_dir(&path).expect("dir");
    let calls = Arc::new(AtomicUsize::new(0));
    let backend = Watching {
        journal: path.clone(),
        calls: Arc::clone(&calls),
    };
    let executor = Executor::new(
        journal_at(&path),
        false,
        Operator::local(None),
        Box::new(backend),
    );
    let planned = small_plan();
    let yes = Answer {
        yes: true,
        ..Answer::default()
    };
    let ack = acknowledge(&planned, &yes, |id| id.to_string()).expect("acknowledged");
    let refused = executor
        .execute(&planned, ack, "act-nj", jiff::Timestamp::now())
        .await
        .expect_err("refused");
    assert!(refused.starts_with("nothing was sent"), "{refused}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_suppression_rule_is_sent_as_previewed_and_a_refusal_reaches_every_finding() {
    use aws_sdk_guardduty::types::FilterAction;
    let rule = picket::actions::suppress::Rule {
        name: "picket-Recon-EC2-Portscan-0123abcd".into(),
        criteria: json!({"Criterion": {
            "type": {"Equals": ["Recon:EC2/Portscan"]},
            "accountId": {"NotEquals": ["111111111111"]},
            "severity": {"GreaterThanOrEqual": 4, "LessThan": 7}
        }}),
        origin: "filter type:Recon:EC2/Portscan".into(),
        left_out: Vec::new(),
    };
    let create = mock!(aws_sdk_guardduty::Client::create_filter)
        .match_requests(|r| r.name() == Some("picket-Recon-EC2-Portscan-0123abcd"))
        .then_compute_output(|r| {
            assert_eq!(r.detector_id(), Some("d1"));
            assert_eq!(r.action(), Some(&FilterAction::Archive));
            let criteria = r
                .finding_criteria()
                .and_then(|c| c.criterion())
                .expect("criteria");
            assert_eq!(criteria["type"].equals(), ["Recon:EC2/Portscan"]);
            assert_eq!(criteria["accountId"].not_equals(), ["111111111111"]);
            assert_eq!(criteria["severity"].greater_than_or_equal(), Some(4));
            assert_eq!(criteria["severity"].less_than(), Some(7));
            assert!(
                r.description()
                    .is_some_and(|d| d.contains("by alice via picket (noise)"))
            );
            aws_sdk_guardduty::operation::create_filter::CreateFilterOutput::builder()
                .name("picket-Recon-EC2-Portscan-0123abcd")
                .build()
        });
    let gd = mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, [&create], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(unused_hub(), gd, Budget::new(8));
    let planned = plan(
        Action::Suppress { rule: rule.clone() },
        (0..3).map(target).collect(),
        "alice",
        "noise",
    )
    .expect("plan");
    assert!(planned.needs_token());
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j.jsonl")),
    )
    .await;
    assert_eq!(create.num_calls(), 1, "one rule for the detector");
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r.ok));

    // A second rule of the same name: GuardDuty refuses, and every finding says why.
    let duplicate = mock!(aws_sdk_guardduty::Client::create_filter).then_http_response(|| {
        response(
            400,
            json!({"__type": "BadRequestException",
                "message": "The request is rejected because a filter with the same name already exists."}),
        )
    });
    let gd = mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, [&duplicate], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(unused_hub(), gd, Budget::new(8));
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j2.jsonl")),
    )
    .await;
    assert_eq!(results.len(), 3);
    assert!(
        results
            .iter()
            .all(|r| !r.ok && r.error.as_deref().is_some_and(|e| e.contains("same name"))),
        "{results:?}"
    );
}

#[tokio::test]
async fn the_intent_names_the_local_user_and_the_aws_principal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    run(
        &small_plan(),
        Box::new(picket::sources::demo::DemoBackend::default()),
        journal_at(&path),
    )
    .await;
    let records = journal_at(&path).read().expect("journal");
    let Entry::Intent { operator, .. } = &records[0].entry else {
        panic!("the first record is the intent");
    };
    assert!(!operator.user.is_empty());
    assert_eq!(
        operator.principal.as_deref(),
        Some(picket::sources::demo::DEMO_PRINCIPAL)
    );
}

fn playbook_target(n: usize, instance: &str) -> Target {
    let finding = picket::model::guardduty::map_finding(&json!({
        "id": format!("f-{n}"), "accountId": "111122223333", "region": "us-east-1",
        "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS", "severity": 8.0, "title": "t",
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance}},
        "service": {"detectorId": "d1", "count": 1}
    }))
    .expect("fixture");
    Target::of(&finding, false).for_playbook(&finding)
}

fn playbook(toml: &str) -> picket::actions::playbook::Playbook {
    let playbook: picket::actions::playbook::Playbook = toml::from_str(toml).expect("playbook");
    playbook.check().expect("valid");
    playbook
}

fn unused_ssm() -> aws_sdk_ssm::Client {
    let none = mock!(aws_sdk_ssm::Client::get_automation_execution).then_output(|| {
        aws_sdk_ssm::operation::get_automation_execution::GetAutomationExecutionOutput::builder()
            .build()
    });
    mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&none])
}

fn unused_events() -> aws_sdk_eventbridge::Client {
    let none = mock!(aws_sdk_eventbridge::Client::list_rules).then_output(|| {
        aws_sdk_eventbridge::operation::list_rules::ListRulesOutput::builder().build()
    });
    mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&none])
}

#[tokio::test(start_paused = true)]
async fn a_runbook_is_started_per_finding_and_followed_until_it_ends() {
    use aws_sdk_ssm::operation::get_automation_execution::GetAutomationExecutionOutput;
    use aws_sdk_ssm::operation::start_automation_execution::StartAutomationExecutionOutput;
    use aws_sdk_ssm::types::{AutomationExecution, AutomationExecutionStatus as Status};
    let isolate = playbook(
        r#"name = "Isolate"
when = "resource:Instance"
kind = "ssm-automation"
document = "AWSSupport-ContainEC2Instance"
parameters = { InstanceId = "{resource.name}" }"#,
    );
    let start = || {
        mock!(aws_sdk_ssm::Client::start_automation_execution).then_compute_output(|r| {
            assert_eq!(r.document_name(), Some("AWSSupport-ContainEC2Instance"));
            let instance = &r.parameters().expect("parameters")["InstanceId"][0];
            StartAutomationExecutionOutput::builder()
                .automation_execution_id(format!("exec-{instance}"))
                .build()
        })
    };
    let (start_one, start_two) = (start(), start());
    let status = |s: Status| {
        move || {
            GetAutomationExecutionOutput::builder()
                .automation_execution(
                    AutomationExecution::builder()
                        .automation_execution_status(s.clone())
                        .build(),
                )
                .build()
        }
    };
    let succeeds = mock!(aws_sdk_ssm::Client::get_automation_execution)
        .sequence()
        .output(status(Status::Inprogress))
        .times(2)
        .output(status(Status::Success))
        .build();
    let fails = mock!(aws_sdk_ssm::Client::get_automation_execution)
        .sequence()
        .output(status(Status::Inprogress))
        .output(status(Status::Failed))
        .build();
    let ssm = mock_client!(
        aws_sdk_ssm,
        RuleMode::Sequential,
        [&start_one, &succeeds, &start_two, &fails],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let backend = AwsBackend::with_clients(unused_hub(), unused_guardduty(), Budget::new(8))
        .with_playbook_clients(ssm, unused_events(), std::time::Duration::from_secs(600));
    let planned = plan(
        Action::Playbook { playbook: isolate },
        vec![playbook_target(1, "i-0aaa"), playbook_target(2, "i-0bbb")],
        "alice",
        "miner",
    )
    .expect("plan");
    assert_eq!(planned.calls.len(), 2, "one runbook per finding");
    assert!(
        planned.needs_token(),
        "playbooks always need the typed token"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j.jsonl")),
    )
    .await;
    assert_eq!(start_one.num_calls() + start_two.num_calls(), 2);
    assert_eq!(succeeds.num_calls(), 3, "followed while in progress");
    assert!(results[0].ok, "{results:?}");
    assert_eq!(
        results[0].detail.as_deref(),
        Some("execution exec-i-0aaa: Success")
    );
    assert!(!results[1].ok);
    assert_eq!(
        results[1].error.as_deref(),
        Some("runbook execution exec-i-0bbb: Failed")
    );
}

#[tokio::test]
async fn events_go_ten_to_a_call_and_each_answers_for_its_finding() {
    use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
    use aws_sdk_eventbridge::types::PutEventsResultEntry;
    let disable = playbook(
        r#"name = "Disable key"
when = "sev>=low"
kind = "eventbridge"
action_name = "DisableAccessKey""#,
    );
    let put = mock!(aws_sdk_eventbridge::Client::put_events).then_compute_output(|r| {
        assert!(r.entries().len() <= 10);
        let entries = r
            .entries()
            .iter()
            .enumerate()
            .map(|(n, e)| {
                assert_eq!(e.source(), Some("picket"));
                assert_eq!(
                    e.detail_type(),
                    Some("Security Hub Findings - Custom Action")
                );
                if n == 3 {
                    PutEventsResultEntry::builder()
                        .error_code("InternalFailure")
                        .error_message("try again")
                        .build()
                } else {
                    PutEventsResultEntry::builder()
                        .event_id(format!("ev-{n}"))
                        .build()
                }
            })
            .collect::<Vec<_>>();
        PutEventsOutput::builder()
            .failed_entry_count(1)
            .set_entries(Some(entries))
            .build()
    });
    let events = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(unused_hub(), unused_guardduty(), Budget::new(8))
        .with_playbook_clients(unused_ssm(), events, std::time::Duration::from_secs(1));
    let planned = plan(
        Action::Playbook { playbook: disable },
        (0..12).map(|n| playbook_target(n, "i-1")).collect(),
        "alice",
        "leak",
    )
    .expect("plan");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j.jsonl")),
    )
    .await;
    assert_eq!(put.num_calls(), 2, "12 events: 10 + 2");
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.finding.as_str())
        .collect();
    assert_eq!(failed, ["f-3"], "the fourth entry of the first call failed");
    assert_eq!(results[0].detail.as_deref(), Some("event ev-0"));
}

#[tokio::test]
async fn ocsf_findings_are_updated_with_batch_update_findings_v2() {
    use aws_sdk_securityhub::operation::batch_update_findings_v2::BatchUpdateFindingsV2Output;
    use aws_sdk_securityhub::types::{
        BatchUpdateFindingsV2UnprocessedFinding, BatchUpdateFindingsV2UnprocessedFindingErrorCode,
        OcsfFindingIdentifier,
    };
    let ocsf = |n: usize| Target {
        ocsf: true,
        ..target(n)
    };
    let update = mock!(aws_sdk_securityhub::Client::batch_update_findings_v2).then_compute_output(|r| {
        assert_eq!(r.status_id(), Some(4), "RESOLVED is OCSF status 4");
        assert!(r.comment().is_some_and(|c| c.starts_with("patched — alice via picket")));
        assert_eq!(r.finding_identifiers().len(), 2);
        assert_eq!(r.finding_identifiers()[0].cloud_account_uid(), Some("111122223333"));
        BatchUpdateFindingsV2Output::builder()
            .unprocessed_findings(
                BatchUpdateFindingsV2UnprocessedFinding::builder()
                    .finding_identifier(
                        OcsfFindingIdentifier::builder()
                            .cloud_account_uid("111122223333")
                            .finding_info_uid("hub-1")
                            .metadata_product_uid("p")
                            .build(),
                    )
                    .error_code(BatchUpdateFindingsV2UnprocessedFindingErrorCode::ResourceNotFoundException)
                    .error_message("gone")
                    .build(),
            )
            .build()
    });
    let hub = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&update], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(hub, unused_guardduty(), Budget::new(8));
    let resolve = Action::SetWorkflow {
        status: Workflow::Resolved,
        note: Some("patched".into()),
        disposition: None,
    };
    let planned = plan(resolve, vec![ocsf(0), ocsf(1)], "alice", "").expect("plan");
    assert_eq!(planned.calls[0].api, "securityhub:BatchUpdateFindingsV2");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j.jsonl")),
    )
    .await;
    assert!(results[0].ok);
    assert!(!results[1].ok);
    assert!(
        results[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("gone"))
    );
    let verify = Action::SetVerification {
        state: picket::model::finding::Verification::FalsePositive,
    };
    assert!(
        plan(verify, vec![ocsf(0)], "alice", "")
            .expect_err("no verification in OCSF")
            .contains("verification")
    );
}

#[tokio::test]
async fn a_region_that_is_not_a_region_never_names_an_endpoint() {
    let archive = mock!(aws_sdk_guardduty::Client::archive_findings).then_compute_output(|_| {
        aws_sdk_guardduty::operation::archive_findings::ArchiveFindingsOutput::builder().build()
    });
    let gd = mock_client!(aws_sdk_guardduty, RuleMode::MatchAny, [&archive], |b| b
        .retry_config(RetryConfig::disabled()));
    let backend = AwsBackend::with_clients(unused_hub(), gd, Budget::new(8));
    let mut targets: Vec<Target> = (0..2).map(target).collect();
    // A record can say anything: this one would send a signed request to another host.
    targets[1].region = "attacker.example/#".into();
    let planned = plan(Action::Archive, targets, "alice", "dup").expect("plan");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("j.jsonl")),
    )
    .await;
    assert_eq!(archive.num_calls(), 1, "only the real region is called");
    let refused = results
        .iter()
        .find(|r| r.finding == "f-1")
        .expect("an outcome");
    assert!(!refused.ok);
    assert!(
        refused
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not an AWS region name")),
        "{refused:?}"
    );
    assert!(results.iter().any(|r| r.finding == "f-0" && r.ok));
}

/// What a BatchUpdateFindings carried: ids, UserDefinedFields, verification state.
type Sent = (
    Vec<String>,
    std::collections::HashMap<String, String>,
    Option<String>,
);

/// A disposition for the merge tests: accepted risk, by dana, due in 2027.
fn dispose(reason: picket::model::disposition::Reason) -> Action {
    Action::SetWorkflow {
        status: Workflow::Suppressed,
        note: Some("legacy bucket".into()),
        disposition: Some(picket::model::disposition::Disposition {
            reason,
            author: picket::model::SafeText::line("dana"),
            at: Some("2026-11-30T10:00:00Z".parse().expect("time")),
            expires: Some("2027-01-01T00:00:00Z".parse().expect("time")),
        }),
    }
}

/// A disposition on `n` findings, planned and run through `hub`.
async fn disposed(
    hub: aws_sdk_securityhub::Client,
    reason: picket::model::disposition::Reason,
    n: usize,
) -> (Plan, Vec<TargetOutcome>) {
    let backend = AwsBackend::with_clients(hub, unused_guardduty(), Budget::new(8));
    let planned = plan(dispose(reason), (0..n).map(target).collect(), "dana", "").expect("plan");
    let dir = tempfile::tempdir().expect("temp dir");
    let results = run(
        &planned,
        Box::new(backend),
        journal_at(dir.path().join("journal.jsonl")),
    )
    .await;
    (planned, results)
}

#[tokio::test]
async fn a_disposition_keeps_the_user_defined_fields_other_tools_wrote() {
    let read = mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(|| {
        response(
            200,
            json!({"Findings": [
                {"Id": "hub-0", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
                 "UserDefinedFields": {"ticket": "SEC-1", "owner": "team-a", "picket.reason": "benign"}},
                {"Id": "hub-1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub"}
            ]}),
        )
    });
    let sent: Arc<std::sync::Mutex<Vec<Sent>>> = Arc::default();
    let seen = Arc::clone(&sent);
    let update =
        mock!(aws_sdk_securityhub::Client::batch_update_findings).then_compute_response(move |r| {
            let ids = r
                .finding_identifiers()
                .iter()
                .filter_map(|f| f.id().map(str::to_string))
                .collect();
            let fields = r.user_defined_fields().cloned().unwrap_or_default();
            let state = r.verification_state().map(|v| v.as_str().to_string());
            seen.lock().expect("lock").push((ids, fields, state));
            MockResponse::Http(response(
                200,
                json!({"ProcessedFindings": [], "UnprocessedFindings": []}),
            ))
        });
    let hub = mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [&read, &update],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let (planned, results) =
        disposed(hub, picket::model::disposition::Reason::FalsePositive, 2).await;
    assert_eq!(planned.calls.len(), 1, "one call planned");
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    let mut sent = sent.lock().expect("lock").clone();
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(sent.len(), 2, "different fields go in calls of their own");
    let (ids, fields, state) = &sent[0];
    assert_eq!(ids, &["hub-0"]);
    assert_eq!(fields["ticket"], "SEC-1");
    assert_eq!(fields["owner"], "team-a");
    assert_eq!(
        fields["picket.reason"], "false-positive",
        "picket's own key replaced"
    );
    assert_eq!(fields["picket.author"], "dana");
    assert_eq!(fields["picket.expires"], "2027-01-01T00:00:00Z");
    assert_eq!(state.as_deref(), Some("FALSE_POSITIVE"));
    let (ids, fields, _) = &sent[1];
    assert_eq!(ids, &["hub-1"]);
    assert_eq!(fields.len(), 4, "picket's keys only: {fields:?}");
}

#[tokio::test]
async fn a_disposition_whose_fields_cannot_be_read_sends_nothing() {
    let read = mock!(aws_sdk_securityhub::Client::get_findings).then_http_response(|| {
        response(
            400,
            json!({"__type": "AccessDeniedException", "Message": "not authorized to perform securityhub:GetFindings"}),
        )
    });
    let update = mock!(aws_sdk_securityhub::Client::batch_update_findings).then_compute_response(
        |_| -> MockResponse<_, _> { panic!("nothing may be written without the fields") },
    );
    let hub = mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [&read, &update],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let (_, results) = disposed(hub, picket::model::disposition::Reason::AcceptedRisk, 3).await;
    assert_eq!(results.len(), 3);
    for r in &results {
        assert!(!r.ok);
        let error = r.error.as_deref().unwrap_or_default();
        assert!(
            error.contains("nothing was sent") && error.contains("GetFindings"),
            "{error}"
        );
    }
}

/// False positive + resolve: a Security Hub finding gets VerificationState and Workflow in one
/// BatchUpdateFindings; a GuardDuty finding is archived, then given feedback NOT_USEFUL. Each
/// finding has one outcome, failed when either of its calls was refused.
#[tokio::test]
async fn false_positive_and_resolve_is_one_hub_call_and_archive_plus_feedback_in_guardduty() {
    let update =
        mock!(aws_sdk_securityhub::Client::batch_update_findings).then_compute_response(|r| {
            assert_eq!(
                r.workflow().and_then(|w| w.status()).map(|s| s.as_str()),
                Some("RESOLVED")
            );
            assert_eq!(
                r.verification_state().map(|s| s.as_str()),
                Some("FALSE_POSITIVE")
            );
            assert!(
                r.note()
                    .and_then(|n| n.text())
                    .is_some_and(|t| t.starts_with("false positive: scanner — alice")),
                "{:?}",
                r.note()
            );
            MockResponse::Http(response(
                200,
                json!({"ProcessedFindings": [], "UnprocessedFindings": []}),
            ))
        });
    let hub = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&update], |b| b
        .retry_config(RetryConfig::disabled()));
    let archive = mock!(aws_sdk_guardduty::Client::archive_findings).then_compute_output(|r| {
        assert_eq!(r.finding_ids(), ["f-1"]);
        aws_sdk_guardduty::operation::archive_findings::ArchiveFindingsOutput::builder().build()
    });
    let feedback = mock!(aws_sdk_guardduty::Client::update_findings_feedback)
        .then_compute_response(|r| {
            assert_eq!(r.feedback().map(|f| f.as_str()), Some("NOT_USEFUL"));
            MockResponse::Http(response(
                403,
                json!({"__type": "AccessDeniedException", "message": "not authorized to perform guardduty:UpdateFindingsFeedback"}),
            ))
        });
    let gd = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&archive, &feedback],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let backend = AwsBackend::with_clients(hub, gd, Budget::new(8));
    let mut hub_target = target(0);
    hub_target.detector = None;
    let planned = plan(
        Action::ResolveFalsePositive {
            note: "scanner".into(),
        },
        vec![hub_target, target(1)],
        "alice",
        "",
    )
    .expect("plan");
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_at(dir.path().join("journal.jsonl"));
    let results = run(&planned, Box::new(backend), journal_at(journal.path())).await;
    assert_eq!(
        (
            update.num_calls(),
            archive.num_calls(),
            feedback.num_calls()
        ),
        (1, 1, 1)
    );
    let seen: Vec<(&str, bool)> = results.iter().map(|r| (r.finding.as_str(), r.ok)).collect();
    assert_eq!(
        seen,
        [("f-1", false), ("f-0", true)],
        "one outcome per finding"
    );
    assert!(
        results[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("guardduty:UpdateFindingsFeedback: ")),
        "{:?}",
        results[0].error
    );
    // Read-only refuses it in the executor, as every action.
    let executor = Executor::new(
        journal_at(dir.path().join("ro.jsonl")),
        true,
        Operator::local(None),
        Box::new(AwsBackend::with_clients(
            unused_hub(),
            unused_guardduty(),
            Budget::new(8),
        )),
    );
    let yes = Answer {
        yes: true,
        ..Answer::default()
    };
    let ack = acknowledge(&planned, &yes, |id| id.to_string()).expect("acknowledged");
    let refused = executor
        .execute(&planned, ack, "act-ro", jiff::Timestamp::now())
        .await
        .expect_err("refused");
    assert!(refused.contains("read-only"), "{refused}");
}
