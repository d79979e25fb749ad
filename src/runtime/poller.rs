//! One task per source: poll, send the batch, wait for the interval or a manual refresh. A task
//! has at most one poll in flight, and a feed that no visible screen shows does not poll.
//! Sources a source discovers (an organization's accounts) get tasks of their own.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::app::Msg;
use crate::model::packing::Packer;
use crate::sources::{Feed, Mark, Source};

/// Log events handed to the app in one message at most: the UI task takes a message whole, so
/// a key pressed meanwhile waits for at most this many (detected and packed already: about
/// 1.5 ms of merging and alert counting under the demo's 10,000 events/s, where 1,000 took 5).
const EVENTS_PER_MESSAGE: usize = 250;

/// The log groups chosen, and the generation their batches carry.
type GroupChoice = (u64, Vec<String>);

/// What every polling task shares, and can start more tasks with.
#[derive(Clone)]
struct Shared {
    /// Bumped by every refresh. A watch, not a notification: a task that is polling when the
    /// analyst presses `r` (or picks log groups) sees the change when it next waits, instead
    /// of missing it and sleeping a whole interval.
    refresh: Arc<watch::Sender<u64>>,
    /// Bumped by the analyst's refresh only (`r`): sources that reconcile read everything
    /// again, not only what changed.
    reread: Arc<watch::Sender<u64>>,
    findings_active: Arc<watch::Sender<bool>>,
    logs_active: Arc<watch::Sender<bool>>,
    /// The log groups the analyst chose, for the log sources, and the choice's generation.
    groups: Arc<watch::Sender<Option<GroupChoice>>>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    tx: mpsc::Sender<Msg>,
    /// Where each source stopped reading in an earlier run (from the disk store), by name.
    marks: Arc<std::collections::HashMap<String, Mark>>,
    /// Findings to read again by id, by source name, taken by the source's task at its next
    /// poll.
    rechecks: Arc<Mutex<std::collections::HashMap<String, Vec<String>>>>,
    /// The detections the analyst chose: log batches are checked against them on their polling
    /// task, so the UI task only merges the matches.
    detector: Arc<watch::Sender<Arc<crate::logs::detect::Detector>>>,
    /// Packs the raw records of every batch on its polling task, learning a dictionary per
    /// record kind from the first records.
    packer: Arc<Packer>,
}

impl Shared {
    fn spawn(&self, mut source: Box<dyn Source>) {
        if let Some(mark) = self.marks.get(source.name()) {
            source.resume(mark.clone());
        }
        let active = match source.feed() {
            Feed::Findings => self.findings_active.subscribe(),
            Feed::Logs => self.logs_active.subscribe(),
        };
        let task = tokio::spawn(poll_loop(source, active, self.clone()));
        lock(&self.tasks).push(task);
    }
}

pub struct Pollers {
    shared: Shared,
}

impl Pollers {
    /// Starts polling. The findings feed starts active, the logs feed when its screen opens.
    pub fn start(
        sources: Vec<Box<dyn Source>>,
        marks: Vec<Mark>,
        detector: crate::logs::detect::Detector,
        packer: Arc<Packer>,
        tx: mpsc::Sender<Msg>,
    ) -> Pollers {
        let shared = Shared {
            refresh: Arc::new(watch::channel(0).0),
            reread: Arc::new(watch::channel(0).0),
            findings_active: Arc::new(watch::channel(true).0),
            logs_active: Arc::new(watch::channel(false).0),
            groups: Arc::new(watch::channel(None).0),
            tasks: Arc::default(),
            tx,
            marks: Arc::new(marks.into_iter().map(|m| (m.source.clone(), m)).collect()),
            rechecks: Arc::default(),
            detector: Arc::new(watch::channel(Arc::new(detector)).0),
            packer,
        };
        for source in sources {
            shared.spawn(source);
        }
        Pollers { shared }
    }

    /// The analyst's refresh: every active source polls now, and reconciles in full.
    pub fn refresh(&self) {
        self.shared.reread.send_modify(|n| *n = n.wrapping_add(1));
        self.wake();
    }

    /// Every active source polls now.
    fn wake(&self) {
        self.shared.refresh.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Source `source` reads these findings again by id at its next poll.
    pub fn recheck(&self, source: String, ids: Vec<String>) {
        lock(&self.shared.rechecks)
            .entry(source)
            .or_default()
            .extend(ids);
    }

    pub fn set_active(&self, feed: Feed, active: bool) {
        let sender = match feed {
            Feed::Findings => &self.shared.findings_active,
            Feed::Logs => &self.shared.logs_active,
        };
        sender.send_replace(active);
    }

    /// The log sources read these groups from their next poll on; their batches carry
    /// `generation` from then on.
    pub fn set_groups(&self, groups: Vec<String>, generation: u64) {
        self.shared.groups.send_replace(Some((generation, groups)));
        self.wake();
    }

    /// Log batches are checked against these detections from their next poll on.
    pub fn set_detector(&self, detector: crate::logs::detect::Detector) {
        self.shared.detector.send_replace(Arc::new(detector));
    }

    pub fn stop(self) {
        let tasks = std::mem::take(&mut *lock(&self.shared.tasks));
        for task in tasks {
            task.abort();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn poll_loop(mut source: Box<dyn Source>, mut active: watch::Receiver<bool>, shared: Shared) {
    let feed = source.feed();
    let mut groups = shared.groups.subscribe();
    let mut refresh = shared.refresh.subscribe();
    let mut reread = shared.reread.subscribe();
    let mut generation = 0;
    loop {
        // Hold while no screen needs this feed.
        if active.wait_for(|on| *on).await.is_err() {
            return;
        }
        if feed == Feed::Logs
            && groups.has_changed().unwrap_or(false)
            && let Some((chosen_generation, chosen)) = groups.borrow_and_update().clone()
        {
            source.set_groups(chosen);
            generation = chosen_generation;
        }
        // What a refresh asked for is being done now.
        refresh.borrow_and_update();
        if reread.has_changed().unwrap_or(false) {
            reread.borrow_and_update();
            source.reread();
        }
        let rechecks = lock(&shared.rechecks).remove(source.name());
        if let Some(ids) = rechecks {
            source.recheck(ids);
        }
        let mut batch = source.poll(Timestamp::now()).await;
        batch.read_at = Some(std::time::Instant::now());
        batch.generation = generation;
        let detector = Arc::clone(&shared.detector.borrow());
        batch.prepare(&detector, &shared.packer);
        // A large delivery of log events goes in slices, so the screen redraws between them
        // instead of holding still while tens of thousands are taken in.
        while batch.events.len() > EVENTS_PER_MESSAGE {
            let rest = batch.events.split_off(EVENTS_PER_MESSAGE);
            let slice = std::mem::replace(&mut batch.events, rest);
            let part = crate::sources::Batch {
                events: slice,
                detected: batch
                    .detected
                    .as_mut()
                    .map(|d| Box::new(d.split_front(EVENTS_PER_MESSAGE))),
                sampled: batch.sampled,
                read_at: batch.read_at,
                generation,
                ..crate::sources::Batch::default()
            };
            if shared.tx.send(Msg::Batch(feed, part)).await.is_err() {
                return;
            }
        }
        if shared.tx.send(Msg::Batch(feed, batch)).await.is_err() {
            return;
        }
        for found in source.spawned() {
            shared.spawn(found);
        }
        tokio::select! {
            _ = tokio::time::sleep(source.interval()) => {}
            _ = refresh.changed() => {}
            // Deactivated: stop at once, wait above for reactivation.
            _ = active.wait_for(|on| !*on) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LogEvent;
    use crate::model::SafeText;
    use crate::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
    use crate::sources::{Batch, PollFuture};

    /// Delivers 5,000 log events on its first poll, nothing after.
    struct Burst(bool);

    impl Source for Burst {
        fn name(&self) -> &str {
            "burst"
        }
        fn feed(&self) -> Feed {
            Feed::Logs
        }
        fn interval(&self) -> std::time::Duration {
            std::time::Duration::from_secs(3600)
        }
        fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
            let first = !std::mem::replace(&mut self.0, true);
            Box::pin(async move {
                let events = if first {
                    (0..5_000)
                        .map(|n| {
                            LogEvent::new(
                                Timestamp::UNIX_EPOCH,
                                "1",
                                "r",
                                "g",
                                "s",
                                &format!("line {n}"),
                            )
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Batch {
                    events,
                    health: vec![HealthReport {
                        key: HealthKey {
                            account_id: SafeText::line("1"),
                            region: SafeText::line("r"),
                            service: Service::CloudWatchLogs,
                        },
                        health: Health {
                            state: HealthState::Ok,
                            last_success: None,
                            message: None,
                            backlog: None,
                            raw: None,
                        },
                    }],
                    ..Batch::default()
                }
            })
        }
    }

    #[tokio::test]
    async fn a_large_delivery_reaches_the_app_in_slices_in_order() {
        let (tx, mut rx) = mpsc::channel(16);
        let pollers = Pollers::start(
            vec![Box::new(Burst(false))],
            Vec::new(),
            crate::logs::detect::Detector::new(Vec::new()),
            Packer::new(),
            tx,
        );
        pollers.set_active(Feed::Logs, true);
        let mut sizes = Vec::new();
        let mut lines = Vec::new();
        while lines.len() < 5_000 {
            let Some(Msg::Batch(Feed::Logs, batch)) = rx.recv().await else {
                panic!("a logs batch");
            };
            sizes.push((batch.events.len(), batch.health.len()));
            lines.extend(batch.events.iter().map(|e| e.message.as_delivered()));
        }
        pollers.stop();
        let mut expected = vec![(EVENTS_PER_MESSAGE, 0); 5_000 / EVENTS_PER_MESSAGE];
        if let Some(last) = expected.last_mut() {
            last.1 = 1;
        }
        assert_eq!(sizes, expected, "health comes with the last slice");
        assert_eq!(lines.first().map(String::as_str), Some("line 0"));
        assert_eq!(lines.last().map(String::as_str), Some("line 4999"));
    }

    /// Delivers a CloudTrail stream of 5,000 records on its first poll, nothing after.
    struct Trail(Option<Vec<LogEvent>>);

    impl Source for Trail {
        fn name(&self) -> &str {
            "trail"
        }
        fn feed(&self) -> Feed {
            Feed::Logs
        }
        fn interval(&self) -> std::time::Duration {
            std::time::Duration::from_secs(3600)
        }
        fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
            let events = self.0.take().unwrap_or_default();
            Box::pin(async move {
                Batch {
                    events,
                    ..Batch::default()
                }
            })
        }
    }

    #[tokio::test]
    async fn log_events_are_checked_on_their_polling_task_slice_by_slice() {
        let start = "2026-01-15T12:00:00Z".parse().expect("time");
        let events = crate::sources::demo::generate_trail(5, 5_000, start);
        let detector = crate::logs::detect::Detector::named(&["all".to_string()]).expect("all");
        let expected: Vec<Vec<&str>> = events
            .iter()
            .map(|e| {
                detector
                    .check(&e.message.delivered_text())
                    .iter()
                    .map(|d| d.name)
                    .collect()
            })
            .collect();
        assert!(
            expected.iter().filter(|hits| !hits.is_empty()).count() > 10,
            "the stream matches detections"
        );
        let (tx, mut rx) = mpsc::channel(16);
        let pollers = Pollers::start(
            vec![Box::new(Trail(Some(events)))],
            Vec::new(),
            detector,
            Packer::new(),
            tx,
        );
        pollers.set_active(Feed::Logs, true);
        let mut got: Vec<Vec<&str>> = Vec::new();
        while got.len() < 5_000 {
            let Some(Msg::Batch(Feed::Logs, batch)) = rx.recv().await else {
                panic!("a logs batch");
            };
            let detected = batch.detected.expect("checked where it was read");
            assert_eq!(
                detected.hits.len(),
                batch.events.len(),
                "one entry an event"
            );
            assert_eq!(detected.checked.len(), crate::logs::detect::CIS.len());
            got.extend(
                detected
                    .hits
                    .iter()
                    .map(|hits| hits.iter().map(|d| d.name).collect::<Vec<_>>()),
            );
        }
        assert_eq!(got, expected);
        pollers.stop();
    }

    /// Answers each poll only when told to, so a test can hold a poll in flight.
    struct Held {
        go: Arc<tokio::sync::Semaphore>,
        groups: Arc<Mutex<Vec<String>>>,
    }

    impl Source for Held {
        fn name(&self) -> &str {
            "held"
        }
        fn feed(&self) -> Feed {
            Feed::Logs
        }
        fn interval(&self) -> std::time::Duration {
            std::time::Duration::from_secs(3600)
        }
        fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
            let go = Arc::clone(&self.go);
            Box::pin(async move {
                if let Ok(permit) = go.acquire().await {
                    permit.forget();
                }
                Batch::default()
            })
        }
        fn set_groups(&mut self, groups: Vec<String>) {
            *self.groups.lock().unwrap_or_else(|p| p.into_inner()) = groups;
        }
    }

    #[tokio::test]
    async fn a_poll_under_way_when_the_groups_change_carries_the_old_generation() {
        let (tx, mut rx) = mpsc::channel(16);
        let go = Arc::new(tokio::sync::Semaphore::new(0));
        let groups = Arc::new(Mutex::new(Vec::new()));
        let source = Held {
            go: Arc::clone(&go),
            groups: Arc::clone(&groups),
        };
        let pollers = Pollers::start(
            vec![Box::new(source)],
            Vec::new(),
            crate::logs::detect::Detector::new(Vec::new()),
            Packer::new(),
            tx,
        );
        pollers.set_active(Feed::Logs, true);
        // The first poll is under way; the analyst picks other groups meanwhile.
        tokio::task::yield_now().await;
        pollers.set_groups(vec!["/new".into()], 1);
        go.add_permits(2);
        let generation = |msg: Option<Msg>| match msg {
            Some(Msg::Batch(Feed::Logs, batch)) => batch.generation,
            _ => panic!("a logs batch"),
        };
        assert_eq!(generation(rx.recv().await), 0, "read for the old groups");
        assert_eq!(generation(rx.recv().await), 1, "read for the new groups");
        assert_eq!(
            *groups.lock().unwrap_or_else(|p| p.into_inner()),
            vec!["/new".to_string()]
        );
        pollers.stop();
    }

    /// Counts the full re-reads it was asked for; keeps the ids it was asked to recheck.
    struct Reconciling {
        rereads: Arc<std::sync::atomic::AtomicUsize>,
        rechecks: Arc<Mutex<Vec<String>>>,
    }

    impl Source for Reconciling {
        fn name(&self) -> &str {
            "reconciling"
        }
        fn feed(&self) -> Feed {
            Feed::Logs
        }
        fn interval(&self) -> std::time::Duration {
            std::time::Duration::from_secs(3600)
        }
        fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
            Box::pin(async { Batch::default() })
        }
        fn reread(&mut self) {
            self.rereads
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        fn recheck(&mut self, ids: Vec<String>) {
            lock(&self.rechecks).extend(ids);
        }
    }

    #[tokio::test]
    async fn the_analyst_s_refresh_reconciles_in_full_and_rechecks_reach_their_source() {
        let (tx, mut rx) = mpsc::channel(16);
        let rereads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let rechecks = Arc::new(Mutex::new(Vec::new()));
        let source = Reconciling {
            rereads: Arc::clone(&rereads),
            rechecks: Arc::clone(&rechecks),
        };
        let pollers = Pollers::start(
            vec![Box::new(source)],
            Vec::new(),
            crate::logs::detect::Detector::new(Vec::new()),
            Packer::new(),
            tx,
        );
        pollers.set_active(Feed::Logs, true);
        assert!(rx.recv().await.is_some(), "the first poll");
        pollers.set_groups(vec!["/g".into()], 1);
        assert!(rx.recv().await.is_some(), "a poll for the new groups");
        assert_eq!(rereads.load(std::sync::atomic::Ordering::SeqCst), 0);
        // Rechecks wait for the source's next poll, and go to that source only.
        pollers.recheck("reconciling".into(), vec!["f-2".into()]);
        pollers.recheck("another".into(), vec!["f-9".into()]);
        assert!(lock(&rechecks).is_empty());
        pollers.refresh();
        assert!(rx.recv().await.is_some(), "the refresh's poll");
        assert_eq!(rereads.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(*lock(&rechecks), ["f-2"]);
        pollers.stop();
    }
}
