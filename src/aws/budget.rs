//! The request budget every AWS call of picket goes through: a token bucket per (account,
//! region, API) at the published quota, and one cap on requests in flight across the process.
//!
//! Waiting for a bucket holds no in-flight slot, so a throttled account waits alone. Slots are
//! handed out first come, first served, and a source asks again for each request, so the
//! sources of an organization take turns: one slow or throttled account cannot starve the
//! others. Known quotas are ceilings; unknown ones start low and rise while AWS accepts them.
//! A throttling answer halves the bucket's rate (additive increase, multiplicative decrease).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Requests in flight across every account, region and service, unless configured.
pub const DEFAULT_IN_FLIGHT: usize = 32;
/// The slowest a throttled bucket gets: one request every five seconds.
const MIN_RATE: f64 = 0.2;
/// The share of each API's published rate picket uses unless configured: the rest is left to
/// the other tools of the security team that read the same account.
pub const DEFAULT_QUOTA_SHARE: f64 = 0.25;

/// A published (or assumed) request quota.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quota {
    /// Requests per second, sustained.
    pub rate: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: f64,
    /// The rate an adaptive bucket may climb to.
    pub ceiling: f64,
}

/// The quota of an API, named as its IAM action (`securityhub:GetFindings`).
pub fn quota(api: &str) -> Quota {
    let fixed = |rate, burst| Quota {
        rate,
        burst,
        ceiling: rate,
    };
    match api {
        "securityhub:GetFindings" => fixed(3.0, 6.0),
        "securityhub:BatchUpdateFindings" | "securityhub:BatchImportFindings" => fixed(10.0, 30.0),
        "logs:FilterLogEvents" => fixed(5.0, 5.0),
        // Not published: start conservative, climb while AWS does not object.
        _ => Quota {
            rate: 2.0,
            burst: 4.0,
            ceiling: 10.0,
        },
    }
}

impl Quota {
    /// This share of the quota (never below the slowest rate a throttled bucket gets, and a
    /// burst of at least one request).
    pub fn share(self, share: f64) -> Quota {
        let share = if share.is_finite() {
            share.clamp(0.01, 1.0)
        } else {
            1.0
        };
        Quota {
            rate: (self.rate * share).max(MIN_RATE),
            burst: (self.burst * share).max(1.0),
            ceiling: (self.ceiling * share).max(MIN_RATE),
        }
    }
}

/// One bucket's identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BucketKey {
    pub account: String,
    pub region: String,
    pub api: &'static str,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    rate: f64,
    quota: Quota,
    refilled: Instant,
    /// When each request of the last minute was sent, for the Sources screen.
    recent: std::collections::VecDeque<Instant>,
}

impl Bucket {
    fn new(quota: Quota, now: Instant) -> Bucket {
        Bucket {
            tokens: quota.burst,
            rate: quota.rate,
            quota,
            refilled: now,
            recent: std::collections::VecDeque::new(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.quota.burst);
        self.refilled = now;
    }

    /// Keeps the last minute's requests only.
    fn forget_before(&mut self, now: Instant) {
        while self
            .recent
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) > Duration::from_secs(60))
        {
            self.recent.pop_front();
        }
    }

    /// Takes a token, or says how long until one is there.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        self.refill(now);
        // The epsilon absorbs rounding: a token due "now" must not turn into a zero wait.
        if self.tokens >= 1.0 - 1e-6 {
            self.tokens = (self.tokens - 1.0).max(0.0);
            self.recent.push_back(now);
            self.forget_before(now);
            None
        } else {
            let wait = Duration::from_secs_f64((1.0 - self.tokens) / self.rate);
            Some(wait.max(Duration::from_millis(1)))
        }
    }
}

/// picket's use of one API in one account and region over the last minute.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Use {
    pub api: &'static str,
    pub requests: usize,
    /// Of the API's published rate (not the share picket allows itself).
    pub of_quota: f64,
}

impl Use {
    /// For the Sources screen: `securityhub:GetFindings: 45 requests in the last minute, 25 %
    /// of its published rate`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} requests in the last minute, {:.0} % of its published rate",
            self.api,
            self.requests,
            self.of_quota * 100.0
        )
    }
}

/// What the budget has seen, for the scale benchmark and the health screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub throttled: u64,
}

pub struct Budget {
    in_flight: Arc<Semaphore>,
    cap: usize,
    /// AWS's quotas apply; off for an emulator (`--endpoint-url`), which has none.
    metered: bool,
    /// The share of each quota picket takes.
    share: f64,
    buckets: Mutex<HashMap<BucketKey, Bucket>>,
    counts: Mutex<HashMap<&'static str, Counts>>,
}

impl std::fmt::Debug for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("cap", &self.cap)
            .field("free", &self.in_flight.available_permits())
            .finish_non_exhaustive()
    }
}

/// Held for the length of one request.
pub struct Permit {
    _slot: OwnedSemaphorePermit,
}

impl Budget {
    pub fn new(in_flight: usize) -> Arc<Budget> {
        Self::sharing(in_flight, 1.0)
    }

    /// A budget that takes only `share` of each quota.
    pub fn sharing(in_flight: usize, share: f64) -> Arc<Budget> {
        let cap = in_flight.max(1);
        Arc::new(Budget {
            in_flight: Arc::new(Semaphore::new(cap)),
            cap,
            metered: true,
            share,
            buckets: Mutex::new(HashMap::new()),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// Only the in-flight cap, no quotas: for an emulator endpoint, which has none.
    pub fn unmetered(in_flight: usize) -> Arc<Budget> {
        let cap = in_flight.max(1);
        Arc::new(Budget {
            in_flight: Arc::new(Semaphore::new(cap)),
            cap,
            metered: false,
            share: 1.0,
            buckets: Mutex::new(HashMap::new()),
            counts: Mutex::new(HashMap::new()),
        })
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Waits for a token of the key's bucket, then for a free slot.
    pub async fn acquire(&self, key: &BucketKey) -> Permit {
        if self.metered {
            self.wait_for_token(key).await;
        }
        let slot = Arc::clone(&self.in_flight)
            .acquire_owned()
            .await
            // The semaphore lives as long as the budget and is never closed.
            .unwrap_or_else(|_| unreachable!("the in-flight semaphore is never closed"));
        lock(&self.counts).entry(key.api).or_default().requests += 1;
        Permit { _slot: slot }
    }

    async fn wait_for_token(&self, key: &BucketKey) {
        loop {
            let wait = {
                let mut buckets = lock(&self.buckets);
                let now = Instant::now();
                buckets
                    .entry(key.clone())
                    .or_insert_with(|| Bucket::new(quota(key.api).share(self.share), now))
                    .take(now)
            };
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// AWS accepted a request: an adaptive bucket climbs back towards its ceiling.
    pub fn accepted(&self, key: &BucketKey) {
        if let Some(bucket) = lock(&self.buckets).get_mut(key) {
            let step = bucket.quota.ceiling / 20.0;
            bucket.rate = (bucket.rate + step).min(bucket.quota.ceiling);
        }
    }

    /// AWS said slow down: halve the bucket's rate and empty it.
    pub fn throttled(&self, key: &BucketKey) {
        if let Some(bucket) = lock(&self.buckets).get_mut(key) {
            bucket.refill(Instant::now());
            bucket.rate = (bucket.rate / 2.0).max(MIN_RATE);
            bucket.tokens = bucket.tokens.min(0.0);
        }
        lock(&self.counts).entry(key.api).or_default().throttled += 1;
    }

    /// The busiest of `apis` in this account and region over the last minute, if picket
    /// called one. Each is looked up by its key: the map holds every account's buckets.
    pub fn use_last_minute(
        &self,
        account: &str,
        region: &str,
        apis: &[&'static str],
    ) -> Option<Use> {
        let now = Instant::now();
        let mut buckets = lock(&self.buckets);
        apis.iter()
            .filter_map(|&api| {
                let key = BucketKey {
                    account: account.to_string(),
                    region: region.to_string(),
                    api,
                };
                let bucket = buckets.get_mut(&key)?;
                bucket.forget_before(now);
                Some(Use {
                    api,
                    requests: bucket.recent.len(),
                    of_quota: bucket.recent.len() as f64 / (quota(api).rate * 60.0),
                })
            })
            .filter(|u| u.requests > 0)
            .max_by_key(|u| u.requests)
    }

    /// The current rate of a bucket (requests per second), if it has been used.
    pub fn rate(&self, key: &BucketKey) -> Option<f64> {
        lock(&self.buckets).get(key).map(|b| b.rate)
    }

    /// Requests and throttling answers per API so far.
    pub fn counts(&self) -> Vec<(&'static str, Counts)> {
        let mut all: Vec<_> = lock(&self.counts)
            .iter()
            .map(|(api, c)| (*api, *c))
            .collect();
        all.sort_by_key(|(api, _)| *api);
        all
    }

    /// Runs one request inside the budget: a token, a slot, and the answer fed back.
    pub async fn run<T, E>(
        &self,
        key: &BucketKey,
        request: impl Future<Output = Result<T, E>>,
        is_throttling: impl FnOnce(&E) -> bool,
    ) -> Result<T, E> {
        let permit = self.acquire(key).await;
        let result = request.await;
        drop(permit);
        match &result {
            Ok(_) => self.accepted(key),
            Err(e) if is_throttling(e) => self.throttled(key),
            Err(_) => {}
        }
        result
    }
}

/// The maps hold plain numbers: a panic elsewhere cannot leave them inconsistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests;
