//! On a paused tokio clock: time advances only as the budget makes tasks wait, so these
//! figures are exact, and no test sleeps in real time.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;

fn key(account: &str, api: &'static str) -> BucketKey {
    BucketKey {
        account: account.into(),
        region: "us-east-1".into(),
        api,
    }
}

#[tokio::test(start_paused = true)]
async fn a_bucket_holds_requests_to_the_published_quota() {
    let budget = Budget::new(32);
    let hub = key("111", "securityhub:GetFindings");
    let start = Instant::now();
    for _ in 0..21 {
        drop(budget.acquire(&hub).await);
    }
    // A burst of 6, then 3 per second: the 21st request goes out after 15 / 3 = 5 s.
    let took = start.elapsed().as_secs_f64();
    assert!((took - 5.0).abs() < 0.01, "took {took} s");
}

#[tokio::test(start_paused = true)]
async fn never_more_requests_in_flight_than_the_cap() {
    let budget = Budget::new(3);
    let busy = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let (budget, busy, most) = (Arc::clone(&budget), busy.clone(), most.clone());
            tokio::spawn(async move {
                let k = key(&format!("acct-{i}"), "guardduty:ListFindings");
                let _permit = budget.acquire(&k).await;
                let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
                busy.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(most.load(Ordering::SeqCst), 3);
    let took = start.elapsed().as_secs_f64();
    assert!(
        (took - 4.0).abs() < 0.01,
        "12 requests of 1 s, 3 at a time: {took} s"
    );
}

#[tokio::test(start_paused = true)]
async fn a_throttled_account_waits_alone() {
    let budget = Budget::new(1);
    let noisy = key("noisy", "securityhub:GetFindings");
    let quiet = key("quiet", "securityhub:GetFindings");
    for _ in 0..6 {
        drop(budget.acquire(&noisy).await);
        budget.throttled(&noisy);
    }
    assert_eq!(budget.rate(&noisy), Some(MIN_RATE));
    // The noisy account now waits seconds per request, holding no slot while it waits.
    let noisy_task = {
        let budget = Arc::clone(&budget);
        let noisy = noisy.clone();
        tokio::spawn(async move {
            for _ in 0..5 {
                drop(budget.acquire(&noisy).await);
            }
        })
    };
    let start = Instant::now();
    for _ in 0..6 {
        drop(budget.acquire(&quiet).await);
    }
    assert!(
        start.elapsed() < Duration::from_millis(1),
        "the quiet account's burst goes out at once: {:?}",
        start.elapsed()
    );
    noisy_task.await.expect("noisy");
    assert_eq!(budget.counts()[0].1.throttled, 6);
}

#[tokio::test(start_paused = true)]
async fn sources_take_turns_for_slots() {
    // One slot, four sources of five 100 ms requests each: first come, first served per
    // request means every source finishes within a round of the others.
    let budget = Budget::new(1);
    let finished: Vec<_> = (0..4)
        .map(|i| {
            let budget = Arc::clone(&budget);
            tokio::spawn(async move {
                let k = key(&format!("acct-{i}"), "guardduty:ListFindings");
                for _ in 0..5 {
                    let _permit = budget.acquire(&k).await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Instant::now()
            })
        })
        .collect();
    let start = Instant::now();
    let mut done = Vec::new();
    for task in finished {
        done.push(
            task.await
                .expect("task")
                .duration_since(start)
                .as_secs_f64(),
        );
    }
    let first = done.iter().cloned().fold(f64::MAX, f64::min);
    let last = done.iter().cloned().fold(0.0, f64::max);
    assert!(
        (last - 2.0).abs() < 0.01,
        "20 requests of 100 ms in a row: {last}"
    );
    assert!(
        first >= 1.7 - 1e-9,
        "no source ran ahead of the others: first done at {first}"
    );
}

#[tokio::test(start_paused = true)]
async fn unknown_quotas_adapt_published_ones_stay_at_their_ceiling() {
    let budget = Budget::new(32);
    let unknown = key("111", "guardduty:ListFindings");
    let known = key("111", "logs:FilterLogEvents");
    let ok = |_: &()| false;
    for _ in 0..200 {
        budget
            .run(&unknown, async { Ok::<_, ()>(()) }, ok)
            .await
            .ok();
        budget.run(&known, async { Ok::<_, ()>(()) }, ok).await.ok();
    }
    assert_eq!(
        budget.rate(&unknown),
        Some(quota("guardduty:ListFindings").ceiling)
    );
    assert_eq!(budget.rate(&known), Some(5.0));
    let throttling = |_: &()| true;
    budget
        .run(&unknown, async { Err::<(), _>(()) }, throttling)
        .await
        .ok();
    assert_eq!(budget.rate(&unknown), Some(5.0), "halved on throttling");
}

#[tokio::test(start_paused = true)]
async fn an_emulator_has_no_quotas_only_the_cap() {
    let budget = Budget::unmetered(32);
    let hub = key("111", "securityhub:GetFindings");
    let start = Instant::now();
    for _ in 0..50 {
        drop(budget.acquire(&hub).await);
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(budget.counts()[0].1.requests, 50);
}

#[tokio::test(start_paused = true)]
async fn the_last_minute_s_use_is_counted_per_api_and_forgotten_after() {
    const SECURITY_HUB: &[&str] = &["securityhub:GetFindings", "securityhub:GetFindingsV2"];
    let budget = Budget::sharing(4, DEFAULT_QUOTA_SHARE);
    let get_findings = key("111", "securityhub:GetFindings");
    for _ in 0..10 {
        let _permit = budget.acquire(&get_findings).await;
    }
    let _permit = budget.acquire(&key("111", "guardduty:ListFindings")).await;
    let used = budget
        .use_last_minute("111", "us-east-1", SECURITY_HUB)
        .expect("securityhub was used");
    assert_eq!((used.api, used.requests), ("securityhub:GetFindings", 10));
    // Ten requests against 3 a second for a minute.
    assert!((used.of_quota - 10.0 / 180.0).abs() < 1e-9);
    assert!(
        used.describe()
            .contains("10 requests in the last minute, 6 %")
    );
    assert!(
        budget
            .use_last_minute("222", "us-east-1", SECURITY_HUB)
            .is_none()
    );
    tokio::time::sleep(std::time::Duration::from_secs(61)).await;
    assert!(
        budget
            .use_last_minute("111", "us-east-1", SECURITY_HUB)
            .is_none()
    );
}
