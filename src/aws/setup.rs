//! From flags and config to running sources: one per (account, region, service).

use std::sync::Arc;
use std::time::Duration;

use aws_config::{Region, SdkConfig};
use tokio::sync::Mutex;

use super::budget::Budget;
use super::errors::Failure;
use super::guardduty::GuardDutySource;
use super::logs::LogsSource;
use super::securityhub::{Api, SecurityHubSource};
use super::{Caller, Target, Track, retry_partition, sdk_config};
use crate::model::Workflow;
use crate::model::health::Service;
use crate::sources::Source;

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
    /// Requests in flight at once across every source.
    pub max_in_flight: usize,
}

/// Which services to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Services {
    pub guardduty: bool,
    pub securityhub: bool,
    pub logs: bool,
}

/// Who picket is, asked of STS once and shared by every source (the account keys all health).
pub struct Identity {
    client: aws_sdk_sts::Client,
    known: Mutex<Option<Caller>>,
}

impl Identity {
    pub fn new(config: &SdkConfig) -> Arc<Identity> {
        Self::with_client(aws_sdk_sts::Client::new(config))
    }

    pub fn with_client(client: aws_sdk_sts::Client) -> Arc<Identity> {
        Arc::new(Identity {
            client,
            known: Mutex::new(None),
        })
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
            .map_err(|e| super::classify(&e, "sts:GetCallerIdentity"))?;
        let found = Caller {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
        };
        *known = Some(found.clone());
        Ok(found)
    }
}

pub struct Built {
    pub sources: Vec<Box<dyn Source>>,
    pub regions: Vec<String>,
    pub identity: Arc<Identity>,
    pub profile: Option<String>,
}

/// Builds the sources; fails only when there is no region to watch.
pub async fn build(settings: &Settings, services: Services) -> Result<Built, String> {
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
    let budget = Budget::new(settings.max_in_flight);
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    for region in &regions {
        let track = |service, every| {
            Track::new("unknown", region, service, profile.clone(), every)
                .with_budget(Arc::clone(&budget))
        };
        // One retry partition per account (here: per profile, one account): a throttled
        // account never drains the retry budget of another.
        let partition = retry_partition(profile.as_deref().unwrap_or("default"));
        let region = Region::new(region.clone());
        if services.guardduty {
            let config = aws_sdk_guardduty::config::Builder::from(&base)
                .region(region.clone())
                .retry_partition(partition.clone())
                .build();
            let client = aws_sdk_guardduty::Client::from_conf(config);
            sources.push(Box::new(GuardDutySource::new(
                client,
                track(Service::GuardDuty, settings.findings_every),
                settings.guardduty_archived,
                Arc::clone(&identity),
            )));
        }
        if services.securityhub {
            let config = aws_sdk_securityhub::config::Builder::from(&base)
                .region(region.clone())
                .retry_partition(partition.clone())
                .build();
            sources.push(Box::new(SecurityHubSource::new(
                aws_sdk_securityhub::Client::from_conf(config),
                track(Service::SecurityHub, settings.findings_every),
                settings.securityhub_api,
                settings.workflow.clone(),
                settings.rescan,
                Arc::clone(&identity),
            )));
        }
        if services.logs {
            let config = aws_sdk_cloudwatchlogs::config::Builder::from(&base)
                .region(region.clone())
                .retry_partition(partition.clone())
                .build();
            sources.push(Box::new(LogsSource::new(
                aws_sdk_cloudwatchlogs::Client::from_conf(config),
                track(Service::CloudWatchLogs, settings.logs_every),
                settings.log_groups.clone(),
                &settings.discover_prefix,
                Arc::clone(&identity),
            )));
        }
    }
    Ok(Built {
        sources,
        regions,
        identity,
        profile,
    })
}
