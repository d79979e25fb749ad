//! From flags and config to running sources: one per (account, region, service), and one that
//! reads the organization's account list.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use aws_config::Region;

use super::errors::Failure;
use super::guardduty::GuardDutySource;
use super::logs::LogsSource;
use super::org::{self, Mode, OrgAccount, OrgSettings};
use super::plan::{
    Access, Identity, Plan, Services, Settings, guardduty_client, logs_client, plan,
    securityhub_client,
};
use super::securityhub::SecurityHubSource;
use super::{Caller, Track, retry_partition};
use crate::model::health::Service;
use crate::sources::{Batch, Feed, PollFuture, Source};

/// One source per (region, service) of the account.
pub fn account_sources(plan: &Plan, access: &Access) -> Vec<Box<dyn Source>> {
    if let Some(account) = &access.account {
        plan.reach(account, &access.config);
    }
    let settings = &plan.settings;
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
    for region in &plan.regions {
        let track = |service, every| {
            Track::new(account, region, service, access.profile.clone(), every)
                .with_budget(Arc::clone(&plan.budget))
        };
        let region = Region::new(region.clone());
        let config = &access.config;
        if plan.services.guardduty {
            sources.push(Box::new(GuardDutySource::new(
                guardduty_client(config, &region, &partition),
                track(Service::GuardDuty, settings.findings_every),
                settings.guardduty_archived,
                Arc::clone(&access.identity),
            )));
        }
        if plan.services.securityhub {
            sources.push(Box::new(SecurityHubSource::new(
                securityhub_client(config, &region, &partition),
                track(Service::SecurityHub, settings.findings_every),
                settings.securityhub_api,
                settings.workflow.clone(),
                settings.rescan,
                Arc::clone(&access.identity),
            )));
        }
        if plan.services.logs {
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
        Mode::Admin => sources.extend(account_sources(&plan, &plan.own_access(&identity, None))),
        Mode::Fanout => {}
        Mode::Accounts => {
            for entry in &plan.settings.org.accounts {
                let access = plan.entry_access(entry).await;
                sources.extend(account_sources(&plan, &access));
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
            self.found.extend(account_sources(&self.plan, &access));
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
                    self.found.extend(account_sources(&self.plan, &own));
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
