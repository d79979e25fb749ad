//! Faults at the wire: GuardDuty, Security Hub and CloudWatch Logs sources talk over TCP to a
//! local server (`common::faults`) that answers like the services, then resets the connection
//! mid-body, answers 500 and 503, throttles, cuts its JSON short, stalls (before the answer or
//! half way through its body), or says the token expired, in the middle of a paginated poll.
//!
//! Each case drives three polls into a real `App`: a clean one, one with the fault, one after
//! it clears. picket stays up; the health cell says what went wrong in words; what was already
//! delivered stays; the next poll brings everything, each finding and event once (counted by
//! id), and the watermark never skips what a failed poll did not receive.
//!
//! The SDK runs with picket's own configuration (`picket::aws::sdk_config`: standard retries,
//! three attempts, 500 ms initial backoff; 20 s attempt and 65 s operation timeouts). Only its
//! clock is hurried (`Hurried`, 50×): retries back off and a stalled attempt times out after the
//! durations picket configures, in a fiftieth of the time. Nothing in these tests sleeps.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::Region;
use jiff::{SignedDuration, Timestamp};

use common::faults::{ACCOUNT, Fault, FaultServer, Held, HeldEvent, Hurried, Op, REGION};
use picket::app::{App, Msg, Options, update};
use picket::aws::budget::Budget;
use picket::aws::guardduty::GuardDutySource;
use picket::aws::logs::LogsSource;
use picket::aws::plan::{Identity, guardduty_client, logs_client, securityhub_client};
use picket::aws::securityhub::{Api, SecurityHubSource};
use picket::aws::{Target, Track, retry_partition, sdk_config};
use picket::model::SafeText;
use picket::model::Workflow;
use picket::model::health::{Health, HealthKey, HealthState, Service};
use picket::sources::{Batch, Feed, Source};

/// How much faster than asked the SDK's timers run.
const HURRY: u32 = 50;
/// A poll that takes longer than this (real time) hangs: the test fails instead of waiting.
const HANG: Duration = Duration::from_secs(30);
const GROUPS: [&str; 2] = ["trail-a", "trail-b"];

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

impl Kind {
    fn service(self) -> Service {
        match self {
            Kind::GuardDuty => Service::GuardDuty,
            Kind::SecurityHub => Service::SecurityHub,
            Kind::Logs => Service::CloudWatchLogs,
        }
    }

    fn feed(self) -> Feed {
        match self {
            Kind::Logs => Feed::Logs,
            _ => Feed::Findings,
        }
    }
}

/// A source of `kind` built the way picket builds it for an endpoint override, over the fault
/// server, feeding a real app.
struct Rig {
    kind: Kind,
    server: FaultServer,
    source: Box<dyn Source>,
    app: App,
}

impl Rig {
    async fn new(kind: Kind) -> Rig {
        Rig::hurried(kind, HURRY).await
    }

    /// With the SDK's timers `factor` times faster than asked (1: real time).
    async fn hurried(kind: Kind, factor: u32) -> Rig {
        static PARTITIONS: AtomicUsize = AtomicUsize::new(0);
        common::moto::with_test_credentials();
        let server = FaultServer::start().await;
        let target = Target {
            profile: None,
            regions: vec![REGION.into()],
            endpoint_url: Some(server.url()),
            no_retries: false,
        };
        let config = sdk_config(&target, Some(REGION))
            .await
            .to_builder()
            .sleep_impl(Hurried { factor })
            .build();
        // Retry partitions (and their retry quota) are process-wide: one per rig keeps the
        // tests of this binary apart, as picket keeps accounts apart.
        let partition = retry_partition(&format!(
            "wire-{}",
            PARTITIONS.fetch_add(1, Ordering::SeqCst)
        ));
        let region = Region::new(REGION);
        // An emulated endpoint has no AWS quotas: picket meters it with the in-flight cap only.
        let track = Track::new(
            "unknown",
            REGION,
            kind.service(),
            Some("wire".into()),
            Duration::from_secs(60),
        )
        .with_budget(Budget::unmetered(32));
        let identity = Identity::new(&config);
        let source: Box<dyn Source> = match kind {
            Kind::GuardDuty => Box::new(GuardDutySource::new(
                guardduty_client(&config, &region, &partition),
                track,
                false,
                identity,
            )),
            Kind::SecurityHub => Box::new(SecurityHubSource::new(
                securityhub_client(&config, &region, &partition),
                track,
                Api::Cspm,
                vec![Workflow::New, Workflow::Notified],
                Duration::from_secs(600),
                identity,
            )),
            Kind::Logs => Box::new(LogsSource::new(
                logs_client(&config, &region, &partition),
                track,
                GROUPS.map(String::from).to_vec(),
                "aws-cloudtrail-logs",
                identity,
            )),
        };
        let app = App::new(Options::default(), t0());
        Rig {
            kind,
            server,
            source,
            app,
        }
    }

    /// Adds `n` findings or events (per group for logs), numbered from `from`, updated in the
    /// minute after `since`.
    fn add(&self, from: usize, n: usize, since: Timestamp) {
        let when = |i: usize| since + SignedDuration::from_secs(5 * (i - from) as i64 + 1);
        match self.kind {
            Kind::GuardDuty => self.server.add_guardduty((from..from + n).map(|i| Held {
                id: format!("gd-{i:03}"),
                updated_at: when(i),
            })),
            Kind::SecurityHub => self.server.add_securityhub((from..from + n).map(|i| Held {
                id: format!("sh-{i:03}"),
                updated_at: when(i),
            })),
            Kind::Logs => {
                for group in GROUPS {
                    self.server.add_events((from..from + n).map(|i| HeldEvent {
                        group: group.into(),
                        id: format!("{group}-{i:03}"),
                        at: when(i),
                    }));
                }
            }
        }
    }

    /// Every id `add(from, n)` put in the world.
    fn ids(&self, from: usize, n: usize) -> BTreeSet<String> {
        let range = from..from + n;
        match self.kind {
            Kind::GuardDuty => range.map(|i| format!("gd-{i:03}")).collect(),
            Kind::SecurityHub => range.map(|i| format!("sh-{i:03}")).collect(),
            Kind::Logs => GROUPS
                .iter()
                .flat_map(|g| range.clone().map(move |i| format!("{g}-{i:03}")))
                .collect(),
        }
    }

    /// One poll at `now`, taken in by the app; fails the test if it hangs.
    async fn poll(&mut self, now: Timestamp) -> Polled {
        let batch = tokio::time::timeout(HANG, self.source.poll(now))
            .await
            .unwrap_or_else(|_| panic!("{:?} poll hung for {HANG:?}", self.kind));
        let delivered = delivered_ids(&batch);
        let reported = batch.health.first().map(|h| h.health.clone());
        update(&mut self.app, Msg::Batch(self.kind.feed(), batch));
        Polled {
            delivered,
            reported,
        }
    }

    /// The health cell the app shows for this source.
    fn cell(&self) -> Health {
        let key = HealthKey {
            account_id: SafeText::line(ACCOUNT),
            region: SafeText::line(REGION),
            service: self.kind.service(),
        };
        self.app
            .health
            .get(&key)
            .cloned()
            .unwrap_or_else(|| panic!("no health cell for {key:?}: {:?}", self.app.health))
    }

    /// How many times the app holds each id: findings in the store, events in the log buffer.
    fn held(&self) -> BTreeMap<String, usize> {
        let ids: Vec<String> = match self.kind {
            Kind::Logs => self
                .app
                .logs
                .buffer
                .events()
                .iter()
                .map(|e| {
                    e.event_id
                        .as_deref()
                        .expect("every fixture event has an id")
                        .to_string()
                })
                .collect(),
            _ => (0..self.app.store.len() as u32)
                .map(|ix| self.app.store.id(ix).to_string())
                .collect(),
        };
        let mut counts = BTreeMap::new();
        for id in ids {
            *counts.entry(id).or_insert(0) += 1;
        }
        counts
    }

    /// Every id held exactly once, and exactly `expected`.
    fn assert_holds_once(&self, expected: &BTreeSet<String>, when: &str) {
        let held = self.held();
        let twice: Vec<_> = held.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "{when}: held more than once: {twice:?}");
        let ids: BTreeSet<String> = held.into_keys().collect();
        assert_eq!(&ids, expected, "{when}: what the app holds");
    }
}

struct Polled {
    delivered: Vec<String>,
    reported: Option<Health>,
}

fn delivered_ids(batch: &Batch) -> Vec<String> {
    batch
        .findings
        .iter()
        .map(|f| f.id.as_str().to_string())
        .chain(
            batch
                .events
                .iter()
                .filter_map(|e| e.event_id.as_deref().map(str::to_string)),
        )
        .collect()
}

/// What a fault must turn the health cell into (after a successful poll), words the message
/// must hold, and how many requests the SDK makes for the failing call.
fn expected(fault: Fault) -> (HealthState, &'static [&'static str], usize) {
    match fault {
        Fault::Reset => (HealthState::Stale, &["connection broke off mid-answer"], 3),
        Fault::Status(500) => (HealthState::Stale, &["AWS failed to answer (HTTP 500"], 3),
        Fault::Status(503) => (HealthState::Stale, &["AWS failed to answer (HTTP 503"], 3),
        Fault::Status(_) => (HealthState::Stale, &["AWS failed to answer (HTTP 502)"], 3),
        Fault::Throttle => (HealthState::Throttled, &["throttled"], 3),
        // A well-formed answer that does not parse is not retried: asking again gets the same.
        Fault::Truncated => (HealthState::Error, &["the answer could not be read"], 1),
        Fault::Stall | Fault::StallMidBody => (HealthState::Stale, &["timed out"], 3),
        Fault::ExpiredToken => (
            HealthState::Error,
            &["ExpiredTokenException", "aws sso login --profile wire"],
            1,
        ),
        Fault::Said(..) => unreachable!("each error AWS says is a case of tests/first_contact.rs"),
    }
}

/// One case: a clean poll, `fault` on `op` after `pass` of its requests were answered, then a
/// poll after the fault clears.
async fn case(kind: Kind, op: Op, pass: usize, fault: Fault) {
    let mut rig = Rig::new(kind).await;
    rig.add(1, 5, at(-600));
    let first = rig.ids(1, 5);

    let clean = rig.poll(t0()).await;
    assert_eq!(rig.cell().state, HealthState::Ok, "{kind:?} first poll");
    assert!(clean.delivered.len() >= first.len());
    rig.assert_holds_once(&first, "after the first poll");

    // New data arrives; the next poll meets the fault part way through.
    rig.add(6, 5, at(9));
    rig.server.fail_after(op, pass, fault);
    let before = rig.server.calls(op);
    let failed = rig.poll(at(60)).await;
    let attempts = rig.server.faulted(op);
    let cell = rig.cell();
    let message = cell.message.as_deref().unwrap_or("").to_string();
    eprintln!(
        "OUTCOME {kind:?} {fault:?} on {op:?} after {pass}: {} \"{message}\"; {} requests, {attempts} faulted; {} delivered during the fault; {} held",
        cell.state,
        rig.server.calls(op) - before,
        failed.delivered.len(),
        rig.held().len(),
    );
    let (state, words, tries) = expected(fault);
    assert_eq!(cell.state, state, "{kind:?} {fault:?}: {message}");
    assert_eq!(failed.reported.map(|h| h.state), Some(state));
    for word in words {
        assert!(
            message.contains(word),
            "{kind:?} {fault:?}: the message says {word:?}: {message}"
        );
    }
    assert_eq!(
        attempts, tries,
        "{kind:?} {fault:?}: attempts at the failing call"
    );
    assert_eq!(
        cell.last_success,
        Some(t0()),
        "the cell still says when the data was last current"
    );
    // What was delivered stays; anything delivered during the fault is real and held once.
    let held: BTreeSet<String> = rig.held().into_keys().collect();
    assert!(
        held.is_superset(&first),
        "{kind:?} {fault:?}: the findings already shown stay"
    );
    let all: BTreeSet<String> = first.union(&rig.ids(6, 5)).cloned().collect();
    rig.assert_holds_once(
        &held.intersection(&all).cloned().collect(),
        "during the fault",
    );

    rig.server.clear();
    let recovered = rig.poll(at(120)).await;
    assert_eq!(
        (rig.cell().state, rig.cell().message.clone()),
        (HealthState::Ok, None),
        "{kind:?} {fault:?}: current again"
    );
    assert_eq!(rig.cell().last_success, Some(at(120)));
    assert!(!recovered.delivered.is_empty());
    rig.assert_holds_once(&all, "after the fault cleared");
}

macro_rules! cases {
    ($($name:ident: $kind:expr, $op:expr, $pass:expr, $fault:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                case($kind, $op, $pass, $fault).await;
            }
        )*
    };
}

macro_rules! cases_first {
    ($($name:ident: $kind:expr, $op:expr, $fault:expr;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                first_poll_case($kind, $op, $fault).await;
            }
        )*
    };
}

cases! {
    guardduty_list_page_2_reset: Kind::GuardDuty, Op::ListFindings, 1, Fault::Reset;
    guardduty_list_page_2_http_500: Kind::GuardDuty, Op::ListFindings, 1, Fault::Status(500);
    guardduty_list_page_2_http_503: Kind::GuardDuty, Op::ListFindings, 1, Fault::Status(503);
    guardduty_list_page_2_http_502_from_a_proxy: Kind::GuardDuty, Op::ListFindings, 1, Fault::Status(502);
    guardduty_list_page_2_throttled: Kind::GuardDuty, Op::ListFindings, 1, Fault::Throttle;
    guardduty_list_page_2_truncated: Kind::GuardDuty, Op::ListFindings, 1, Fault::Truncated;
    guardduty_list_page_2_stall: Kind::GuardDuty, Op::ListFindings, 1, Fault::Stall;
    guardduty_list_page_2_stall_mid_body: Kind::GuardDuty, Op::ListFindings, 1, Fault::StallMidBody;
    guardduty_list_page_2_expired_token: Kind::GuardDuty, Op::ListFindings, 1, Fault::ExpiredToken;
    guardduty_get_findings_reset: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::Reset;
    guardduty_get_findings_http_500: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::Status(500);
    guardduty_get_findings_http_503: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::Status(503);
    guardduty_get_findings_throttled: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::Throttle;
    guardduty_get_findings_truncated: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::Truncated;
    guardduty_get_findings_stall: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::Stall;
    guardduty_get_findings_stall_mid_body: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::StallMidBody;
    guardduty_get_findings_expired_token: Kind::GuardDuty, Op::GetGuardDutyFindings, 0, Fault::ExpiredToken;
    securityhub_page_2_reset: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Reset;
    securityhub_page_2_http_500: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Status(500);
    securityhub_page_2_http_503: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Status(503);
    securityhub_page_2_http_502_from_a_proxy: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Status(502);
    securityhub_page_2_throttled: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Throttle;
    securityhub_page_2_truncated: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Truncated;
    securityhub_page_2_stall: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::Stall;
    securityhub_page_2_stall_mid_body: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::StallMidBody;
    securityhub_page_2_expired_token: Kind::SecurityHub, Op::GetSecurityHubFindings, 1, Fault::ExpiredToken;
    logs_page_2_reset: Kind::Logs, Op::FilterLogEvents, 1, Fault::Reset;
    logs_page_2_http_500: Kind::Logs, Op::FilterLogEvents, 1, Fault::Status(500);
    logs_page_2_http_503: Kind::Logs, Op::FilterLogEvents, 1, Fault::Status(503);
    logs_page_2_http_502_from_a_proxy: Kind::Logs, Op::FilterLogEvents, 1, Fault::Status(502);
    logs_page_2_throttled: Kind::Logs, Op::FilterLogEvents, 1, Fault::Throttle;
    logs_page_2_truncated: Kind::Logs, Op::FilterLogEvents, 1, Fault::Truncated;
    logs_page_2_stall: Kind::Logs, Op::FilterLogEvents, 1, Fault::Stall;
    logs_page_2_stall_mid_body: Kind::Logs, Op::FilterLogEvents, 1, Fault::StallMidBody;
    logs_page_2_expired_token: Kind::Logs, Op::FilterLogEvents, 1, Fault::ExpiredToken;
    logs_second_group_reset: Kind::Logs, Op::FilterLogEvents, 3, Fault::Reset;
    logs_second_group_stall: Kind::Logs, Op::FilterLogEvents, 3, Fault::Stall;
}

/// A fault on a source's very first poll: nothing to be stale, so an outage is an error; the
/// next poll brings everything once.
async fn first_poll_case(kind: Kind, op: Op, fault: Fault) {
    let mut rig = Rig::new(kind).await;
    rig.add(1, 5, at(-600));
    rig.server.fail_after(op, 0, fault);
    let failed = rig.poll(t0()).await;
    let cell = rig.cell_or_caller();
    let message = cell.message.as_deref().unwrap_or("").to_string();
    eprintln!(
        "OUTCOME first poll {kind:?} {fault:?} on {op:?}: {} \"{message}\"; {} faulted",
        cell.state,
        rig.server.faulted(op)
    );
    let (after_success, words, tries) = expected(fault);
    let state = match after_success {
        HealthState::Stale => HealthState::Error,
        other => other,
    };
    assert_eq!(cell.state, state, "{kind:?} {fault:?}: {message}");
    assert_eq!(cell.last_success, None);
    for word in words {
        let word = word.replace("ExpiredTokenException", "ExpiredToken");
        assert!(
            message.contains(&word),
            "{kind:?} {fault:?}: the message says {word:?}: {message}"
        );
    }
    assert_eq!(
        rig.server.faulted(op),
        tries,
        "attempts at the failing call"
    );
    assert!(failed.delivered.is_empty());
    assert!(rig.held().is_empty());

    rig.server.clear();
    rig.poll(at(60)).await;
    assert_eq!(rig.cell().state, HealthState::Ok, "{kind:?} {fault:?}");
    rig.assert_holds_once(&rig.ids(1, 5), "after the fault cleared");
}

impl Rig {
    /// The cell of this source; before STS has said who the caller is, the source's account is
    /// still "unknown".
    fn cell_or_caller(&self) -> Health {
        let unknown = HealthKey {
            account_id: SafeText::line("unknown"),
            region: SafeText::line(REGION),
            service: self.kind.service(),
        };
        match self.app.health.get(&unknown) {
            Some(health) => health.clone(),
            None => self.cell(),
        }
    }
}

cases_first! {
    guardduty_first_poll_http_503: Kind::GuardDuty, Op::ListFindings, Fault::Status(503);
    guardduty_first_poll_identity_reset: Kind::GuardDuty, Op::CallerIdentity, Fault::Reset;
    guardduty_first_poll_identity_stall: Kind::GuardDuty, Op::CallerIdentity, Fault::Stall;
    guardduty_first_poll_identity_expired: Kind::GuardDuty, Op::CallerIdentity, Fault::ExpiredToken;
    securityhub_first_poll_http_503: Kind::SecurityHub, Op::GetSecurityHubFindings, Fault::Status(503);
    securityhub_first_poll_truncated: Kind::SecurityHub, Op::GetSecurityHubFindings, Fault::Truncated;
    securityhub_first_poll_identity_throttled: Kind::SecurityHub, Op::CallerIdentity, Fault::Throttle;
    logs_first_poll_stall: Kind::Logs, Op::FilterLogEvents, Fault::Stall;
    logs_first_poll_throttled: Kind::Logs, Op::FilterLogEvents, Fault::Throttle;
    logs_first_poll_identity_expired: Kind::Logs, Op::CallerIdentity, Fault::ExpiredToken;
}

/// A poll stops at 10,000 events; the next one goes on from the page where it stopped, so the
/// watermark never passes events not received.
#[tokio::test]
async fn logs_a_poll_cut_short_by_its_limit_goes_on_where_it_stopped() {
    // No fault here: real-time timeouts, so 10,000 events in a debug build never race them.
    let mut rig = Rig::hurried(Kind::Logs, 1).await;
    rig.server.set_page(1_000);
    let busy: Vec<HeldEvent> = (0..10_500)
        .map(|i| HeldEvent {
            group: GROUPS[0].into(),
            id: format!("busy-{i:05}"),
            at: at(-600) + SignedDuration::from_millis(50 * i),
        })
        .collect();
    let mut all: BTreeSet<String> = busy.iter().map(|e| e.id.clone()).collect();
    rig.server.add_events(busy);
    rig.server.add_events((0..3).map(|i| HeldEvent {
        group: GROUPS[1].into(),
        id: format!("quiet-{i}"),
        at: at(-300 + i),
    }));
    all.extend((0..3).map(|i| format!("quiet-{i}")));

    let first = rig.poll(t0()).await;
    assert_eq!(first.delivered.len(), 10_000, "one poll's worth");
    assert_eq!(rig.cell().state, HealthState::Ok);
    let second = rig.poll(at(5)).await;
    assert_eq!(
        second.delivered.len(),
        503,
        "the rest of the busy group, and the quiet one"
    );
    rig.assert_holds_once(&all, "after the second poll");
    let bodies = rig.server.bodies(Op::FilterLogEvents);
    let resumed = &bodies[10];
    assert_eq!(
        (
            resumed["logGroupName"].as_str(),
            resumed["nextToken"].as_str(),
            resumed["startTime"].as_i64(),
            resumed["endTime"].as_i64()
        ),
        (
            Some(GROUPS[0]),
            Some("10000"),
            Some((t0() - SignedDuration::from_mins(15)).as_millisecond()),
            Some(t0().as_millisecond())
        ),
        "the cut window goes on from its token"
    );

    let third = rig.poll(at(10)).await;
    assert!(third.delivered.is_empty(), "{:?}", third.delivered.len());
    let last = rig.server.bodies(Op::FilterLogEvents);
    let busy_window = last
        .iter()
        .rev()
        .find(|b| b["logGroupName"] == GROUPS[0])
        .expect("the busy group was read");
    assert_eq!(
        busy_window["startTime"].as_i64(),
        Some((t0() - SignedDuration::from_secs(60)).as_millisecond()),
        "once read through, the group's watermark is the end of the cut window"
    );
}

/// More findings than one poll lists: the first poll brings the newest 5,000, the next the
/// older rest and whatever is new, each once.
#[tokio::test]
async fn guardduty_a_backlog_over_the_poll_limit_arrives_over_the_next_polls() {
    let mut rig = Rig::hurried(Kind::GuardDuty, 1).await;
    rig.server.set_page(picket::aws::guardduty::PAGE);
    let limit = picket::aws::guardduty::MAX_PER_POLL;
    let backlog = limit + 120;
    rig.server.add_guardduty((0..backlog).map(|i| Held {
        id: format!("old-{i:05}"),
        // A second apart, some sharing a millisecond with the next.
        updated_at: at(-100_000) + SignedDuration::from_secs((i / 2 * 2) as i64),
    }));
    let first = rig.poll(t0()).await;
    assert_eq!(first.delivered.len(), limit, "the newest poll's worth");
    assert!(first.delivered.contains(&format!("old-{:05}", backlog - 1)));
    assert!(!first.delivered.contains(&"old-00000".to_string()));

    rig.add(1, 3, at(10));
    let second = rig.poll(at(60)).await;
    assert_eq!(rig.cell().state, HealthState::Ok);
    let mut all: BTreeSet<String> = (0..backlog).map(|i| format!("old-{i:05}")).collect();
    all.extend(rig.ids(1, 3));
    rig.assert_holds_once(&all, "after the second poll");
    for new in rig.ids(1, 3) {
        assert!(second.delivered.contains(&new), "news first: {new}");
    }

    let third = rig.poll(at(120)).await;
    let lists = rig.server.bodies(Op::ListFindings);
    let last = lists.last().expect("listed");
    assert_eq!(
        last["findingCriteria"]["criterion"]["updatedAt"]["lessThanOrEqual"],
        serde_json::Value::Null,
        "no gap left: only news is asked for"
    );
    assert!(third.delivered.len() <= 3, "the overlap at most");
    rig.assert_holds_once(&all, "after the third poll");
}

/// Security Hub's poll limit is 20,000: a larger set arrives over the next polls, each finding
/// once, and the full re-read waits until the backlog is read through.
#[tokio::test]
async fn securityhub_a_backlog_over_the_poll_limit_arrives_over_the_next_polls() {
    let mut rig = Rig::hurried(Kind::SecurityHub, 1).await;
    rig.server.set_page(100);
    let limit = picket::aws::securityhub::MAX_PER_POLL;
    let backlog = limit + 150;
    rig.server.add_securityhub((0..backlog).map(|i| Held {
        id: format!("old-{i:05}"),
        updated_at: at(-100_000) + SignedDuration::from_secs((i / 2 * 2) as i64),
    }));
    let first = rig.poll(t0()).await;
    assert_eq!(first.delivered.len(), limit, "the newest poll's worth");
    assert!(!first.delivered.contains(&"old-00000".to_string()));

    rig.add(1, 3, at(10));
    let second = rig.poll(at(60)).await;
    assert_eq!(rig.cell().state, HealthState::Ok);
    let mut all: BTreeSet<String> = (0..backlog).map(|i| format!("old-{i:05}")).collect();
    all.extend(rig.ids(1, 3));
    rig.assert_holds_once(&all, "after the second poll");
    for new in rig.ids(1, 3) {
        assert!(second.delivered.contains(&new), "news first: {new}");
    }
    let asked = rig.server.bodies(Op::GetSecurityHubFindings);
    let resumed = asked
        .iter()
        .find(|b| b["NextToken"] == "20000")
        .expect("the backlog is read on from where the first poll stopped");
    assert_eq!(
        resumed["Filters"]["UpdatedAt"],
        serde_json::Value::Null,
        "with the query its token came from: the first poll's full read"
    );
}
