//! Resident memory with 100,000 findings loaded and a filtered, sorted table.
//!
//! `cargo bench --bench memory`, or for the kernel's own accounting:
//! `scripts/bench-memory.sh` (runs this binary under `/usr/bin/time -v`).

use jiff::Timestamp;

use picket::app::{App, Msg, Options, update};
use picket::sources::demo::{DemoOrg, FindingBatches};
use picket::sources::{Batch, Feed};
use picket::store::Held;

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
    let before = status_kib("VmRSS:").unwrap_or(0);
    // Loaded page by page, as sources deliver them: 1,000 findings at a time.
    let org = DemoOrg::new(7);
    let mut app = App::new(Options::default(), now);
    update(&mut app, Msg::Resize(200, 50));
    let mut batches = FindingBatches::new(7, now);
    let mut loaded = 0;
    while loaded < n {
        let findings = batches.next_batch(1_000.min(n - loaded));
        loaded += findings.len();
        let accounts = if loaded == findings.len() {
            org.accounts().to_vec()
        } else {
            Vec::new()
        };
        let batch = Batch {
            findings,
            accounts,
            initial: true,
            ..Batch::default()
        };
        update(&mut app, Msg::Batch(Feed::Findings, batch));
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
}
