//! The demo organization's logs: its CloudTrail stream as a log source, and the pivot's
//! search over the same activity.

use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::{
    DemoOrg, TRAIL_BACKFILL, TRAIL_MAX_BACKFILL, TRAIL_MAX_PER_POLL, TRAIL_RATE, org, trail,
};
use crate::model::SafeText;
use crate::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
use crate::sources::{Batch, Feed, PollFuture, Source};

/// The fastest stream the demo makes: a very busy organization's trail.
const MAX_RATE: u32 = 50_000;

/// The demo's CloudTrail stream, as CloudWatch Logs delivers it.
pub struct DemoTrail {
    rng: fastrand::Rng,
    serial: u64,
    last_poll: Option<Timestamp>,
    /// Events a second.
    rate: f64,
}

impl DemoTrail {
    pub fn new(org: Arc<DemoOrg>) -> DemoTrail {
        DemoTrail {
            rng: fastrand::Rng::with_seed(org.seed ^ 0x7EA1_0002),
            serial: 0,
            last_poll: None,
            rate: TRAIL_RATE,
        }
    }

    /// A stream of `per_second` events a second (at most 50,000), as a busy organization's.
    pub fn at_rate(mut self, per_second: u32) -> DemoTrail {
        self.rate = f64::from(per_second.clamp(1, MAX_RATE));
        self
    }

    /// At most this many events a poll (a second): twice the rate, so none is held back.
    fn per_poll(&self) -> usize {
        TRAIL_MAX_PER_POLL.max((self.rate * 2.0) as usize)
    }

    /// Events strictly after `from` and at or before `to`, in time order.
    fn window(
        &mut self,
        from: Timestamp,
        to: Timestamp,
        cap: usize,
    ) -> Vec<crate::model::LogEvent> {
        let span_ms = (to.as_millisecond() - from.as_millisecond()).max(0);
        if span_ms == 0 {
            return Vec::new();
        }
        let expected = span_ms as f64 / 1000.0 * self.rate;
        let n = ((expected * (0.8 + 0.4 * self.rng.f64())).round() as usize).min(cap);
        let mut offsets: Vec<i64> = (0..n).map(|_| self.rng.i64(1..=span_ms)).collect();
        offsets.sort_unstable();
        offsets
            .into_iter()
            .map(|ms| {
                self.serial += 1;
                trail::event(
                    &mut self.rng,
                    from + SignedDuration::from_millis(ms),
                    self.serial,
                )
            })
            .collect()
    }

    fn health(now: Timestamp) -> Vec<HealthReport> {
        org::ACCOUNTS
            .iter()
            .flat_map(|a| a.regions.iter().map(move |r| (a, r)))
            .map(|(account, region)| HealthReport {
                key: HealthKey {
                    account_id: SafeText::line(account.id),
                    region: SafeText::line(region),
                    service: Service::CloudWatchLogs,
                },
                health: Health {
                    state: HealthState::Ok,
                    last_success: Some(now),
                    message: None,
                    backlog: None,
                    raw: None,
                },
            })
            .collect()
    }
}

impl Source for DemoTrail {
    fn name(&self) -> &str {
        "demo cloudtrail"
    }

    fn feed(&self) -> Feed {
        Feed::Logs
    }

    fn interval(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        let (from, cap) = match self.last_poll {
            Some(last) => (last.max(now - TRAIL_BACKFILL), self.per_poll()),
            None => (now - TRAIL_BACKFILL, TRAIL_MAX_BACKFILL),
        };
        let events = if now > from {
            self.window(from, now, cap)
        } else {
            Vec::new()
        };
        self.last_poll = Some(now.max(self.last_poll.unwrap_or(now)));
        let batch = Batch {
            events,
            health: Self::health(now),
            ..Batch::default()
        };
        Box::pin(std::future::ready(batch))
    }
}

impl crate::logs::pivot::LogSearch for DemoOrg {
    fn search<'a>(
        &'a self,
        request: &'a crate::logs::pivot::PivotRequest,
    ) -> crate::logs::pivot::SearchFuture<'a> {
        Box::pin(async move {
            Ok(trail::activity(
                &request.account,
                &request.region,
                request.start,
                request.end,
                &request.terms,
            )
            .into())
        })
    }
}
