//! The embedded demo organization: nine accounts in four OUs across four regions, GuardDuty and
//! Security Hub findings and a CloudTrail stream, all simulated offline.
//!
//! Records are generated as the AWS APIs deliver them (GuardDuty camelCase JSON, ASFF, CloudTrail
//! records) and go through the same mappers as real data. Everything is drawn from one seeded
//! generator per source, so the same seed and the same poll times give the same output.

mod backend;
mod guardduty;
mod hostile;
mod logs;
mod org;
mod posture;
mod securityhub;
mod trail;

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
use crate::model::{Account, Finding, SafeText, asff};
use crate::sources::{Batch, Feed, PollFuture, Source};
pub use backend::{DEMO_PRINCIPAL, DemoBackend, demo_outcome};
pub use logs::DemoTrail;
pub use org::{ACCOUNTS, REGIONS};
pub use trail::GROUP as TRAIL_GROUP;

/// What the title bar calls the demo organization.
pub fn label(seed: u64) -> String {
    format!("demo organization · seed {seed}")
}

/// Findings in the initial population.
const INITIAL_GUARDDUTY: usize = 220;
const INITIAL_SECURITY_HUB: usize = 180;
/// Mean seconds between new findings, and between recurrences of existing ones.
const ARRIVAL_MEAN_SECS: f64 = 4.0;
const RECURRENCE_MEAN_SECS: f64 = 6.0;
/// Most findings one poll delivers after a long pause.
const MAX_PER_POLL: usize = 20;
/// Findings remembered for recurrences.
const KEPT_FOR_RECURRENCE: usize = 5_000;
/// CloudTrail events per second, and what the first poll backfills.
const TRAIL_RATE: f64 = 2.0;
const TRAIL_BACKFILL: SignedDuration = SignedDuration::from_mins(15);
const TRAIL_MAX_PER_POLL: usize = 500;
const TRAIL_MAX_BACKFILL: usize = 2_000;

/// How many findings accounts get, relative to each other (production sees the most traffic).
const ACCOUNT_WEIGHTS: [u32; 9] = [1, 1, 3, 4, 3, 2, 2, 2, 2];

pub struct DemoOrg {
    seed: u64,
    accounts: Vec<Account>,
    /// Actions the demo backend accepted, not yet written into the generated records, and the
    /// suppression rules in force: the organization keeps what the analyst did.
    ledger: std::sync::Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    pending: Vec<(String, crate::actions::Action)>,
    rules: Vec<Value>,
}

impl DemoOrg {
    pub fn new(seed: u64) -> Arc<DemoOrg> {
        Arc::new(DemoOrg {
            seed,
            accounts: org::accounts(),
            ledger: Default::default(),
        })
    }

    /// Records an accepted action on `finding`, as AWS would keep it.
    pub fn record(&self, finding: &str, action: &crate::actions::Action) {
        let Ok(mut ledger) = self.ledger.lock() else {
            return;
        };
        match action {
            crate::actions::Action::Suppress { rule } => {
                if !ledger.rules.contains(&rule.criteria) {
                    ledger.rules.push(rule.criteria.clone());
                }
            }
            other => ledger.pending.push((finding.to_string(), other.clone())),
        }
    }

    fn take_pending(&self) -> (Vec<(String, crate::actions::Action)>, Vec<Value>) {
        match self.ledger.lock() {
            Ok(mut ledger) => (std::mem::take(&mut ledger.pending), ledger.rules.clone()),
            Err(_) => Default::default(),
        }
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    pub fn regions(&self) -> &[&'static str] {
        REGIONS
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// Everything a generator needs to place one finding.
pub(crate) struct Scene<'a> {
    pub rng: &'a mut fastrand::Rng,
    pub account: &'static org::DemoAccount,
    pub region: &'static str,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u64,
    pub archived: bool,
    pub sample: bool,
    pub hostile: Option<hostile::Spot>,
    /// Unique per finding within a seed.
    pub serial: u64,
    pub seed: u64,
}

fn aws_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.%3fZ").to_string()
}

impl Scene<'_> {
    pub fn first_text(&self) -> String {
        aws_time(self.first)
    }

    pub fn last_text(&self) -> String {
        aws_time(self.last)
    }

    /// 32 hex digits, unique per (seed, serial).
    pub fn finding_id(&self) -> String {
        format!(
            "{:016x}{:016x}",
            org::mix(self.seed ^ 0x5EED),
            org::mix(self.serial.wrapping_add(self.seed << 32))
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Product {
    GuardDuty,
    SecurityHub,
}

/// A generated record and how to map it.
struct Kept {
    record: Value,
    product: Product,
}

impl Kept {
    /// The finding's id, as picket knows it.
    fn id(&self) -> Option<&str> {
        let key = match self.product {
            Product::GuardDuty => "id",
            Product::SecurityHub => "Id",
        };
        self.record.get(key).and_then(Value::as_str)
    }

    /// What an accepted action changes in the record.
    fn apply(&mut self, action: &crate::actions::Action, at: &str) {
        use crate::actions::Action;
        let record = &mut self.record;
        match (self.product, action) {
            (Product::GuardDuty, Action::Archive) => record["service"]["archived"] = json!(true),
            (Product::GuardDuty, Action::Unarchive) => record["service"]["archived"] = json!(false),
            (Product::GuardDuty, Action::Feedback { useful, .. }) => {
                record["service"]["userFeedback"] =
                    json!(if *useful { "USEFUL" } else { "NOT_USEFUL" });
            }
            (Product::GuardDuty, Action::ResolveFalsePositive { .. }) => {
                record["service"]["archived"] = json!(true);
                record["service"]["userFeedback"] = json!("NOT_USEFUL");
            }
            (Product::GuardDuty, Action::Reinstate { archived, .. }) => {
                record["service"]["archived"] = json!(archived);
            }
            (Product::SecurityHub, Action::ResolveFalsePositive { note }) => {
                let text = crate::actions::false_positive_note(note);
                record["Workflow"] = json!({"Status": "RESOLVED"});
                record["VerificationState"] = json!("FALSE_POSITIVE");
                record["Note"] = json!({"Text": text, "UpdatedBy": "picket", "UpdatedAt": at});
            }
            (
                Product::SecurityHub,
                Action::Reinstate {
                    workflow,
                    verification,
                    ..
                },
            ) => {
                record["Workflow"] = json!({"Status": workflow.as_str()});
                record["VerificationState"] = json!(verification.as_str());
                record["Note"] = json!({"Text": crate::actions::UNDO_NOTE, "UpdatedBy": "picket", "UpdatedAt": at});
            }
            (
                Product::SecurityHub,
                Action::SetWorkflow {
                    status,
                    note,
                    disposition,
                },
            ) => {
                record["Workflow"] = json!({"Status": status.as_str()});
                if let Some(text) = note {
                    record["Note"] = json!({"Text": text, "UpdatedBy": "picket", "UpdatedAt": at});
                }
                if let Some(d) = disposition {
                    // As Security Hub keeps them: the other keys stay, picket's are replaced.
                    let existing = record
                        .get("UserDefinedFields")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    record["UserDefinedFields"] =
                        Value::Object(crate::model::disposition::merged_fields(&existing, d));
                    if let Some(state) = crate::model::finding::Verification::of_reason(d.reason) {
                        record["VerificationState"] = json!(state.as_str());
                    }
                }
            }
            (Product::SecurityHub, Action::AddNote { text }) => {
                record["Note"] = json!({"Text": text, "UpdatedBy": "picket", "UpdatedAt": at});
            }
            (Product::SecurityHub, Action::SetVerification { state }) => {
                record["VerificationState"] = json!(state.as_str());
            }
            (Product::SecurityHub, Action::SetSeverity { label }) => {
                record["Severity"]["Label"] = json!(label.as_str());
                record["Severity"]["Normalized"] = json!(label.floor());
            }
            _ => return,
        }
        // As in AWS: an analyst's update moves ProcessedAt (Security Hub) or updatedAt
        // (GuardDuty), so the change is newer than the copy picket holds.
        match self.product {
            Product::GuardDuty => record["updatedAt"] = json!(at),
            Product::SecurityHub => record["ProcessedAt"] = json!(at),
        }
    }

    /// The record as EventBridge delivers it to a queue: a `GuardDuty Finding` event, or a
    /// `Security Hub Findings - Imported` event (sent for every import and every update).
    fn event(&self, serial: u64, at: &str) -> String {
        let text = |key: &str| self.record.get(key).and_then(Value::as_str).unwrap_or("");
        let (source, kind, account, region, detail) = match self.product {
            Product::GuardDuty => (
                "aws.guardduty",
                "GuardDuty Finding",
                text("accountId"),
                text("region"),
                self.record.clone(),
            ),
            Product::SecurityHub => (
                "aws.securityhub",
                "Security Hub Findings - Imported",
                text("AwsAccountId"),
                text("Region"),
                json!({"findings": [self.record]}),
            ),
        };
        json!({
            "version": "0", "id": format!("00000000-0000-4000-8000-{serial:012x}"),
            "detail-type": kind, "source": source, "account": account, "time": at,
            "region": region, "resources": [], "detail": detail,
        })
        .to_string()
    }

    fn map(&self) -> Option<Finding> {
        let mapped = match self.product {
            Product::GuardDuty => crate::model::guardduty::map_finding(&self.record),
            Product::SecurityHub => asff::map_finding(&self.record),
        };
        mapped.ok()
    }
}

/// Draws findings for one seed; used by the live source and by benchmarks.
struct Generator {
    rng: fastrand::Rng,
    seed: u64,
    serial: u64,
}

enum What {
    GuardDuty(&'static guardduty::Template),
    SecurityHub(securityhub::Kind),
}

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator {
            rng: fastrand::Rng::with_seed(seed ^ 0xF1D1_0001),
            seed,
            serial: 0,
        }
    }

    fn place(&mut self, guardduty: bool) -> (&'static org::DemoAccount, &'static str) {
        let total: u32 = ACCOUNT_WEIGHTS.iter().sum();
        loop {
            let mut n = self.rng.u32(..total);
            let mut index = 0;
            for (i, w) in ACCOUNT_WEIGHTS.iter().enumerate() {
                if n < *w {
                    index = i;
                    break;
                }
                n -= w;
            }
            let account = &org::ACCOUNTS[index];
            let region = account.regions[self.rng.usize(..account.regions.len())];
            if !(guardduty && (account.name, region) == org::GUARDDUTY_OFF) {
                return (account, region);
            }
        }
    }

    /// One record first seen at `first` and last seen at `last`.
    fn make(
        &mut self,
        what: What,
        first: Timestamp,
        last: Timestamp,
        hostile: Option<hostile::Spot>,
    ) -> Kept {
        self.serial += 1;
        let is_guardduty = matches!(what, What::GuardDuty(_));
        let (account, region) = self.place(is_guardduty);
        let count = if last > first {
            1 + u64::from(self.rng.u8(..12)) * u64::from(self.rng.u8(..3))
        } else {
            1
        };
        let archived = is_guardduty && self.rng.u8(..40) == 0;
        let sample = is_guardduty && self.rng.u8(..60) == 0;
        let mut scene = Scene {
            rng: &mut self.rng,
            account,
            region,
            first,
            last,
            count,
            archived,
            sample,
            hostile,
            serial: self.serial,
            seed: self.seed,
        };
        match what {
            What::GuardDuty(template) => Kept {
                record: guardduty::finding(template, &mut scene),
                product: Product::GuardDuty,
            },
            What::SecurityHub(kind) => Kept {
                record: securityhub::finding(kind, &mut scene),
                product: Product::SecurityHub,
            },
        }
    }

    /// A time in the past: one finding in twelve in the last hour, the rest over two weeks.
    fn past(&mut self, now: Timestamp) -> (Timestamp, Timestamp) {
        let age_secs = if self.rng.u8(..12) == 0 {
            self.rng.i64(60..3_600)
        } else {
            self.rng.i64(3_600..14 * 86_400)
        };
        let first = now - SignedDuration::from_secs(age_secs);
        let seen_for = if self.rng.bool() {
            0
        } else {
            self.rng.i64(0..age_secs)
        };
        (first, first + SignedDuration::from_secs(seen_for))
    }

    fn random_what(&mut self, guardduty: bool) -> What {
        if guardduty {
            What::GuardDuty(guardduty::pick(&mut self.rng))
        } else {
            What::SecurityHub(securityhub::pick(&mut self.rng))
        }
    }

    /// The initial population: every GuardDuty type, every control and product, the hostile
    /// records, then random findings up to the target counts.
    fn population(
        &mut self,
        now: Timestamp,
        guardduty_total: usize,
        security_hub_total: usize,
    ) -> Vec<Kept> {
        let mut out = Vec::with_capacity(guardduty_total + security_hub_total);
        let mut planned: Vec<(What, Option<hostile::Spot>)> = Vec::new();
        for template in guardduty::TEMPLATES {
            planned.push((What::GuardDuty(template), None));
        }
        planned.push((
            What::GuardDuty(&guardduty::TEMPLATES[2]),
            Some(hostile::Spot::InstanceTag),
        ));
        planned.push((
            What::GuardDuty(&guardduty::TEMPLATES[14]),
            Some(hostile::Spot::UserAgent),
        ));
        for i in 0..securityhub::CONTROLS.len() {
            planned.push((What::SecurityHub(securityhub::Kind::Control(i)), None));
        }
        for kind in [
            securityhub::Kind::Inspector,
            securityhub::Kind::Macie,
            securityhub::Kind::AccessAnalyzer,
            securityhub::Kind::ThirdParty,
        ] {
            planned.push((What::SecurityHub(kind), None));
        }
        let planned_gd = planned
            .iter()
            .filter(|(w, _)| matches!(w, What::GuardDuty(_)))
            .count();
        let planned_sh = planned.len() - planned_gd;
        for _ in planned_gd..guardduty_total {
            let what = self.random_what(true);
            planned.push((what, None));
        }
        for _ in planned_sh..security_hub_total {
            let what = self.random_what(false);
            planned.push((what, None));
        }
        for (what, hostile) in planned {
            let (first, last) = self.past(now);
            // About one random instance finding in a hundred has a hostile tag too.
            let hostile =
                hostile.or_else(|| (self.rng.u8(..100) == 0).then_some(hostile::Spot::InstanceTag));
            out.push(self.make(what, first, last, hostile));
        }
        link_sequences(&mut out);
        dispose(&mut out, now);
        out
    }
}

/// Points each attack sequence's finding signals at GuardDuty findings of its own account and
/// region (the earliest first, as GuardDuty builds a sequence from what came before), so the
/// incidents view finds its members as it would in a real organization.
fn link_sequences(kept: &mut [Kept]) {
    let text =
        |record: &Value, key: &str| record.get(key).and_then(Value::as_str).map(str::to_string);
    let place = |record: &Value| (text(record, "accountId"), text(record, "region"));
    let sequences: Vec<usize> = (0..kept.len())
        .filter(|&i| {
            kept[i].product == Product::GuardDuty
                && text(&kept[i].record, "type").is_some_and(|t| t.starts_with("AttackSequence:"))
        })
        .collect();
    for i in sequences {
        let here = place(&kept[i].record);
        let mut members: Vec<&Value> = kept
            .iter()
            .map(|k| &k.record)
            .filter(|r| {
                place(r) == here
                    && text(r, "type").is_some_and(|t| !t.starts_with("AttackSequence:"))
                    && r.pointer("/service/archived") != Some(&json!(true))
                    && r.pointer("/service/additionalInfo/sample") != Some(&json!(true))
            })
            .collect();
        members.sort_by_key(|r| text(r, "createdAt"));
        let signals: Vec<Value> = members
            .iter()
            .take(3)
            .map(|r| {
                json!({"uid": text(r, "arn"), "type": "FINDING", "name": text(r, "type"),
                    "description": text(r, "title"), "firstSeenAt": text(r, "createdAt"),
                    "lastSeenAt": text(r, "updatedAt"), "count": 1, "severity": r.get("severity")})
            })
            .collect();
        if signals.is_empty() {
            continue;
        }
        let Some(list) = kept[i]
            .record
            .pointer_mut("/service/detection/sequence/signals")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        // The API activity stays; the finding signals become the real findings.
        list.retain(|s| s.get("type") != Some(&json!("FINDING")));
        list.splice(0..0, signals);
    }
}

/// Dispositions as picket writes them: one suppressed finding whose review date has passed
/// (picket offers to reopen it) and one accepted risk still running.
fn dispose(kept: &mut [Kept], now: Timestamp) {
    let controls: Vec<usize> = (0..kept.len())
        .filter(|&i| {
            kept[i].product == Product::SecurityHub
                && kept[i].record.pointer("/Compliance/Status") == Some(&json!("FAILED"))
        })
        .take(2)
        .collect();
    let days = |n: i64| aws_time(now + SignedDuration::from_hours(24 * n));
    for (&i, (status, reason, text, at, expires)) in controls.iter().zip([
        (
            "SUPPRESSED",
            "accepted-risk",
            "legacy bucket, owner migrating it",
            days(-40),
            days(-10),
        ),
        (
            "RESOLVED",
            "false-positive",
            "scanner host, expected traffic",
            days(-3),
            days(27),
        ),
    ]) {
        let record = &mut kept[i].record;
        record["Workflow"] = json!({"Status": status});
        record["Note"] = json!({"Text": format!("{}: {text} — dana via picket", reason.replace('-', " ")), "UpdatedBy": "picket/dana", "UpdatedAt": at});
        record["UserDefinedFields"] = json!({"ticket": "SEC-1042", "picket.reason": reason, "picket.author": "dana", "picket.at": at, "picket.expires": expires});
    }
}

/// Maps kept records; a record the mappers reject is counted, never shown half-made.
fn map_all(kept: &[Kept]) -> (Vec<Finding>, usize) {
    let mut findings = Vec::with_capacity(kept.len());
    let mut failed = 0;
    for k in kept {
        match k.map() {
            Some(f) => findings.push(f),
            None => failed += 1,
        }
    }
    (findings, failed)
}

/// Distinct findings of the demo's mix through the real generators and mappers, in batches
/// (for benchmarks, which load large organizations page by page as sources deliver them).
/// Records that share an id (Access Analyzer names one finding per resource) are drawn again.
pub struct FindingBatches {
    generator: Generator,
    now: Timestamp,
    ids: std::collections::HashSet<SafeText>,
}

impl FindingBatches {
    pub fn new(seed: u64, now: Timestamp) -> FindingBatches {
        FindingBatches {
            generator: Generator::new(seed),
            now,
            ids: std::collections::HashSet::new(),
        }
    }

    pub fn next_batch(&mut self, n: usize) -> Vec<Finding> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let guardduty = self.generator.rng.u8(..100) < 55;
            let what = self.generator.random_what(guardduty);
            let (first, last) = self.generator.past(self.now);
            if let Some(f) = self.generator.make(what, first, last, None).map()
                && self.ids.insert(f.id.clone())
            {
                out.push(f);
            }
        }
        out
    }
}

/// `n` distinct findings in one batch (see [`FindingBatches`]).
pub fn generate_findings(seed: u64, n: usize, now: Timestamp) -> Vec<Finding> {
    FindingBatches::new(seed, now).next_batch(n)
}

/// `n` CloudTrail events of the demo's mix, one a second from `start` (benchmarks).
pub fn generate_trail(seed: u64, n: usize, start: Timestamp) -> Vec<crate::model::LogEvent> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            trail::event(
                &mut rng,
                start + SignedDuration::from_secs(i as i64),
                i as u64,
            )
        })
        .collect()
}

/// The demo's GuardDuty and Security Hub findings, live.
pub struct DemoFindings {
    org: Arc<DemoOrg>,
    generator: Generator,
    kept: Vec<Kept>,
    last_poll: Option<Timestamp>,
    next_arrival: Timestamp,
    next_recurrence: Timestamp,
    live: bool,
    unmappable: usize,
    /// Events the demo's feed has delivered.
    events_sent: u64,
}

impl DemoFindings {
    pub fn new(org: Arc<DemoOrg>) -> DemoFindings {
        let generator = Generator::new(org.seed);
        DemoFindings {
            org,
            generator,
            kept: Vec::new(),
            last_poll: None,
            next_arrival: Timestamp::MIN,
            next_recurrence: Timestamp::MIN,
            live: true,
            unmappable: 0,
            events_sent: 0,
        }
    }

    /// A still organization: the initial population only, nothing arrives or recurs.
    pub fn frozen(mut self) -> DemoFindings {
        self.live = false;
        self
    }

    fn gap(&mut self, mean_secs: f64) -> SignedDuration {
        // Exponential gaps: arrivals as a Poisson process.
        let u = self.generator.rng.f64().max(1e-9);
        SignedDuration::from_secs_f64(-u.ln() * mean_secs)
    }

    fn health(&self, now: Timestamp) -> Vec<HealthReport> {
        let mut reports = Vec::new();
        // The event feed: the security tooling account's queue in the home region.
        if let (Some(admin), true) = (org::ACCOUNTS.first(), self.live) {
            reports.push(HealthReport {
                key: HealthKey {
                    account_id: SafeText::line(admin.id),
                    region: SafeText::line(admin.regions.first().copied().unwrap_or("us-east-1")),
                    service: Service::Feed,
                },
                health: Health {
                    state: HealthState::Ok,
                    last_success: Some(now),
                    message: Some(SafeText::line(&format!(
                        "{} events received",
                        self.events_sent
                    ))),
                    backlog: None,
                    raw: None,
                },
            });
        }
        // The account list, read by the security tooling account (the delegated admin).
        if let Some(admin) = org::ACCOUNTS.first() {
            reports.push(HealthReport {
                key: HealthKey {
                    account_id: SafeText::line(admin.id),
                    region: SafeText::line("global"),
                    service: Service::Organizations,
                },
                health: Health {
                    state: HealthState::Ok,
                    last_success: Some(now),
                    message: None,
                    backlog: None,
                    raw: None,
                },
            });
        }
        // One minute in five, AWS throttles one account's GuardDuty.
        let throttling = now.as_second().div_euclid(60) % 5 == 0;
        for account in org::ACCOUNTS {
            for region in account.regions {
                for service in [Service::GuardDuty, Service::SecurityHub] {
                    let off = service == Service::GuardDuty
                        && (account.name, *region) == org::GUARDDUTY_OFF;
                    let denied =
                        service == Service::SecurityHub && account.name == org::SECURITY_HUB_DENIED;
                    let throttled = throttling
                        && service == Service::GuardDuty
                        && account.name == org::THROTTLED
                        && Some(region) == account.regions.first();
                    let health = if denied {
                        Health {
                            state: HealthState::AccessDenied,
                            last_success: None,
                            message: Some(SafeText::line(&format!(
                                "missing permission securityhub:GetFindings: arn:aws:sts::{}:assumed-role/picket-read/picket-analyst is not authorized to perform securityhub:GetFindings; add it to the picket-read role",
                                account.id
                            ))),
                            backlog: None,
                            raw: None,
                        }
                    } else if throttled {
                        Health {
                            state: HealthState::Throttled,
                            last_success: Some(now - SignedDuration::from_secs(90)),
                            message: Some(SafeText::line(
                                "guardduty:ListFindings throttled (TooManyRequestsException); backing off",
                            )),
                            backlog: None,
                            raw: None,
                        }
                    } else if off {
                        Health {
                            state: HealthState::NotEnabled,
                            last_success: None,
                            message: Some(SafeText::line(&format!(
                                "GuardDuty is not enabled in {region}"
                            ))),
                            backlog: None,
                            raw: None,
                        }
                    } else if self.unmappable > 0 {
                        Health {
                            state: HealthState::Error,
                            last_success: Some(now),
                            message: Some(SafeText::line(&format!(
                                "{} demo records could not be read",
                                self.unmappable
                            ))),
                            backlog: None,
                            raw: None,
                        }
                    } else {
                        Health {
                            state: HealthState::Ok,
                            last_success: Some(now),
                            message: None,
                            backlog: None,
                            raw: None,
                        }
                    };
                    let key = HealthKey {
                        account_id: SafeText::line(account.id),
                        region: SafeText::line(region),
                        service,
                    };
                    reports.push(HealthReport { key, health });
                }
            }
        }
        reports
    }

    fn first_poll(&mut self, now: Timestamp) -> Batch {
        self.kept = self
            .generator
            .population(now, INITIAL_GUARDDUTY, INITIAL_SECURITY_HUB);
        let (mut findings, failed) = map_all(&self.kept);
        findings.extend(posture::exposures(now));
        self.unmappable += failed;
        self.next_arrival = now + self.gap(ARRIVAL_MEAN_SECS);
        self.next_recurrence = now + self.gap(RECURRENCE_MEAN_SECS);
        Batch {
            findings,
            accounts: self.org.accounts().to_vec(),
            health: self.health(now),
            initial: true,
            standards: posture::standards(),
            coverage: posture::coverage(),
            ..Batch::default()
        }
    }

    /// Writes accepted actions into the kept records, so a recurrence carries them.
    fn keep_actions(&mut self, pending: Vec<(String, crate::actions::Action)>, now: Timestamp) {
        for (id, action) in pending {
            if let Some(kept) = self.kept.iter_mut().find(|k| k.id() == Some(id.as_str())) {
                kept.apply(&action, &aws_time(now));
            }
        }
    }

    fn later_poll(&mut self, now: Timestamp) -> Batch {
        let (pending, rules) = self.org.take_pending();
        self.keep_actions(pending, now);
        let mut updates: Vec<Kept> = Vec::new();
        let mut recurred: Vec<usize> = Vec::new();
        if self.live {
            while self.next_arrival <= now && updates.len() < MAX_PER_POLL {
                let at = self.next_arrival;
                let guardduty = self.generator.rng.u8(..100) < 60;
                let what = self.generator.random_what(guardduty);
                let mut kept = self.generator.make(what, at, at, None);
                // Suppression rules in force archive a new GuardDuty finding as it arrives.
                if kept.product == Product::GuardDuty
                    && rules
                        .iter()
                        .any(|r| crate::actions::suppress::matches(r, &kept.record))
                {
                    kept.record["service"]["archived"] = json!(true);
                }
                updates.push(kept);
                self.next_arrival = at + self.gap(ARRIVAL_MEAN_SECS);
            }
            while self.next_recurrence <= now
                && recurred.len() < MAX_PER_POLL
                && !self.kept.is_empty()
            {
                let at = self.next_recurrence;
                let i = self.generator.rng.usize(..self.kept.len());
                let kept = &mut self.kept[i];
                let text = aws_time(at);
                match kept.product {
                    Product::GuardDuty => guardduty::recur(&mut kept.record, &text),
                    Product::SecurityHub => securityhub::recur(&mut kept.record, &text),
                }
                recurred.push(i);
                self.next_recurrence = at + self.gap(RECURRENCE_MEAN_SECS);
            }
            // After a long pause, skip what was missed rather than deliver it all at once.
            self.next_arrival = self.next_arrival.max(now);
            self.next_recurrence = self.next_recurrence.max(now);
        }
        // What changed reaches picket as the feed delivers it: EventBridge events, read by the
        // same code as the messages of an SQS queue.
        let at = aws_time(now);
        let mut findings = Vec::new();
        let changed = updates
            .iter()
            .chain(recurred.iter().map(|&i| &self.kept[i]));
        for kept in changed {
            self.events_sent += 1;
            match crate::model::event::read_message(&kept.event(self.events_sent, &at)) {
                Ok((mut found, unreadable)) => {
                    findings.append(&mut found);
                    self.unmappable += unreadable;
                }
                Err(_) => self.unmappable += 1,
            }
        }
        self.kept.extend(updates);
        if self.kept.len() > KEPT_FOR_RECURRENCE {
            let excess = self.kept.len() - KEPT_FOR_RECURRENCE;
            self.kept.drain(..excess);
        }
        Batch {
            findings,
            health: self.health(now),
            ..Batch::default()
        }
    }
}

impl Source for DemoFindings {
    fn name(&self) -> &str {
        "demo findings"
    }

    fn feed(&self) -> Feed {
        Feed::Findings
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(2)
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        let batch = match self.last_poll {
            None => self.first_poll(now),
            Some(_) => self.later_poll(now),
        };
        self.last_poll = Some(now);
        Box::pin(std::future::ready(batch))
    }
}

#[cfg(test)]
mod tests;
