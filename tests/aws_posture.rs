//! What is enabled, read from Security Hub (GetEnabledStandards, DescribeStandardsControls) and
//! GuardDuty (GetDetector, GetCoverageStatistics, ListCoverage) against aws-smithy-mocks:
//! moto implements none of these. The exact requests, paging, and a refusal.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use jiff::Timestamp;
use serde_json::json;

use picket::aws::Track;
use picket::aws::plan::Identity;
use picket::aws::securityhub::{Api, SecurityHubSource};
use picket::model::Workflow;
use picket::model::health::Service;
use picket::sources::Source;

const ACCOUNT: &str = "111122223333";
const FSBP_ARN: &str =
    "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0";

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

fn track(service: Service) -> Track {
    Track::new(ACCOUNT, "us-east-1", service, None, Duration::from_secs(60))
}

fn subscription(arn: &str, status: &str) -> serde_json::Value {
    json!({"StandardsSubscriptionArn": format!("{arn}/subscription"), "StandardsArn": arn,
           "StandardsInput": {}, "StandardsStatus": status})
}

/// Security Hub with FSBP (controls over two pages, one disabled) and CIS (incomplete).
fn securityhub() -> aws_sdk_securityhub::Client {
    let enabled = mock!(aws_sdk_securityhub::Client::get_enabled_standards).then_compute_response(
        |r| {
            let body = match r.next_token() {
                None => json!({"StandardsSubscriptions": [subscription(FSBP_ARN, "READY")], "NextToken": "s2"}),
                Some(_) => json!({"StandardsSubscriptions": [subscription(
                    "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0", "INCOMPLETE")]}),
            };
            MockResponse::Http(response(200, body))
        },
    );
    let controls = mock!(aws_sdk_securityhub::Client::describe_standards_controls)
        .then_compute_response(|r| {
            assert_eq!(r.max_results(), Some(100));
            let subscription = r.standards_subscription_arn().expect("asked by subscription");
            let body = match (subscription.contains("foundational"), r.next_token()) {
                (true, None) => json!({"Controls": [
                    {"ControlId": "S3.8", "Title": "S3 block public access", "ControlStatus": "ENABLED"}
                ], "NextToken": "c2"}),
                (true, Some(_)) => json!({"Controls": [
                    {"ControlId": "EC2.8", "Title": "IMDSv2", "ControlStatus": "DISABLED",
                     "DisabledReason": "vendor AMI \u{1b}[31m(RISK-311)"}
                ]}),
                (false, _) => json!({"Controls": [
                    {"ControlId": "CIS.1.1", "Title": "Avoid the root user", "ControlStatus": "ENABLED"}
                ]}),
            };
            MockResponse::Http(response(200, body))
        });
    mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [&enabled, &controls],
        |b| b.retry_config(RetryConfig::disabled())
    )
}

#[tokio::test]
async fn enabled_standards_and_their_controls_are_read_page_by_page() {
    let report = picket::aws::posture::standards(&securityhub(), &track(Service::SecurityHub))
        .await
        .expect("read");
    assert_eq!(
        (report.account_id.as_str(), report.region.as_str()),
        (ACCOUNT, "us-east-1")
    );
    let names: Vec<(&str, &str, usize)> = report
        .standards
        .iter()
        .map(|s| (s.name.as_str(), s.status.as_str(), s.controls.len()))
        .collect();
    assert_eq!(
        names,
        [
            (
                "AWS Foundational Security Best Practices v1.0.0",
                "READY",
                2
            ),
            ("CIS AWS Foundations Benchmark v1.2.0", "INCOMPLETE", 1)
        ]
    );
    let imds = &report.standards[0].controls[1];
    assert_eq!((imds.id.as_str(), imds.enabled), ("EC2.8", false));
    // The reason is the analyst's text: it reaches the screen inert.
    let reason = imds.disabled_reason.as_deref().expect("reason");
    assert!(
        reason.starts_with("vendor AMI") && !reason.contains('\u{1b}'),
        "{reason}"
    );
}

#[tokio::test]
async fn a_refusal_is_a_failure_naming_the_permission() {
    let denied = mock!(aws_sdk_securityhub::Client::get_enabled_standards).then_http_response(|| {
        response(
            403,
            json!({"__type": "AccessDeniedException", "Message": "not authorized to perform securityhub:GetEnabledStandards"}),
        )
    });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&denied], |b| b
        .retry_config(RetryConfig::disabled()));
    let failure = picket::aws::posture::standards(&client, &track(Service::SecurityHub))
        .await
        .expect_err("refused");
    assert!(
        format!("{failure:?}").contains("securityhub:GetEnabledStandards"),
        "{failure:?}"
    );
}

/// A Security Hub source of the TUI (it reads what is enabled) over `client`, as analyst.
fn reading_posture(client: aws_sdk_securityhub::Client) -> SecurityHubSource {
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account(ACCOUNT)
            .arn(format!("arn:aws:iam::{ACCOUNT}:user/analyst"))
            .build()
    });
    let identity: Arc<Identity> =
        Identity::with_client(mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&who]));
    SecurityHubSource::new(
        client,
        track(Service::SecurityHub),
        Api::Cspm,
        vec![Workflow::New],
        Duration::from_secs(600),
        identity,
    )
    .posture(true)
}

#[tokio::test]
async fn the_security_hub_source_delivers_what_is_enabled_once_then_every_six_hours() {
    let findings = mock!(aws_sdk_securityhub::Client::get_findings)
        .then_http_response(|| response(200, json!({"Findings": []})));
    let enabled =
        mock!(aws_sdk_securityhub::Client::get_enabled_standards).then_http_response(|| {
            response(
                200,
                json!({"StandardsSubscriptions": [subscription(FSBP_ARN, "READY")]}),
            )
        });
    let controls = mock!(aws_sdk_securityhub::Client::describe_standards_controls)
        .then_http_response(|| response(200, json!({"Controls": []})));
    let client = mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [&findings, &enabled, &controls],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let mut source = reading_posture(client);
    let first = source.poll(now()).await;
    assert_eq!(first.standards.len(), 1);
    assert_eq!(first.standards[0].standards[0].status, "READY");
    let later = source
        .poll(now() + jiff::SignedDuration::from_mins(5))
        .await;
    assert!(
        later.standards.is_empty(),
        "not read again within six hours"
    );
    let next = source
        .poll(now() + jiff::SignedDuration::from_hours(7))
        .await;
    assert_eq!(next.standards.len(), 1);
    assert_eq!(enabled.num_calls(), 2);
}

#[tokio::test]
async fn guardduty_plans_and_unhealthy_agents_are_read() {
    let detector = mock!(aws_sdk_guardduty::Client::get_detector).then_compute_response(|r| {
        assert_eq!(r.detector_id(), Some("d1"));
        MockResponse::Http(response(
            200,
            json!({"serviceRole": "r", "status": "ENABLED", "features": [
                {"name": "S3_DATA_EVENTS", "status": "ENABLED"},
                {"name": "RUNTIME_MONITORING", "status": "DISABLED"}
            ]}),
        ))
    });
    let statistics = mock!(aws_sdk_guardduty::Client::get_coverage_statistics)
        .then_compute_response(|r| {
            let kinds: Vec<&str> = r.statistics_type().iter().map(|t| t.as_str()).collect();
            assert_eq!(kinds, ["COUNT_BY_COVERAGE_STATUS"]);
            MockResponse::Http(response(
                200,
                json!({"coverageStatistics": {"countByCoverageStatus": {"HEALTHY": 4, "UNHEALTHY": 1}}}),
            ))
        });
    let unhealthy = mock!(aws_sdk_guardduty::Client::list_coverage).then_compute_response(|r| {
        let criterion = &r
            .filter_criteria()
            .expect("filtered")
            .filter_criterion()[0];
        assert_eq!(
            criterion.criterion_key().map(|k| k.as_str()),
            Some("COVERAGE_STATUS")
        );
        assert_eq!(
            criterion.filter_condition().expect("condition").equals(),
            ["UNHEALTHY"]
        );
        MockResponse::Http(response(
            200,
            json!({"resources": [{"resourceId": "analytics", "detectorId": "d1", "accountId": ACCOUNT,
                "coverageStatus": "UNHEALTHY", "issue": "agent not reporting",
                "resourceDetails": {"resourceType": "EKS"}}]}),
        ))
    });
    let client = mock_client!(
        aws_sdk_guardduty,
        RuleMode::MatchAny,
        [&detector, &statistics, &unhealthy],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let coverage = picket::aws::posture::coverage(&client, &track(Service::GuardDuty), "d1")
        .await
        .expect("read");
    assert_eq!(
        coverage.plans,
        [
            ("S3_DATA_EVENTS".to_string(), true),
            ("RUNTIME_MONITORING".to_string(), false)
        ]
    );
    assert_eq!((coverage.healthy, coverage.unhealthy), (4, 1));
    assert_eq!(
        coverage.unhealthy_resources,
        [(
            "EKS analytics".to_string(),
            "agent not reporting".to_string()
        )]
    );
}

#[tokio::test]
async fn a_refused_read_is_delivered_as_unread_with_why() {
    let findings = mock!(aws_sdk_securityhub::Client::get_findings)
        .then_http_response(|| response(200, json!({"Findings": []})));
    let denied = mock!(aws_sdk_securityhub::Client::get_enabled_standards).then_http_response(|| {
        response(
            403,
            json!({"__type": "AccessDeniedException", "Message": "not authorized to perform securityhub:GetEnabledStandards"}),
        )
    });
    let client = mock_client!(
        aws_sdk_securityhub,
        RuleMode::MatchAny,
        [&findings, &denied],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let mut source = reading_posture(client);
    let batch = source.poll(now()).await;
    assert_eq!(batch.standards.len(), 1);
    let report = &batch.standards[0];
    assert!(report.standards.is_empty());
    assert!(
        report
            .unread
            .as_deref()
            .is_some_and(|why| why.contains("securityhub:GetEnabledStandards")),
        "{report:?}"
    );
    // The findings were read all the same.
    assert_eq!(findings.num_calls(), 1);
}
