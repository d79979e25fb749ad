//! Role assumption and the account list, against a fake AWS endpoint (the SDK's own HTTP
//! connector interface): credentials from an assumed role are cached until five minutes before
//! they expire and renewed then; a role that cannot be assumed says which and why; a throttled
//! Organizations answers as throttled, and the next poll reads the list.

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;

use picket::aws::errors::FailureKind;
use picket::aws::org::assumed;
use picket::aws::plan::Identity;

const ROLE: &str = "arn:aws:iam::444455556666:role/picket-read";

/// Answers STS AssumeRole / GetCallerIdentity and GuardDuty ListDetectors, and notes each call.
#[derive(Clone, Debug)]
struct FakeAws {
    calls: Arc<Mutex<Vec<&'static str>>>,
    /// Lifetime of the credentials AssumeRole hands out.
    lifetime_secs: i64,
    deny_assume: bool,
}

impl FakeAws {
    fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().expect("calls").clone()
    }

    fn client(&self) -> SharedHttpClient {
        let fake = self.clone();
        http_client_fn(move |_, _| SharedHttpConnector::new(fake.clone()))
    }
}

fn xml(status: u16, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(body),
    );
    response.headers_mut().insert("content-type", "text/xml");
    response
}

impl HttpConnector for FakeAws {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let response = if body.contains("Action=AssumeRole") {
            self.calls.lock().expect("calls").push("sts:AssumeRole");
            if self.deny_assume {
                xml(
                    403,
                    format!(
                        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::111122223333:user/analyst is not authorized to perform: sts:AssumeRole on resource: {ROLE}</Message></Error><RequestId>1</RequestId></ErrorResponse>"#
                    ),
                )
            } else {
                let expires =
                    jiff::Timestamp::now() + jiff::SignedDuration::from_secs(self.lifetime_secs);
                xml(
                    200,
                    format!(
                        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIATEST</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::444455556666:assumed-role/picket-read/picket-test</Arn><AssumedRoleId>AROATEST:picket-test</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>"#,
                        expires.strftime("%Y-%m-%dT%H:%M:%SZ")
                    ),
                )
            }
        } else if body.contains("Action=GetCallerIdentity") {
            self.calls
                .lock()
                .expect("calls")
                .push("sts:GetCallerIdentity");
            xml(
                200,
                r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::444455556666:assumed-role/picket-read/picket-test</Arn><UserId>AROATEST:picket-test</UserId><Account>444455556666</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#.into(),
            )
        } else {
            self.calls
                .lock()
                .expect("calls")
                .push("guardduty:ListDetectors");
            let mut response = HttpResponse::new(
                StatusCode::try_from(200).expect("status"),
                SdkBody::from(r#"{"detectorIds":["d1"]}"#),
            );
            response
                .headers_mut()
                .insert("content-type", "application/json");
            response
        };
        HttpConnectorFuture::ready(Ok(response))
    }
}

/// Configuration as picket loads it, with test credentials and the fake endpoint.
async fn base(fake: &FakeAws) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIATEST", "secret", None, None, "test"))
        .http_client(fake.client())
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

async fn list_detectors_twice(config: &SdkConfig) {
    let client = aws_sdk_guardduty::Client::new(config);
    for _ in 0..2 {
        client.list_detectors().send().await.expect("answered");
    }
}

#[tokio::test]
async fn assumed_credentials_are_cached_until_five_minutes_before_expiry() {
    let fake = FakeAws {
        calls: Arc::default(),
        lifetime_secs: 3600,
        deny_assume: false,
    };
    let config = assumed(&base(&fake).await, ROLE, Some("ext-id")).await;
    list_detectors_twice(&config).await;
    assert_eq!(
        fake.calls(),
        [
            "sts:AssumeRole",
            "guardduty:ListDetectors",
            "guardduty:ListDetectors"
        ],
        "an hour of validity: one AssumeRole serves both requests"
    );
}

#[tokio::test]
async fn credentials_about_to_expire_are_renewed_before_use() {
    let fake = FakeAws {
        calls: Arc::default(),
        lifetime_secs: 4 * 60,
        deny_assume: false,
    };
    let config = assumed(&base(&fake).await, ROLE, None).await;
    list_detectors_twice(&config).await;
    assert_eq!(
        fake.calls(),
        [
            "sts:AssumeRole",
            "guardduty:ListDetectors",
            "sts:AssumeRole",
            "guardduty:ListDetectors"
        ],
        "credentials within five minutes of expiry are renewed before the next request"
    );
}

#[tokio::test]
async fn a_role_that_cannot_be_assumed_says_which_and_why() {
    let fake = FakeAws {
        calls: Arc::default(),
        lifetime_secs: 3600,
        deny_assume: true,
    };
    let config = assumed(&base(&fake).await, ROLE, None).await;
    let failure = Identity::assuming(&config, ROLE)
        .get()
        .await
        .expect_err("denied");
    assert_eq!(failure.kind, FailureKind::AccessDenied);
    assert!(
        failure.message.contains(ROLE) && failure.message.contains("sts:AssumeRole"),
        "{}",
        failure.message
    );
    assert!(!fake.calls().contains(&"sts:GetCallerIdentity"));
}

#[tokio::test]
async fn a_throttled_account_list_answers_throttled_then_reads_the_tree() {
    use aws_sdk_organizations::operation::list_accounts_for_parent::ListAccountsForParentOutput;
    use aws_sdk_organizations::operation::list_organizational_units_for_parent::ListOrganizationalUnitsForParentOutput;
    use aws_sdk_organizations::operation::list_roots::ListRootsOutput;
    use aws_sdk_organizations::types::{Account, OrganizationalUnit, Root};

    let throttled = mock!(aws_sdk_organizations::Client::list_roots)
        .sequence()
        .http_response(|| {
            let mut response = HttpResponse::new(
                StatusCode::try_from(400).expect("status"),
                SdkBody::from(r#"{"__type":"TooManyRequestsException","Message":"Rate exceeded"}"#),
            );
            response
                .headers_mut()
                .insert("content-type", "application/x-amz-json-1.1");
            response
        })
        .output(|| {
            ListRootsOutput::builder()
                .roots(Root::builder().id("r-root").build())
                .build()
        })
        .build();
    let ous = mock!(aws_sdk_organizations::Client::list_organizational_units_for_parent)
        .then_compute_output(|r| {
            let children = match r.parent_id() {
                Some("r-root") => vec![
                    OrganizationalUnit::builder()
                        .id("ou-prod")
                        .name("Production")
                        .build(),
                ],
                _ => vec![],
            };
            ListOrganizationalUnitsForParentOutput::builder()
                .set_organizational_units(Some(children))
                .build()
        });
    let accounts = mock!(aws_sdk_organizations::Client::list_accounts_for_parent)
        .then_compute_output(|r| {
            let (id, name) = match r.parent_id() {
                Some("ou-prod") => ("222233334444", "payments-prod"),
                _ => ("111122223333", "management"),
            };
            ListAccountsForParentOutput::builder()
                .accounts(Account::builder().id(id).name(name).build())
                .build()
        });
    let tags = mock!(aws_sdk_organizations::Client::list_tags_for_resource).then_output(|| {
        aws_sdk_organizations::operation::list_tags_for_resource::ListTagsForResourceOutput::builder()
            .build()
    });
    let client = mock_client!(
        aws_sdk_organizations,
        RuleMode::MatchAny,
        [&throttled, &ous, &accounts, &tags],
        |b| b.retry_config(RetryConfig::disabled())
    );
    let budget = picket::aws::budget::Budget::new(8);
    let track = picket::aws::Track::new(
        "111122223333",
        "global",
        picket::model::health::Service::Organizations,
        None,
        std::time::Duration::from_secs(3600),
    )
    .with_budget(std::sync::Arc::clone(&budget));
    let first = picket::aws::org::discover(&client, &track).await;
    assert_eq!(first.expect_err("throttled").kind, FailureKind::Throttled);
    assert_eq!(budget.counts()[0].1.throttled, 1, "the budget slowed down");
    let found = picket::aws::org::discover(&client, &track)
        .await
        .expect("read");
    let summary: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str(), a.ou_path.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("111122223333", "management", ""),
            ("222233334444", "payments-prod", "Production")
        ]
    );
}
