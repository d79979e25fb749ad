//! CloudTrail events per second through the whole ingest pipeline, as picket runs it: log
//! sources polled by their tasks on the runtime's worker threads (each record parsed into its
//! CloudTrail summary, checked against the fifteen CIS detections and packed), and the UI task
//! merging every batch into the log buffer and raising the alerts (`update`). Four sources
//! (log groups) of 100,000 records each, read 10,000 a poll, on a runtime of one worker per
//! core, as `picket` builds it.
//!
//! `cargo bench --bench ingest`. Prints one line: events, seconds, events/s.

use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::mpsc;

use picket::app::{App, Msg, Options, update};
use picket::model::LogEvent;
use picket::runtime::poller::Pollers;
use picket::sources::demo::generate_trail;
use picket::sources::{Batch, Feed, PollFuture, Source};

const SOURCES: usize = 4;
const EVENTS_PER_SOURCE: usize = 100_000;
const EVENTS_PER_POLL: usize = picket::limits::LOG_EVENTS_PER_POLL;

/// A log group's records as CloudWatch Logs delivers them (text), parsed at each poll as a
/// log source parses what it reads.
struct Replay {
    name: String,
    records: Vec<(Timestamp, String)>,
    next: usize,
}

impl Source for Replay {
    fn name(&self) -> &str {
        &self.name
    }
    fn feed(&self) -> Feed {
        Feed::Logs
    }
    fn interval(&self) -> Duration {
        if self.next < self.records.len() {
            Duration::ZERO
        } else {
            Duration::from_secs(3600)
        }
    }
    fn poll(&mut self, _now: Timestamp) -> PollFuture<'_> {
        let end = (self.next + EVENTS_PER_POLL).min(self.records.len());
        let events = self.records[self.next..end]
            .iter()
            .map(|(at, text)| {
                LogEvent::new(
                    *at,
                    "111111111111",
                    "us-east-1",
                    &self.name,
                    "111111111111_CloudTrail_us-east-1",
                    text,
                )
            })
            .collect();
        self.next = end;
        Box::pin(async move {
            Batch {
                events,
                ..Batch::default()
            }
        })
    }
}

fn main() {
    // `cargo bench` passes --bench; a filter argument that is not ours skips the run.
    if std::env::args().skip(1).any(|a| !a.starts_with("--")) {
        return;
    }
    picket::runtime::memory::tune_allocator();
    let start: Timestamp = picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp");
    let sources: Vec<Box<dyn Source>> = (0..SOURCES)
        .map(|n| {
            let records = generate_trail(n as u64, EVENTS_PER_SOURCE, start)
                .into_iter()
                .map(|e| (e.timestamp, e.message.as_delivered()))
                .collect();
            Box::new(Replay {
                name: format!("cloudtrail-{n}"),
                records,
                next: 0,
            }) as Box<dyn Source>
        })
        .collect();
    let total = SOURCES * EVENTS_PER_SOURCE;
    // As `picket` runs: a runtime of one worker per core, the UI task on the main thread.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut app = App::new(Options::default(), start);
    update(&mut app, Msg::Resize(120, 40));
    let detections = app.logs.detector.names().len();
    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let (process_before, ui_before) = (cpu(libc::RUSAGE_SELF), cpu(libc::RUSAGE_THREAD));
    let began = Instant::now();
    let merged = runtime.block_on(async {
        let pollers = Pollers::start(
            sources,
            Vec::new(),
            app.logs.detector.clone(),
            picket::model::packing::Packer::new(),
            tx,
        );
        pollers.set_active(Feed::Logs, true);
        let mut merged = 0;
        // The runtime's clock: a tick a second, which raises the alerts that matched again.
        let mut clock = tokio::time::interval(Duration::from_secs(1));
        while merged < total {
            let msg = tokio::select! {
                biased;
                _ = clock.tick() => Msg::Tick(start + jiff::SignedDuration::from_secs(began.elapsed().as_secs() as i64)),
                msg = rx.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
            };
            if let Msg::Batch(Feed::Logs, batch) = &msg {
                merged += batch.events.len();
            }
            update(&mut app, msg);
        }
        pollers.stop();
        merged
    });
    let seconds = began.elapsed().as_secs_f64();
    let process = cpu(libc::RUSAGE_SELF) - process_before;
    let ui = cpu(libc::RUSAGE_THREAD) - ui_before;
    assert_eq!(merged, total, "every event reached the app");
    assert!(
        !app.logs.alerts.is_empty(),
        "the detections raised alerts on the demo's stream"
    );
    println!(
        "ingest: {total} CloudTrail events (parse, {detections} detections, pack, merge) in {seconds:.2} s on {} cores: {:.0} events/s",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        total as f64 / seconds
    );
    println!(
        "cpu: {process:.2} s in all, {ui:.2} s on the UI task ({:.1} µs an event), {:.2} s on the polling tasks ({:.1} µs an event)",
        ui * 1e6 / total as f64,
        process - ui,
        (process - ui) * 1e6 / total as f64
    );
}

/// CPU seconds (user and system) of the process or of the calling thread.
fn cpu(who: libc::c_int) -> f64 {
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid rusage.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to that struct.
    unsafe { libc::getrusage(who, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
