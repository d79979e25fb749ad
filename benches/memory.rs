//! Resident memory with 100,000 findings loaded and a filtered, sorted table.
//!
//! `cargo bench --bench memory`, or for the kernel's own accounting:
//! `scripts/bench-memory.sh` (runs this binary under `/usr/bin/time -v`, both ways).
//!
//! As picket runs by default, with its disk store (`PICKET_BENCH_STORE=1`): batches go through
//! the runtime's own writer (`runtime::persist`), and a raw record leaves memory once it is on
//! disk. Without (`--no-store`, the default of this binary): every raw record stays in memory,
//! packed.

use jiff::Timestamp;

use picket::app::{App, Msg, Options, update};
use picket::sources::demo::{DemoOrg, FindingBatches};
use picket::sources::{Batch, Feed};
use picket::store::Held;

/// Counts the bytes the program holds from the allocator, beside what the kernel counts
/// resident: the difference is the allocator's own keeping (freed memory not yet returned).
struct Counting;

static HELD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static HELD_PEAK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only counted.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        use std::sync::atomic::Ordering::Relaxed;
        let held = HELD.fetch_add(layout.size(), Relaxed) + layout.size();
        HELD_PEAK.fetch_max(held, Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        HELD.fetch_sub(layout.size(), std::sync::atomic::Ordering::Relaxed);
        // SAFETY: allocated above with this layout.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // `cargo bench` passes --bench; a filter argument that is not ours skips the run.
    if std::env::args().skip(1).any(|a| !a.starts_with("--")) {
        return;
    }
    let n: usize = std::env::var("PICKET_BENCH_FINDINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let now: Timestamp = picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp");
    // As picket's main does first.
    picket::runtime::memory::tune_allocator();
    let before = status_kib("VmRSS:").unwrap_or(0);
    // Loaded page by page, as sources deliver them: 1,000 findings at a time.
    let org = DemoOrg::new(7);
    let mut app = App::new(Options::default(), now);
    update(&mut app, Msg::Resize(200, 50));
    let with_store = std::env::var("PICKET_BENCH_STORE").is_ok_and(|v| v == "1");
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let (stored_tx, stored_rx) = std::sync::mpsc::channel::<Msg>();
    let mut persist = with_store.then(|| {
        let disk = std::sync::Arc::new(
            picket::store::disk::Disk::open(&dir.path().join("store.sqlite")).expect("store"),
        );
        picket::runtime::persist::restore(&mut app, &disk);
        let reply = picket::runtime::Reply::new(move |msg| {
            let _ = stored_tx.send(msg);
        });
        let _entered = runtime.enter();
        picket::runtime::persist::Persist::start(Some(disk), reply)
    });
    let mut pending_writes = 0usize;
    let mut batches = FindingBatches::new(7, now);
    let packer = picket::model::packing::Packer::new();
    let no_detections = picket::logs::detect::Detector::new(Vec::new());
    let mut loaded = 0;
    while loaded < n {
        let findings = batches.next_batch(1_000.min(n - loaded));
        loaded += findings.len();
        let accounts = if loaded == findings.len() {
            org.accounts().to_vec()
        } else {
            Vec::new()
        };
        let mut batch = Batch {
            findings,
            accounts,
            initial: true,
            ..Batch::default()
        };
        // As a polling task prepares it: records packed, learning a dictionary per kind.
        batch.prepare(&no_detections, &packer);
        let mut msg = Msg::Batch(Feed::Findings, batch);
        if let Some(persist) = &mut persist {
            persist.before(&mut msg);
            update(&mut app, msg);
            persist.after(&mut app);
            pending_writes += 1;
        } else {
            update(&mut app, msg);
        }
        // What the writer has stored leaves memory, as the runtime hands it back.
        while let Ok(msg) = stored_rx.try_recv() {
            pending_writes = pending_writes.saturating_sub(1);
            update(&mut app, msg);
        }
    }
    while pending_writes > 0 {
        match stored_rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(msg) => {
                pending_writes -= 1;
                update(&mut app, msg);
            }
            Err(_) => panic!("the store writer stopped answering"),
        }
    }
    app.findings
        .table
        .set_filter(
            "sev>=medium -type:Policy*",
            &app.store,
            &app.directory,
            app.now,
        )
        .expect("valid filter");
    // What the store keeps: records are packed when stored.
    let in_memory = || {
        app.store.entries().iter().filter_map(|e| match &e.raw {
            Held::Here(raw) => Some(raw),
            Held::OnDisk(_) => None,
        })
    };
    let raw_bytes: usize = in_memory().map(|raw| raw.len()).sum();
    let stored_bytes: usize = in_memory().map(|raw| raw.stored_len()).sum();
    let rss = status_kib("VmRSS:").unwrap_or(0);
    let peak = status_kib("VmHWM:").unwrap_or(0);
    println!(
        "{}",
        if with_store {
            "with the disk store (picket's default)"
        } else {
            "without a disk store (--no-store)"
        }
    );
    println!(
        "findings: {}  rows after filter: {}",
        app.store.len(),
        app.findings.table.rows.len()
    );
    println!(
        "raw JSON: {:.1} MiB, kept compressed in {:.1} MiB",
        raw_bytes as f64 / 1_048_576.0,
        stored_bytes as f64 / 1_048_576.0
    );
    println!(
        "resident: {:.1} MiB (before loading {:.1} MiB)  peak: {:.1} MiB",
        rss as f64 / 1024.0,
        before as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    println!(
        "allocated: {:.1} MiB  peak: {:.1} MiB",
        HELD.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1_048_576.0,
        HELD_PEAK.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1_048_576.0
    );
}
