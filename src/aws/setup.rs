//! From flags and config to running sources: one per (account, region, service), and one that
//! reads the organization's account list.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use aws_smithy_runtime::client::retries::RetryPartition;
use tokio::sync::Mutex;

use super::budget::Budget;
use super::errors::{Failure, FailureKind};
use super::guardduty::GuardDutySource;
use super::logs::LogsSource;
use super::org::{self, Mode, OrgAccount, OrgSettings};
use super::securityhub::{Api, SecurityHubSource};
use super::{Caller, Target, Track, retry_partition, sdk_config};
use crate::model::Workflow;
use crate::model::health::Service;
use crate::sources::{Batch, Feed, PollFuture, Source};

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
}

/// Which services to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Services {
    pub guardduty: bool,
    pub securityhub: bool,
    pub logs: bool,
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
                Failure::new(
                    FailureKind::AccessDenied,
                    format!(
                        "cannot assume {role} (sts:AssumeRole; the role must trust this account): {}",
                        failure.message
                    ),
                )
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
    /// One source per (region, service) of the account.
    pub fn account_sources(&self, access: &Access) -> Vec<Box<dyn Source>> {
        if let (Some(account), Ok(mut reach)) = (&access.account, self.reach.write()) {
            reach.insert(account.clone(), access.config.clone());
        }
        let settings = &self.settings;
        let account = access.account.as_deref().unwrap_or("unknown");
        // One retry partition per account: a throttled account never drains the retry budget
        // of another.
        let partition = retry_partition(
            access
                .account
                .as_deref()
                .or(access.profile.as_deref())
                .unwrap_or("default"),
        );
        let mut sources: Vec<Box<dyn Source>> = Vec::new();
        for region in &self.regions {
            let track = |service, every| {
                Track::new(account, region, service, access.profile.clone(), every)
                    .with_budget(Arc::clone(&self.budget))
            };
            let region = Region::new(region.clone());
            let config = &access.config;
            if self.services.guardduty {
                sources.push(Box::new(GuardDutySource::new(
                    guardduty_client(config, &region, &partition),
                    track(Service::GuardDuty, settings.findings_every),
                    settings.guardduty_archived,
                    Arc::clone(&access.identity),
                )));
            }
            if self.services.securityhub {
                sources.push(Box::new(SecurityHubSource::new(
                    securityhub_client(config, &region, &partition),
                    track(Service::SecurityHub, settings.findings_every),
                    settings.securityhub_api,
                    settings.workflow.clone(),
                    settings.rescan,
                    Arc::clone(&access.identity),
                )));
            }
            if self.services.logs {
                let client = logs_client(config, &region, &partition);
                let source = LogsSource::new(
                    client.clone(),
                    track(Service::CloudWatchLogs, settings.logs_every),
                    settings.log_groups.clone(),
                    &settings.discover_prefix,
                    Arc::clone(&access.identity),
                );
                // Live tail cannot reach an endpoint override (the SDK prefixes its host), and
                // `picket logs` reads a window once.
                let tail = settings.live_tail
                    && settings.target.endpoint_url.is_none()
                    && settings.logs_window.is_none();
                match &settings.logs_window {
                    Some((backfill, pattern)) => {
                        sources.push(Box::new(source.with_window(*backfill, pattern.clone())))
                    }
                    None if tail => sources.push(Box::new(super::tail::LiveTailSource::new(
                        Arc::new(super::tail::AwsTail::new(client)),
                        source,
                        None,
                        Arc::clone(&access.identity),
                    ))),
                    None => sources.push(Box::new(source)),
                }
            }
        }
        sources
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

pub struct Built {
    pub sources: Vec<Box<dyn Source>>,
    pub regions: Vec<String>,
    pub identity: Arc<Identity>,
    pub profile: Option<String>,
    pub plan: Arc<Plan>,
}

/// Builds the sources; fails only when there is no region to watch.
pub async fn build(settings: &Settings, services: Services) -> Result<Built, String> {
    let (plan, identity) = plan(settings, services).await?;
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    match plan.settings.org.mode {
        Mode::Admin => sources.extend(plan.account_sources(&plan.own_access(&identity, None))),
        Mode::Fanout => {}
        Mode::Accounts => {
            for entry in &plan.settings.org.accounts {
                let access = plan.entry_access(entry).await;
                sources.extend(plan.account_sources(&access));
            }
        }
    }
    sources.push(Box::new(OrgSource::new(
        Arc::clone(&plan),
        Arc::clone(&identity),
    )));
    Ok(Built {
        regions: plan.regions.clone(),
        profile: plan.settings.target.profile.clone(),
        sources,
        identity,
        plan,
    })
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
        Budget::new(settings.max_in_flight)
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

/// The organization's account list: names and OU paths for every screen, and in `fanout` the
/// sources of each account it finds. In `accounts` mode the list is the config's.
pub struct OrgSource {
    plan: Arc<Plan>,
    client: aws_sdk_organizations::Client,
    identity: Arc<Identity>,
    track: Track,
    /// Accounts whose sources are running.
    started: HashSet<String>,
    found: Vec<Box<dyn Source>>,
}

impl OrgSource {
    pub fn new(plan: Arc<Plan>, identity: Arc<Identity>) -> OrgSource {
        let client = aws_sdk_organizations::Client::new(&plan.base);
        let every = Duration::from_secs(plan.settings.org.refresh_minutes.max(1) * 60);
        let track = Track::new(
            "unknown",
            "global",
            Service::Organizations,
            plan.settings.target.profile.clone(),
            every,
        )
        .with_budget(Arc::clone(&plan.budget));
        OrgSource {
            plan,
            client,
            identity,
            track,
            started: HashSet::new(),
            found: Vec::new(),
        }
    }

    fn directory(&self, accounts: &[OrgAccount]) -> Vec<crate::model::Account> {
        let org = &self.plan.settings.org;
        accounts.iter().map(|a| org.as_model(a)).collect()
    }

    /// Starts the sources of accounts not yet read.
    async fn fan_out(&mut self, accounts: &[OrgAccount], caller: &Caller) {
        let org: &OrgSettings = &self.plan.settings.org;
        for account in accounts {
            if !account.active || org.excluded(account) || self.started.contains(&account.id) {
                continue;
            }
            let access = if account.id == caller.account {
                self.plan
                    .own_access(&self.identity, Some(account.id.clone()))
            } else {
                let role = org::role_arn(&caller.arn, &account.id, &org.role_name);
                self.plan
                    .assumed_access(&role, Some(account.id.clone()))
                    .await
            };
            self.found.extend(self.plan.account_sources(&access));
            self.started.insert(account.id.clone());
        }
    }

    async fn sweep(&mut self, now: jiff::Timestamp) -> Batch {
        let org = &self.plan.settings.org;
        if org.mode == Mode::Accounts {
            let listed = org.listed_accounts();
            return Batch {
                accounts: self.directory(&listed),
                ..Batch::default()
            };
        }
        let caller = match self.identity.get().await {
            Ok(caller) => caller,
            Err(failure) => {
                return Batch {
                    health: vec![self.track.failed(failure)],
                    ..Batch::default()
                };
            }
        };
        self.track.account = caller.account.clone();
        let identity = Some(crate::model::SafeText::line(&format!(
            "{} · {}",
            caller.account, caller.arn
        )));
        match org::discover(&self.client, &self.track).await {
            Ok(accounts) => {
                if self.plan.settings.org.mode == Mode::Fanout {
                    self.fan_out(&accounts, &caller).await;
                }
                Batch {
                    accounts: self.directory(&accounts),
                    health: vec![self.track.succeeded(now)],
                    identity,
                    ..Batch::default()
                }
            }
            Err(failure) => {
                let fanout = self.plan.settings.org.mode == Mode::Fanout;
                // Without the account list, fan-out still reads the caller's own account.
                if fanout && self.started.insert(caller.account.clone()) {
                    let own = self
                        .plan
                        .own_access(&self.identity, Some(caller.account.clone()));
                    self.found.extend(self.plan.account_sources(&own));
                }
                let consequence = if fanout {
                    "no account list, only this account is read"
                } else {
                    "accounts show as ids"
                };
                let failure =
                    Failure::new(failure.kind, format!("{}; {consequence}", failure.message));
                Batch {
                    health: vec![self.track.failed(failure)],
                    identity,
                    ..Batch::default()
                }
            }
        }
    }
}

impl Source for OrgSource {
    fn name(&self) -> &str {
        "organizations"
    }

    fn feed(&self) -> Feed {
        Feed::Findings
    }

    fn interval(&self) -> Duration {
        if self.plan.settings.org.mode == Mode::Accounts {
            // The list is the config's; nothing to re-read.
            return Duration::from_secs(365 * 24 * 3600);
        }
        self.track.next_delay()
    }

    fn poll(&mut self, now: jiff::Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep(now))
    }

    fn spawned(&mut self) -> Vec<Box<dyn Source>> {
        std::mem::take(&mut self.found)
    }
}

/// One sweep of every source and of every source they find, all at once; for the headless
/// commands.
pub async fn sweep_all(mut sources: Vec<Box<dyn Source>>, now: jiff::Timestamp) -> Vec<Batch> {
    let mut batches = Vec::new();
    while !sources.is_empty() {
        let answers = futures_util::future::join_all(sources.iter_mut().map(|s| s.poll(now))).await;
        batches.extend(answers);
        sources = sources.iter_mut().flat_map(|s| s.spawned()).collect();
    }
    batches
}
