//! More than a poll reads, over TCP (`common::faults`): live, a backlog arrives over the next
//! polls, each finding once, even when all of it shares one update time, and the health says
//! "N read, more coming" until it is through; a headless sweep polls until the sources say
//! nothing more is coming, going on from page tokens, with no news after its first poll; a
//! pivot's search says when it stopped at its limit. The per-poll limits are lowered through
//! `Reading` (the knob the headless commands use) so each case stays small.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::Region;
use jiff::{SignedDuration, Timestamp};

use common::faults::{ACCOUNT, FaultServer, Held, HeldEvent, Hurried, Op, REGION};
use picket::aws::budget::Budget;
use picket::aws::guardduty::GuardDutySource;
use picket::aws::logs::LogsSource;
use picket::aws::plan::{Identity, guardduty_client, logs_client, securityhub_client};
use picket::aws::securityhub::{Api, SecurityHubSource};
use picket::aws::{Target, Track, retry_partition, sdk_config};
use picket::limits::{PerPoll, Reading};
use picket::model::Workflow;
use picket::model::health::{HealthState, Service};
use picket::sources::{Batch, Source};

const HANG: Duration = Duration::from_secs(60);

fn t0() -> Timestamp {
    "2026-01-15T12:00:00Z".parse().expect("time")
}

fn at(seconds: i64) -> Timestamp {
    t0() + SignedDuration::from_secs(seconds)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    GuardDuty,
    SecurityHub,
    Logs,
}

/// `per_poll` items a poll, live or swept.
fn reading(sweep: bool, per_poll: usize) -> Reading {
    Reading {
        sweep,
        per_poll: PerPoll {
            guardduty: per_poll,
            security_hub: per_poll,
            log_events: per_poll,
        },
    }
}

/// A source of `kind` over the fault server, built as picket builds it for an endpoint.
async fn source(kind: Kind, server: &FaultServer, reading: Reading) -> Box<dyn Source> {
    static PARTITIONS: AtomicUsize = AtomicUsize::new(0);
    common::moto::with_test_credentials();
    let target = Target {
        profile: None,
        regions: vec![REGION.into()],
        endpoint_url: Some(server.url()),
        no_retries: false,
    };
    let config = sdk_config(&target, Some(REGION))
        .await
        .to_builder()
        .sleep_impl(Hurried { factor: 1 })
        .build();
    let partition = retry_partition(&format!(
        "backlogs-{}",
        PARTITIONS.fetch_add(1, Ordering::SeqCst)
    ));
    let region = Region::new(REGION);
    let service = match kind {
        Kind::GuardDuty => Service::GuardDuty,
        Kind::SecurityHub => Service::SecurityHub,
        Kind::Logs => Service::CloudWatchLogs,
    };
    let track = Track::new("unknown", REGION, service, None, Duration::from_secs(60))
        .with_budget(Budget::unmetered(32));
    let identity = Identity::new(&config);
    match kind {
        Kind::GuardDuty => Box::new(
            GuardDutySource::new(
                guardduty_client(&config, &region, &partition),
                track,
                false,
                identity,
            )
            .reading(reading),
        ),
        Kind::SecurityHub => Box::new(
            SecurityHubSource::new(
                securityhub_client(&config, &region, &partition),
                track,
                Api::Cspm,
                vec![Workflow::New, Workflow::Notified],
                Duration::from_secs(600),
                identity,
            )
            .reading(reading),
        ),
        Kind::Logs => Box::new(
            LogsSource::new(
                logs_client(&config, &region, &partition),
                track,
                vec!["trail-a".into(), "trail-b".into()],
                "aws-cloudtrail-logs",
                identity,
            )
            .reading(reading),
        ),
    }
}

async fn poll(source: &mut Box<dyn Source>, now: Timestamp) -> Batch {
    tokio::time::timeout(HANG, source.poll(now))
        .await
        .unwrap_or_else(|_| panic!("{} poll hung", source.name()))
}

fn ids(batch: &Batch) -> Vec<String> {
    batch
        .findings
        .iter()
        .map(|f| f.id.to_string())
        .chain(
            batch
                .events
                .iter()
                .filter_map(|e| e.event_id.as_deref().map(str::to_string)),
        )
        .collect()
}

/// `n` findings of `kind`, all updated in the same millisecond, long before `t0`.
fn tied(server: &FaultServer, kind: Kind, n: usize) -> BTreeSet<String> {
    let held = (0..n).map(|i| Held {
        id: format!("tied-{i:04}"),
        updated_at: at(-100_000),
    });
    match kind {
        Kind::GuardDuty => server.add_guardduty(held),
        Kind::SecurityHub => server.add_securityhub(held),
        Kind::Logs => unreachable!("events are not findings"),
    }
    (0..n).map(|i| format!("tied-{i:04}")).collect()
}

/// Live: a backlog of findings sharing one update time, larger than a poll, arrives over the
/// next polls, each once; the health says how much was read while more is coming.
async fn live_backlog_of_tied_findings(kind: Kind, page: usize) {
    let server = FaultServer::start().await;
    server.set_page(page);
    let all = tied(&server, kind, 250);
    let mut source = source(kind, &server, reading(false, 100)).await;
    let mut held: BTreeMap<String, usize> = BTreeMap::new();
    let mut backlogs = Vec::new();
    let mut more = Vec::new();
    for n in 0..4 {
        let batch = poll(&mut source, at(60 * n)).await;
        for id in ids(&batch) {
            *held.entry(id).or_default() += 1;
        }
        let health = &batch.health[0].health;
        assert_eq!(health.state, HealthState::Ok, "{kind:?} poll {n}");
        backlogs.push(health.backlog);
        more.push(batch.more);
    }
    assert_eq!(
        backlogs,
        [Some(100), Some(200), None, None],
        "{kind:?}: N read, more coming, until the backlog is through"
    );
    assert_eq!(more, [true, true, false, false], "{kind:?}");
    let twice: Vec<_> = held.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "{kind:?}: read twice: {twice:?}");
    assert_eq!(
        held.into_keys().collect::<BTreeSet<_>>(),
        all,
        "{kind:?}: everything"
    );
}

#[tokio::test]
async fn guardduty_a_backlog_sharing_one_update_time_arrives_whole_over_the_next_polls() {
    live_backlog_of_tied_findings(Kind::GuardDuty, 50).await;
}

#[tokio::test]
async fn securityhub_a_backlog_sharing_one_update_time_arrives_whole_over_the_next_polls() {
    live_backlog_of_tied_findings(Kind::SecurityHub, 50).await;
}

/// A sweep: polls until the source says no more, each finding once, no news after the first
/// poll, every later request going on from a page token.
async fn sweep_reads_to_the_end(kind: Kind, op: Op) {
    let server = FaultServer::start().await;
    server.set_page(50);
    let all = tied(&server, kind, 230);
    let mut source = source(kind, &server, reading(true, 100)).await;
    let mut read = Vec::new();
    let mut polls = 0;
    loop {
        let batch = poll(&mut source, at(polls)).await;
        polls += 1;
        assert_eq!(batch.health[0].health.state, HealthState::Ok);
        read.extend(ids(&batch));
        if !batch.more {
            break;
        }
        assert!(polls < 10, "{kind:?}: a sweep ends");
    }
    assert_eq!(polls, 3, "{kind:?}: 100, 100, 30");
    assert_eq!(read.len(), all.len(), "{kind:?}: each once");
    assert_eq!(read.into_iter().collect::<BTreeSet<_>>(), all);
    let bodies = server.bodies(op);
    let token = |b: &serde_json::Value| {
        b["NextToken"]
            .as_str()
            .or(b["nextToken"].as_str())
            .map(str::to_string)
    };
    assert!(token(&bodies[0]).is_none(), "the first poll starts afresh");
    assert!(
        bodies[2..].iter().all(|b| token(b).is_some()),
        "{kind:?}: after the first poll, only pages gone on with: {bodies:?}"
    );
}

#[tokio::test]
async fn guardduty_a_sweep_reads_to_the_end_a_poll_at_a_time() {
    sweep_reads_to_the_end(Kind::GuardDuty, Op::ListFindings).await;
}

#[tokio::test]
async fn securityhub_a_sweep_reads_to_the_end_a_poll_at_a_time() {
    sweep_reads_to_the_end(Kind::SecurityHub, Op::GetSecurityHubFindings).await;
}

#[tokio::test]
async fn logs_a_sweep_reads_every_group_window_once_a_poll_at_a_time() {
    let server = FaultServer::start().await;
    server.set_page(100);
    let event = |group: &str, i: usize| HeldEvent {
        group: group.into(),
        id: format!("{group}-{i:04}"),
        at: at(-600) + SignedDuration::from_millis(100 * i as i64),
    };
    server.add_events((0..450).map(|i| event("trail-a", i)));
    server.add_events((0..30).map(|i| event("trail-b", i)));
    let mut source = source(Kind::Logs, &server, reading(true, 200)).await;
    let mut read = Vec::new();
    let mut backlogs = Vec::new();
    loop {
        let batch = poll(&mut source, t0()).await;
        read.extend(ids(&batch));
        backlogs.push(batch.health[0].health.backlog);
        if !batch.more {
            break;
        }
        assert!(backlogs.len() < 10, "a sweep ends");
    }
    assert_eq!(backlogs, [Some(200), Some(400), None]);
    assert_eq!(read.len(), 480, "each event once");
    let distinct: BTreeSet<&String> = read.iter().collect();
    assert_eq!(distinct.len(), 480);
}

/// A pivot reads at most `PIVOT_EVENTS` from the CloudTrail history, and says so when it
/// stops there; below it, it says nothing.
#[tokio::test]
async fn a_pivot_search_says_when_it_stopped_at_its_limit() {
    let server = FaultServer::start().await;
    server.set_page(2_000);
    let limit = picket::limits::PIVOT_EVENTS;
    server.add_events((0..limit + 500).map(|i| HeldEvent {
        group: "trail-a".into(),
        id: format!("e-{i:05}"),
        at: at(-3_000) + SignedDuration::from_millis(100 * i as i64),
    }));
    common::moto::with_test_credentials();
    let settings = picket::aws::plan::Settings {
        target: Target {
            profile: None,
            regions: vec![REGION.into()],
            endpoint_url: Some(server.url()),
            no_retries: true,
        },
        guardduty_archived: false,
        securityhub_api: Api::Cspm,
        workflow: vec![Workflow::New],
        rescan: Duration::from_secs(600),
        findings_every: Duration::from_secs(60),
        logs_every: Duration::from_secs(5),
        log_groups: vec!["trail-a".into()],
        discover_prefix: "aws-cloudtrail-logs".into(),
        logs_window: None,
        live_tail: false,
        max_in_flight: 8,
        org: picket::aws::org::OrgSettings::default(),
        reading: Reading::LIVE,
        scale: Default::default(),
    };
    let services = picket::aws::plan::Services {
        guardduty: false,
        securityhub: false,
        logs: true,
    };
    let (plan, _) = picket::aws::plan::plan(&settings, services)
        .await
        .expect("a plan");
    let search = picket::aws::logs::AwsLogSearch::new(plan);
    let request = |start: Timestamp, end: Timestamp| picket::logs::pivot::PivotRequest {
        finding: "f".into(),
        title: "t".into(),
        account: ACCOUNT.into(),
        region: REGION.into(),
        start,
        end,
        terms: vec!["wire".into()],
        pattern: "?\"wire\"".into(),
    };
    use picket::logs::pivot::LogSearch;
    let everything = request(at(-4_000), t0());
    let found = search.search(&everything).await.expect("searched");
    assert_eq!(
        found.events.len(),
        limit,
        "a page at a time, up to the limit"
    );
    let said = found.left_out.expect("the limit is said");
    assert!(said.contains("stopped at 10,000 events"), "{said}");

    let some = request(at(-4_000), at(-2_990));
    let found = search.search(&some).await.expect("searched");
    assert_eq!(found.events.len(), 101);
    assert_eq!(found.left_out, None, "everything in the window");
}
