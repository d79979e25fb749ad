//! What every account's sources are built from: the settings, the caller's identity, how each
//! account is reached (its credentials), and the clients of one account and region.

use std::sync::Arc;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_smithy_runtime::client::retries::RetryPartition;
use tokio::sync::Mutex;

use super::budget::Budget;
use super::errors::{Failure, FailureKind};
use super::org::{self, Mode};
use super::{Caller, Target, sdk_config};
use crate::model::Workflow;

/// Which Security Hub API to read (`[securityhub] api`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// Security Hub CSPM: ASFF findings through GetFindings.
    Cspm,
    /// Security Hub (v2): OCSF findings through GetFindingsV2.
    V2,
    /// v2 where it answers, CSPM otherwise.
    #[default]
    Auto,
}

/// Everything the AWS sources take from flags and config.
#[derive(Clone, Debug)]
pub struct Settings {
    pub target: Target,
    pub guardduty_archived: bool,
    pub securityhub_api: Api,
    pub workflow: Vec<Workflow>,
    pub rescan: Duration,
    pub findings_every: Duration,
    pub logs_every: Duration,
    pub log_groups: Vec<String>,
    pub discover_prefix: String,
    /// For `picket logs`: how far back, and the filter pattern AWS applies.
    pub logs_window: Option<(jiff::SignedDuration, Option<String>)>,
    /// Stream the CloudTrail groups with StartLiveTail (`[logs] live_tail`), else poll.
    pub live_tail: bool,
    /// Requests in flight at once across every source.
    pub max_in_flight: usize,
    /// How the organization is covered.
    pub org: super::org::OrgSettings,
    /// Live polls (the TUI) or one sweep (`picket findings`, `picket logs`), and how much a
    /// poll reads.
    pub reading: crate::limits::Reading,
    /// The event feed and what picket leaves of the quotas: organization scale.
    pub scale: Scale,
}

/// How picket reads an organization too large to read again and again.
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// SQS queues EventBridge delivers finding events to (`[feed] queue_url`).
    pub feed: Vec<String>,
    /// With a feed: the time between full re-reads of the active findings (reconciliation).
    pub reconcile: Duration,
    /// The share of each API's published rate picket uses (`[polling] quota_share`).
    pub quota_share: f64,
    /// Which findings are read at all (`[scope] filter`), pushed to AWS.
    pub scope: Option<std::sync::Arc<crate::store::scope::Scope>>,
}

impl Default for Scale {
    fn default() -> Self {
        Scale {
            feed: Vec::new(),
            reconcile: Duration::from_secs(24 * 3600),
            quota_share: crate::aws::budget::DEFAULT_QUOTA_SHARE,
            scope: None,
        }
    }
}

/// Which services to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Services {
    pub guardduty: bool,
    pub securityhub: bool,
    pub logs: bool,
}

impl Services {
    pub const ALL: Services = Services {
        guardduty: true,
        securityhub: true,
        logs: true,
    };
    pub const LOGS: Services = Services {
        guardduty: false,
        securityhub: false,
        logs: true,
    };
}

/// Who a set of credentials is, asked of STS once and shared by every source of an account
/// (the account keys all health). For an assumed role, asking STS is also what proves the role
/// can be assumed.
pub struct Identity {
    client: aws_sdk_sts::Client,
    known: Mutex<Option<Caller>>,
    /// The role these credentials come from, named when assuming it fails.
    role: Option<String>,
}

impl Identity {
    pub fn new(config: &SdkConfig) -> Arc<Identity> {
        Self::with_client(aws_sdk_sts::Client::new(config))
    }

    pub fn with_client(client: aws_sdk_sts::Client) -> Arc<Identity> {
        Arc::new(Identity {
            client,
            known: Mutex::new(None),
            role: None,
        })
    }

    /// The identity of credentials from assuming `role`.
    pub fn assuming(config: &SdkConfig, role: &str) -> Arc<Identity> {
        Arc::new(Identity {
            client: aws_sdk_sts::Client::new(config),
            known: Mutex::new(None),
            role: Some(role.to_string()),
        })
    }

    /// Credentials from a role assumed in another account (fan-out), not the caller's own.
    pub fn is_assumed_role(&self) -> bool {
        self.role.is_some()
    }

    /// The caller; asked again after a failure (credentials may have been refreshed since).
    pub async fn get(&self) -> Result<Caller, Failure> {
        let mut known = self.known.lock().await;
        if let Some(caller) = known.as_ref() {
            return Ok(caller.clone());
        }
        let out = self
            .client
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| self.failure(super::classify(&e, "sts:GetCallerIdentity")))?;
        let found = Caller {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        };
        *known = Some(found.clone());
        Ok(found)
    }

    /// With an assumed role, a credentials failure is the role assumption failing.
    fn failure(&self, failure: Failure) -> Failure {
        match &self.role {
            Some(role)
                if matches!(
                    failure.kind,
                    FailureKind::Credentials | FailureKind::AccessDenied | FailureKind::Other
                ) =>
            {
                Failure {
                    message: format!(
                        "cannot assume {role}: its trust policy must name the caller, and the caller needs sts:AssumeRole on it: {}",
                        failure.message
                    ),
                    kind: FailureKind::AccessDenied,
                    cause: Some(super::Cause::AssumeRole),
                    raw: failure.raw,
                }
            }
            _ => failure,
        }
    }
}

/// How one account is reached.
pub struct Access {
    pub config: SdkConfig,
    pub identity: Arc<Identity>,
    /// The account id when known before asking STS.
    pub account: Option<String>,
    /// The profile, for the `aws sso login --profile` hint.
    pub profile: Option<String>,
}

/// What every account's sources are built from.
pub struct Plan {
    pub base: SdkConfig,
    pub settings: Settings,
    pub services: Services,
    pub regions: Vec<String>,
    pub budget: Arc<Budget>,
    /// Each account's credentials, as its sources were given them: write-back for a finding
    /// goes through the same ones.
    reach: std::sync::RwLock<std::collections::HashMap<String, SdkConfig>>,
}

impl Plan {
    /// Notes the credentials an account's sources were given: its write-back goes through
    /// the same ones.
    pub fn reach(&self, account: &str, config: &SdkConfig) {
        if let Ok(mut reach) = self.reach.write() {
            reach.insert(account.to_string(), config.clone());
        }
    }

    /// The credentials that reach `account`: the ones its sources use; in admin mode the
    /// caller's, which reach every member through the administrator account.
    pub fn credentials_for(&self, account: &str) -> Option<SdkConfig> {
        let known = self.reach.read().ok()?.get(account).cloned();
        known.or_else(|| (self.settings.org.mode == Mode::Admin).then(|| self.base.clone()))
    }

    /// The caller's own credentials.
    pub(crate) fn own_access(&self, identity: &Arc<Identity>, account: Option<String>) -> Access {
        Access {
            config: self.base.clone(),
            identity: Arc::clone(identity),
            account,
            profile: self.settings.target.profile.clone(),
        }
    }

    /// The role `role_arn`, assumed with the caller's credentials.
    pub(crate) async fn assumed_access(&self, role_arn: &str, account: Option<String>) -> Access {
        let org = &self.settings.org;
        let config = org::assumed(&self.base, role_arn, org.external_id.as_deref()).await;
        Access {
            identity: Identity::assuming(&config, role_arn),
            config,
            account,
            profile: self.settings.target.profile.clone(),
        }
    }

    /// An `[[org.accounts]]` entry: its profile, or its role assumed.
    pub(crate) async fn entry_access(&self, entry: &org::AccountEntry) -> Access {
        if let Some(role) = &entry.role_arn {
            return self.assumed_access(role, entry.account_id()).await;
        }
        let target = Target {
            profile: entry.profile.clone(),
            ..self.settings.target.clone()
        };
        let config = sdk_config(&target, self.regions.first().map(String::as_str)).await;
        Access {
            identity: Identity::new(&config),
            config,
            account: entry.account_id(),
            profile: entry.profile.clone(),
        }
    }
}

/// The GuardDuty client of one account and region: the account's credentials, picket's retry
/// and timeout settings (from `config`), the account's own retry partition.
pub fn guardduty_client(
    config: &SdkConfig,
    region: &Region,
    partition: &RetryPartition,
) -> aws_sdk_guardduty::Client {
    aws_sdk_guardduty::Client::from_conf(
        aws_sdk_guardduty::config::Builder::from(config)
            .region(region.clone())
            .retry_partition(partition.clone())
            .build(),
    )
}

/// The Security Hub client of one account and region, like [`guardduty_client`].
pub fn securityhub_client(
    config: &SdkConfig,
    region: &Region,
    partition: &RetryPartition,
) -> aws_sdk_securityhub::Client {
    aws_sdk_securityhub::Client::from_conf(
        aws_sdk_securityhub::config::Builder::from(config)
            .region(region.clone())
            .retry_partition(partition.clone())
            .build(),
    )
}

/// The CloudWatch Logs client of one account and region, like [`guardduty_client`].
pub fn logs_client(
    config: &SdkConfig,
    region: &Region,
    partition: &RetryPartition,
) -> aws_sdk_cloudwatchlogs::Client {
    aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::config::Builder::from(config)
            .region(region.clone())
            .retry_partition(partition.clone())
            .build(),
    )
}

/// The SQS client of the feed's queue, like [`guardduty_client`].
pub fn sqs_client(config: &SdkConfig, region: &Region) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(config)
            .region(region.clone())
            .build(),
    )
}

/// The shared configuration, regions and budget, and the caller's identity; fails only when
/// there is no region to watch.
pub async fn plan(
    settings: &Settings,
    services: Services,
) -> Result<(Arc<Plan>, Arc<Identity>), String> {
    let target = &settings.target;
    let base = sdk_config(target, target.regions.first().map(String::as_str)).await;
    let regions = if target.regions.is_empty() {
        match base.region() {
            Some(region) => vec![region.to_string()],
            None => {
                return Err("no region: pass --region (repeatable, or `all`), set AWS_REGION, or add a region to the profile; or run `picket --demo` for the embedded demo organization".into());
            }
        }
    } else {
        target.regions.clone()
    };
    let identity = Identity::new(&base);
    let profile = target
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok());
    let mut settings = settings.clone();
    settings.target.profile = profile.clone();
    // AWS's quotas do not apply to an emulator (moto, LocalStack).
    let emulated = target.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some();
    let budget = if emulated {
        Budget::unmetered(settings.max_in_flight)
    } else {
        Budget::sharing(settings.max_in_flight, settings.scale.quota_share)
    };
    let plan = Arc::new(Plan {
        base,
        settings,
        services,
        regions,
        budget,
        reach: Default::default(),
    });
    Ok((plan, identity))
}
