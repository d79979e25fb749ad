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
            sources.push(Box::new(
                GuardDutySource::new(
                    guardduty_client(config, &region, &partition),
                    track(Service::GuardDuty, settings.findings_every),
                    settings.guardduty_archived,
                    Arc::clone(&access.identity),
                )
                .reading(settings.reading)
                .scoped(settings.scale.scope.clone())
                .counting(!settings.reading.sweep)
                .posture(!settings.reading.sweep),
            ));
        }
        if plan.services.securityhub {
            sources.push(Box::new(
                SecurityHubSource::new(
                    securityhub_client(config, &region, &partition),
                    track(Service::SecurityHub, settings.findings_every),
                    settings.securityhub_api,
                    settings.workflow.clone(),
                    // With a feed every change arrives as an event: a full re-read only
                    // reconciles, daily unless configured.
                    if settings.scale.feed.is_empty() {
                        settings.rescan
                    } else {
                        settings.scale.reconcile
                    },
                    Arc::clone(&access.identity),
                )
                .reading(settings.reading)
                .scoped(settings.scale.scope.clone())
                .counting(!settings.reading.sweep)
                .posture(!settings.reading.sweep),
            ));
        }
        if plan.services.logs {
            let client = logs_client(config, &region, &partition);
            let source = LogsSource::new(
                client.clone(),
                track(Service::CloudWatchLogs, settings.logs_every),
                settings.log_groups.clone(),
                &settings.discover_prefix,
                Arc::clone(&access.identity),
            )
            .reading(settings.reading);
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

/// One source per queue of `[feed] queue_url`, in the queue's region (from its URL, else the
/// first region watched), read with the caller's credentials.
pub fn feed_sources(plan: &Plan) -> Vec<Box<dyn Source>> {
    let settings = &plan.settings;
    settings
        .scale
        .feed
        .iter()
        .map(|url| {
            let (region, account) = super::feed::queue_place(url);
            let region = region
                .or_else(|| plan.regions.first().cloned())
                .unwrap_or_else(|| "us-east-1".into());
            let track = Track::new(
                account.as_deref().unwrap_or("unknown"),
                &region,
                Service::Feed,
                settings.target.profile.clone(),
                Duration::ZERO,
            )
            .with_budget(Arc::clone(&plan.budget));
            let client = super::plan::sqs_client(&plan.base, &Region::new(region));
            Box::new(super::feed::FeedSource::new(client, url, track)) as Box<dyn Source>
        })
        .collect()
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
    sources.extend(feed_sources(&plan));
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
                // Without the list, the other accounts' findings are not read at all.
                let left_out = if fanout {
                    vec![format!(
                        "organizations: {}; without the account list only {} was read",
                        failure.message, caller.account
                    )]
                } else {
                    Vec::new()
                };
                let failure =
                    Failure::new(failure.kind, format!("{}; {consequence}", failure.message));
                Batch {
                    health: vec![self.track.failed(failure)],
                    identity,
                    left_out,
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

    fn lists_accounts(&self) -> bool {
        true
    }
}

/// Every batch of a headless sweep of `sources` (see [`sweep`]), collected.
pub async fn sweep_all(sources: Vec<Box<dyn Source>>, _now: jiff::Timestamp) -> Vec<Batch> {
    let mut batches = Vec::new();
    sweep(sources, |batch| {
        batches.push(batch);
        true
    })
    .await;
    batches
}

/// A headless sweep: every source, and every source they find, polled again at once while it
/// says more is coming ([`Batch::more`]) until it has no more. Sources that list accounts go
/// first, so findings are printed with their names; the rest a few at a time
/// ([`crate::limits::SWEEP_SOURCES_AT_ONCE`]), which with the per-poll limits of
/// [`crate::limits::Reading::SWEEP`] bounds what is held at once. `take` gets each batch as it
/// comes and answers whether to go on.
///
/// Answers whether everything was read: false when `take` stopped the sweep with a source
/// still to poll.
pub async fn sweep(sources: Vec<Box<dyn Source>>, mut take: impl FnMut(Batch) -> bool) -> bool {
    let (lists, mut rest): (Vec<_>, Vec<_>) = sources.into_iter().partition(|s| s.lists_accounts());
    let mut found = Vec::new();
    if let Some(left) = drain(lists, usize::MAX, &mut take, Some(&mut found)).await {
        return !left && rest.is_empty() && found.is_empty();
    }
    rest.extend(found);
    let at_once = crate::limits::SWEEP_SOURCES_AT_ONCE;
    drain(rest, at_once, &mut take, None)
        .await
        .is_none_or(|left| !left)
}

/// Polls `sources`, `at_once` at a time, each until it has no more; the sources they find go
/// into `found`, or are polled too. None when everything was read; when `take` stopped it,
/// whether anything was left to poll.
async fn drain(
    sources: Vec<Box<dyn Source>>,
    at_once: usize,
    take: &mut impl FnMut(Batch) -> bool,
    mut found: Option<&mut Vec<Box<dyn Source>>>,
) -> Option<bool> {
    use futures_util::StreamExt;
    async fn poll_once(mut source: Box<dyn Source>) -> (Box<dyn Source>, Batch) {
        let batch = source.poll(jiff::Timestamp::now()).await;
        (source, batch)
    }
    let mut waiting: std::collections::VecDeque<Box<dyn Source>> = sources.into();
    let mut running = futures_util::stream::FuturesUnordered::new();
    loop {
        while running.len() < at_once {
            let Some(source) = waiting.pop_front() else {
                break;
            };
            running.push(poll_once(source));
        }
        // Nothing running is everything read.
        let (mut source, mut batch) = running.next().await?;
        let mut more = batch.more;
        if more && batch.findings.is_empty() && batch.events.is_empty() {
            // A poll that brings nothing cannot be going on from where the last one stopped.
            more = false;
            batch.left_out.push(format!(
                "{}: a poll brought nothing yet said more was coming; stopped reading it",
                source.name()
            ));
        }
        let go_on = take(batch);
        let spawned = source.spawned();
        let spawned_any = !spawned.is_empty();
        match found.as_deref_mut() {
            Some(found) => found.extend(spawned),
            None => waiting.extend(spawned),
        }
        if !go_on {
            return Some(more || spawned_any || !running.is_empty() || !waiting.is_empty());
        }
        if more {
            running.push(poll_once(source));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LogEvent;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Delivers `polls` batches of one event each, saying more is coming until the last;
    /// counts its polls in `polled`.
    struct Paged {
        name: String,
        left: usize,
        polled: Arc<AtomicUsize>,
        empty: bool,
        lists: bool,
    }

    impl Source for Paged {
        fn name(&self) -> &str {
            &self.name
        }
        fn feed(&self) -> Feed {
            Feed::Logs
        }
        fn interval(&self) -> Duration {
            Duration::from_secs(3600)
        }
        fn poll(&mut self, _now: jiff::Timestamp) -> PollFuture<'_> {
            self.polled.fetch_add(1, Ordering::SeqCst);
            self.left = self.left.saturating_sub(1);
            let events = if self.empty {
                Vec::new()
            } else {
                vec![LogEvent::new(
                    jiff::Timestamp::UNIX_EPOCH,
                    "1",
                    "r",
                    &self.name,
                    "s",
                    "x",
                )]
            };
            let more = self.left > 0;
            Box::pin(async move {
                Batch {
                    events,
                    more,
                    ..Batch::default()
                }
            })
        }
        fn lists_accounts(&self) -> bool {
            self.lists
        }
    }

    fn paged(name: &str, polls: usize) -> (Box<dyn Source>, Arc<AtomicUsize>) {
        let polled = Arc::new(AtomicUsize::new(0));
        let source = Paged {
            name: name.into(),
            left: polls,
            polled: Arc::clone(&polled),
            empty: false,
            lists: false,
        };
        (Box::new(source), polled)
    }

    #[tokio::test]
    async fn a_sweep_polls_each_source_until_it_has_no_more() {
        let (a, polled_a) = paged("a", 3);
        let (b, polled_b) = paged("b", 1);
        let mut groups = Vec::new();
        let all = sweep(vec![a, b], |batch| {
            groups.extend(batch.events.iter().map(|e| e.group.to_string()));
            true
        })
        .await;
        assert!(all, "everything read");
        assert_eq!(polled_a.load(Ordering::SeqCst), 3);
        assert_eq!(polled_b.load(Ordering::SeqCst), 1);
        groups.sort();
        assert_eq!(groups, ["a", "a", "a", "b"]);
    }

    #[tokio::test]
    async fn account_lists_go_first_and_a_stop_says_whether_anything_was_left() {
        let polled = Arc::new(AtomicUsize::new(0));
        let lister = Box::new(Paged {
            name: "org".into(),
            left: 1,
            polled: Arc::clone(&polled),
            empty: false,
            lists: true,
        });
        let (a, _) = paged("a", 5);
        let mut order = Vec::new();
        let all = sweep(vec![a, lister], |batch| {
            order.extend(batch.events.iter().map(|e| e.group.to_string()));
            order.len() < 3
        })
        .await;
        assert_eq!(order, ["org", "a", "a"], "the account list first");
        assert!(!all, "stopped with source a still saying more");

        let (b, _) = paged("b", 1);
        let all = sweep(vec![b], |_| false).await;
        assert!(all, "stopped after the last batch there was: nothing left");
    }

    #[tokio::test]
    async fn a_source_that_says_more_but_brings_nothing_is_not_polled_forever() {
        let polled = Arc::new(AtomicUsize::new(0));
        let stuck = Box::new(Paged {
            name: "stuck".into(),
            left: usize::MAX,
            polled: Arc::clone(&polled),
            empty: true,
            lists: false,
        });
        let mut left_out = Vec::new();
        sweep(vec![stuck], |batch| {
            left_out.extend(batch.left_out);
            true
        })
        .await;
        assert_eq!(polled.load(Ordering::SeqCst), 1);
        assert_eq!(
            left_out,
            ["stuck: a poll brought nothing yet said more was coming; stopped reading it"]
        );
    }
}
