//! The AWS edge: sessions built like the AWS CLI's, and the sources that poll GuardDuty,
//! Security Hub and CloudWatch Logs. SDK types never leave this module: findings come out of
//! the raw API responses through the same mappers as files, errors come out as health.

pub mod actions;
pub mod budget;
mod counting;
pub mod diagnose;
pub mod doctor;
pub mod errors;
pub mod feed;
pub mod feed_setup;
mod gaps;
pub mod guardduty;
pub mod insights;
pub mod login;
pub mod logs;
pub mod mfa;
pub mod org;
pub mod plan;
pub mod posture;
pub mod profiles;
mod raw;
mod regions;
pub mod scope;
pub mod securityhub;
pub mod setup;
mod statistics;
pub mod tail;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_smithy_runtime::client::retries::RetryPartition;

pub use errors::{Cause, Failure, classify};
pub use regions::{COMMERCIAL_REGIONS, expand_regions, unknown_regions};

/// Where and as whom picket talks to AWS, resolved the way the AWS CLI resolves it.
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// `--profile`, else `AWS_PROFILE`, else the default profile (the SDK's own chain).
    pub profile: Option<String>,
    /// Regions to watch; empty means the profile's or environment's region.
    pub regions: Vec<String>,
    /// `--endpoint-url` (moto, LocalStack); `AWS_ENDPOINT_URL` is read by the SDK itself.
    pub endpoint_url: Option<String>,
    /// Retries off (tests against moto fail fast on routes it lacks).
    pub no_retries: bool,
}

/// One attempt of a call, from sending the request to the last byte of the answer. A connection
/// that stalls ends here, and the attempt is retried like any other transient failure.
/// Generous: a FilterLogEvents page over a busy group can take seconds.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// One call with its retries and their backoff (three attempts fit).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(65);

/// The shared SDK configuration for one region. A profile whose role asks for an MFA code
/// gets its credentials from picket's [`mfa::MfaRole`], one for the whole process.
pub async fn sdk_config(target: &Target, region: Option<&str>) -> SdkConfig {
    let mut loader = loader(target, target.profile.as_deref(), region);
    if let Some(mfa) = mfa_role(target, region).await {
        loader = loader.credentials_provider(mfa);
    }
    loader.load().await
}

/// The MFA role of the target's profile, when it has one: made once, then shared.
async fn mfa_role(target: &Target, region: Option<&str>) -> Option<mfa::Shared> {
    static ROLES: std::sync::Mutex<Vec<(String, mfa::Shared)>> = std::sync::Mutex::new(Vec::new());
    let name = target.profile.as_deref()?;
    let held = |roles: &std::sync::Mutex<Vec<(String, mfa::Shared)>>| {
        roles
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, role)| role.clone())
    };
    if let Some(role) = held(&ROLES) {
        return Some(role);
    }
    let profile = profiles::find(name).filter(|p| p.wants_mfa())?;
    let source = loader(target, profile.get("source_profile"), region)
        .load()
        .await;
    let role = mfa::Shared(mfa::MfaRole::new(&profile, &source)?);
    let mut roles = ROLES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, first)) = roles.iter().find(|(n, _)| n == name) {
        return Some(first.clone());
    }
    roles.push((name.to_string(), role.clone()));
    Some(role)
}

/// The SDK's loader for `profile` (None: the default chain) with picket's region, endpoint,
/// retry and timeout settings.
fn loader(
    target: &Target,
    profile: Option<&str>,
    region: Option<&str>,
) -> aws_config::ConfigLoader {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    if let Some(url) = &target.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let retry = if target.no_retries {
        RetryConfig::disabled()
    } else {
        // Standard mode with the SDK's own backoff; picket adds its own between polls.
        RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(500))
    };
    // Without these a request the service never answers holds its source forever. The SDK keeps
    // its own connect timeout (3.1 s).
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    loader.retry_config(retry).timeout_config(timeouts)
}

/// A retry partition per account: one throttled account must not drain the retry budget of all
/// the others (the SDK shares one per service and region by default).
pub fn retry_partition(key: &str) -> RetryPartition {
    RetryPartition::new(format!("picket-{key}"))
}

/// The caller, as STS reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    pub arn: String,
}

use std::future::Future;
use std::sync::Arc;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use jiff::Timestamp;

use crate::model::SafeText;
use crate::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
use budget::Budget;
use errors::FailureKind;

/// Longest wait between polls after repeated failures.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// The APIs a service's source reads with, whose use the Sources screen shows.
fn polled_apis(service: Service) -> &'static [&'static str] {
    match service {
        Service::GuardDuty => &["guardduty:ListFindings", "guardduty:GetFindings"],
        Service::SecurityHub => &["securityhub:GetFindings", "securityhub:GetFindingsV2"],
        Service::CloudWatchLogs => &["logs:FilterLogEvents"],
        // SQS publishes no rate for a standard queue: no share to speak of.
        Service::Feed | Service::Organizations | Service::Playbooks => &[],
    }
}

/// The health of one (account, region, service) and when to poll it next.
#[derive(Clone, Debug)]
pub struct Track {
    pub account: String,
    pub region: String,
    pub service: Service,
    pub profile: Option<String>,
    pub interval: Duration,
    last_success: Option<Timestamp>,
    failures: u32,
    budget: Arc<Budget>,
}

impl Track {
    pub fn new(
        account: &str,
        region: &str,
        service: Service,
        profile: Option<String>,
        interval: Duration,
    ) -> Track {
        Track {
            account: account.to_string(),
            region: region.to_string(),
            service,
            profile,
            interval,
            last_success: None,
            failures: 0,
            budget: Budget::new(budget::DEFAULT_IN_FLIGHT),
        }
    }

    /// For one-off calls outside a source (doctor, actions): a track within `budget`.
    pub fn one_off(account: &str, region: &str, service: Service, budget: &Arc<Budget>) -> Track {
        Track::new(account, region, service, None, Duration::from_secs(60))
            .with_budget(Arc::clone(budget))
    }

    /// Shares a budget with the other sources (the process-wide one, in picket).
    pub fn with_budget(mut self, budget: Arc<Budget>) -> Track {
        self.budget = budget;
        self
    }

    /// Sends one request inside the budget of (account, region, `api`); `api` is the IAM
    /// action, which also names what is missing when AWS says access denied.
    pub async fn call<T, E>(
        &self,
        api: &'static str,
        request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, Failure>
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
    {
        let key = budget::BucketKey {
            account: self.account.clone(),
            region: self.region.clone(),
            api,
        };
        // SDK request futures are large; boxed, only a pointer moves through the budget.
        let request = Box::pin(async { request.await.map_err(|e| classify(&e, api)) });
        self.budget
            .run(&key, request, |f: &Failure| {
                f.kind == FailureKind::Throttled
            })
            .await
    }

    fn report(&self, state: HealthState, message: Option<String>) -> HealthReport {
        self.report_with_raw(state, message, None)
    }

    fn report_with_raw(
        &self,
        state: HealthState,
        message: Option<String>,
        raw: Option<String>,
    ) -> HealthReport {
        HealthReport {
            key: HealthKey {
                account_id: SafeText::line(&self.account),
                region: SafeText::line(&self.region),
                service: self.service,
            },
            health: Health {
                state,
                last_success: self.last_success,
                message: message.map(|m| SafeText::line(&m)),
                backlog: None,
                raw: raw.map(|r| SafeText::line(&r)),
            },
        }
    }

    /// A success as health, saying how much of its quota picket used in the last minute.
    pub fn succeeded(&mut self, now: Timestamp) -> HealthReport {
        self.last_success = Some(now);
        self.failures = 0;
        let used =
            self.budget
                .use_last_minute(&self.account, &self.region, polled_apis(self.service));
        self.report(HealthState::Ok, used.map(|u| u.describe()))
    }

    /// A failure as health. Findings already shown stay; after an outage they are stale.
    pub fn failed(&mut self, failure: Failure) -> HealthReport {
        let failure = failure.explain(self.profile.as_deref(), Some(&self.region));
        let state = match failure.kind {
            FailureKind::Throttled => HealthState::Throttled,
            FailureKind::AccessDenied => HealthState::AccessDenied,
            FailureKind::NotEnabled => HealthState::NotEnabled,
            FailureKind::Unreachable if self.last_success.is_some() => HealthState::Stale,
            FailureKind::Unreachable | FailureKind::Credentials | FailureKind::Other => {
                HealthState::Error
            }
        };
        // "Not enabled" is an answer, not a failure: no backoff for it.
        if failure.kind != FailureKind::NotEnabled {
            self.failures = self.failures.saturating_add(1);
        }
        self.report_with_raw(state, Some(failure.message), failure.raw)
    }

    /// The wait before the next poll: the interval, or after failures an exponential backoff
    /// with jitter (so throttled tasks do not retry in step), capped at 15 minutes.
    pub fn next_delay(&self) -> Duration {
        if self.failures == 0 {
            return self.interval;
        }
        let base = self
            .interval
            .min(Duration::from_secs(30))
            .max(Duration::from_secs(1));
        let backoff = base
            .saturating_mul(1 << self.failures.min(10))
            .min(MAX_BACKOFF);
        backoff.mul_f64(0.5 + fastrand::f64())
    }

    pub fn had_success(&self) -> bool {
        self.last_success.is_some()
    }

    /// Learns the account from the shared identity before anything else; a failure there is
    /// this source's failure too (no account, no answer). Returns who picket runs as, for the
    /// status line; an assumed role in a member account is not that.
    pub async fn identify(
        &mut self,
        identity: &plan::Identity,
    ) -> Result<Option<crate::model::SafeText>, HealthReport> {
        match identity.get().await {
            Ok(caller) => {
                self.account = caller.account.clone();
                Ok((!identity.is_assumed_role())
                    .then(|| SafeText::line(&format!("{} · {}", caller.account, caller.arn))))
            }
            Err(failure) => Err(self.failed(failure)),
        }
    }
}
