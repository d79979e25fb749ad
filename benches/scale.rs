//! The scheduler at organization scale: 500 accounts × 17 regions × 3 sources (GuardDuty,
//! Security Hub, CloudWatch Logs) against a simulated AWS — latency 50 ± 20 ms, 1 % of answers
//! throttled, 2 % of accounts denied — through picket's real request budget (token buckets at
//! the published quotas, 32 requests in flight) and real polling tasks, on a paused tokio clock:
//! time is virtual, so the figures are exact and the run takes seconds.
//!
//! `cargo bench --bench scale`

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::time::Instant;

use picket::app::Msg;
use picket::aws::budget::{BucketKey, Budget, DEFAULT_IN_FLIGHT};
use picket::runtime::poller::Pollers;
use picket::sources::{Batch, Feed, PollFuture, Source};

const ACCOUNTS: usize = 500;
const REGIONS: usize = 17;
const LATENCY_MS: f64 = 50.0;
const JITTER_MS: f64 = 20.0;
const THROTTLED: f64 = 0.01;
const DENIED_EVERY: usize = 50; // 2 % of accounts
const INTERVAL: Duration = Duration::from_secs(60);
const STEADY: Duration = Duration::from_secs(10 * 60);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    GuardDuty,
    SecurityHub,
    Logs,
}

#[derive(Default)]
struct Record {
    /// API → calls.
    calls: HashMap<&'static str, u64>,
    /// Account → (total wait for a slot, requests).
    waits: HashMap<usize, (Duration, u32)>,
}

struct SimSource {
    account: usize,
    region: usize,
    kind: Kind,
    budget: Arc<Budget>,
    record: Arc<Mutex<Record>>,
    rng: fastrand::Rng,
    /// A finding of this source changed: the next poll reads it.
    changed: Arc<AtomicBool>,
    detector_known: bool,
    name: String,
}

enum Answer {
    Ok,
    Throttled,
    Denied,
}

impl SimSource {
    /// One simulated request through the budget.
    async fn call(&mut self, api: &'static str) -> Answer {
        let key = BucketKey {
            account: self.account.to_string(),
            region: self.region.to_string(),
            api,
        };
        let asked = Instant::now();
        let latency = LATENCY_MS + JITTER_MS * (2.0 * self.rng.f64() - 1.0);
        let answer = if self.account.is_multiple_of(DENIED_EVERY) {
            Answer::Denied
        } else if self.rng.f64() < THROTTLED {
            Answer::Throttled
        } else {
            Answer::Ok
        };
        let record = Arc::clone(&self.record);
        let account = self.account;
        let request = async move {
            {
                let mut record = record.lock().unwrap_or_else(|p| p.into_inner());
                *record.calls.entry(api).or_default() += 1;
                let wait = record.waits.entry(account).or_default();
                wait.0 += asked.elapsed();
                wait.1 += 1;
            }
            tokio::time::sleep(Duration::from_secs_f64(latency / 1000.0)).await;
            match answer {
                Answer::Throttled => Err(true),
                Answer::Denied => Err(false),
                Answer::Ok => Ok(()),
            }
        };
        match self.budget.run(&key, request, |throttled| *throttled).await {
            Ok(()) => Answer::Ok,
            Err(true) => Answer::Throttled,
            Err(false) => Answer::Denied,
        }
    }

    /// The calls picket's real source makes for one poll.
    async fn sweep(&mut self) -> Batch {
        match self.kind {
            Kind::GuardDuty => {
                if !self.detector_known {
                    if !matches!(self.call("guardduty:ListDetectors").await, Answer::Ok) {
                        return Batch::default();
                    }
                    self.detector_known = true;
                }
                if matches!(self.call("guardduty:ListFindings").await, Answer::Ok)
                    && self.changed.swap(false, Ordering::SeqCst)
                {
                    self.call("guardduty:GetFindings").await;
                }
            }
            Kind::SecurityHub => {
                self.changed.store(false, Ordering::SeqCst);
                self.call("securityhub:GetFindings").await;
            }
            Kind::Logs => {
                self.call("logs:FilterLogEvents").await;
            }
        }
        Batch::default()
    }
}

impl Source for SimSource {
    fn name(&self) -> &str {
        &self.name
    }
    fn feed(&self) -> Feed {
        match self.kind {
            Kind::Logs => Feed::Logs,
            _ => Feed::Findings,
        }
    }
    fn interval(&self) -> Duration {
        INTERVAL
    }
    fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.sweep())
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let budget = Budget::new(DEFAULT_IN_FLIGHT);
    let record = Arc::new(Mutex::new(Record::default()));
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut changed_flags = Vec::new();
    let mut seed = 7;
    for account in 0..ACCOUNTS {
        for region in 0..REGIONS {
            for kind in [Kind::GuardDuty, Kind::SecurityHub, Kind::Logs] {
                seed += 1;
                let changed = Arc::new(AtomicBool::new(false));
                if kind != Kind::Logs {
                    changed_flags.push(Arc::clone(&changed));
                }
                sources.push(Box::new(SimSource {
                    account,
                    region,
                    kind,
                    budget: Arc::clone(&budget),
                    record: Arc::clone(&record),
                    rng: fastrand::Rng::with_seed(seed),
                    changed,
                    detector_known: false,
                    name: format!("{kind:?} {account} {region}"),
                }));
            }
        }
    }
    let total = sources.len();
    let (tx, mut rx) = mpsc::channel(1024);
    let start = Instant::now();
    let pollers = Pollers::start(
        sources,
        Vec::new(),
        picket::logs::detect::Detector::new(Vec::new()),
        picket::model::packing::Packer::new(),
        tx,
    );
    // The first sweep reads every source, logs included (the logs screen is open).
    pollers.set_active(Feed::Logs, true);
    let mut answered = 0;
    while answered < total {
        if let Some(Msg::Batch(_, _)) = rx.recv().await {
            answered += 1;
        }
    }
    let first_sweep = start.elapsed();
    let first_calls: u64 = lock(&record).calls.values().sum();
    let waits_first = account_waits(&lock(&record));

    // Steady state, logs screen closed: no changes, then ten changed findings a minute.
    pollers.set_active(Feed::Logs, false);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let quiet = per_minute(&record, STEADY).await;
    let changes = Arc::new(AtomicUsize::new(0));
    let changer = {
        let flags = changed_flags.clone();
        let changes = Arc::clone(&changes);
        tokio::spawn(async move {
            let mut rng = fastrand::Rng::with_seed(11);
            loop {
                tokio::time::sleep(Duration::from_secs(6)).await;
                flags[rng.usize(..flags.len())].store(true, Ordering::SeqCst);
                changes.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let busy = per_minute(&record, STEADY).await;
    changer.abort();
    pollers.stop();
    drain.abort();

    let cap = budget.cap() as f64;
    let bound = first_calls as f64 * (LATENCY_MS / 1000.0) / cap;
    println!(
        "organization: {ACCOUNTS} accounts × {REGIONS} regions × 3 sources = {total} sources; latency {LATENCY_MS}±{JITTER_MS} ms, {}% throttled, 1 account in {DENIED_EVERY} denied; {} in flight",
        THROTTLED * 100.0,
        budget.cap()
    );
    println!(
        "first complete sweep: {:.1} s for {first_calls} calls; lower bound (calls × mean latency ÷ in-flight cap) {bound:.1} s; ratio {:.3}",
        first_sweep.as_secs_f64(),
        first_sweep.as_secs_f64() / bound
    );
    print_rates("steady state, no changes", &quiet);
    print_rates("steady state, 10 changed findings a minute", &busy);
    let (max, mean) = waits_first;
    println!(
        "wait for a slot in the first sweep, per account: longest {:.2} s, mean {:.2} s, ratio {:.2}",
        max,
        mean,
        max / mean
    );
    let (max, mean) = account_waits(&lock(&record));
    println!(
        "wait for a slot over the whole run, per account: longest {:.3} s, mean {:.3} s, ratio {:.2}",
        max,
        mean,
        max / mean
    );
    for (api, counts) in budget.counts() {
        println!(
            "  {api:<28} {:>8} requests {:>6} throttled",
            counts.requests, counts.throttled
        );
    }
}

fn lock(record: &Mutex<Record>) -> std::sync::MutexGuard<'_, Record> {
    record.lock().unwrap_or_else(|p| p.into_inner())
}

/// Calls per minute of each API over `window`.
async fn per_minute(record: &Mutex<Record>, window: Duration) -> Vec<(&'static str, f64)> {
    let before = lock(record).calls.clone();
    tokio::time::sleep(window).await;
    let after = lock(record).calls.clone();
    let minutes = window.as_secs_f64() / 60.0;
    let mut rates: Vec<_> = after
        .iter()
        .map(|(api, n)| {
            (
                *api,
                (n - before.get(api).copied().unwrap_or(0)) as f64 / minutes,
            )
        })
        .collect();
    rates.sort_by_key(|(api, _)| *api);
    rates
}

fn print_rates(title: &str, rates: &[(&str, f64)]) {
    let total: f64 = rates.iter().map(|(_, r)| r).sum();
    println!("{title}: {total:.0} calls a minute");
    for (api, rate) in rates {
        println!("  {api:<28} {rate:>10.1} a minute");
    }
}

/// The longest and the mean of the accounts' average wait for a slot, in seconds.
fn account_waits(record: &Record) -> (f64, f64) {
    let per_account: Vec<f64> = record
        .waits
        .values()
        .map(|(total, n)| total.as_secs_f64() / f64::from((*n).max(1)))
        .collect();
    let max = per_account.iter().cloned().fold(0.0, f64::max);
    let mean = per_account.iter().sum::<f64>() / per_account.len().max(1) as f64;
    (max, mean)
}
