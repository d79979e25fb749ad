//! Frame time, filter latency and time to first frame, with criterion.
//!
//! `cargo bench --bench ui`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use picket::app::{App, Key, Msg, Options, update};
use picket::sources::demo::{DemoOrg, generate_findings};
use picket::sources::{Batch, Feed};

const FILTER: &str = "sev>=medium region:us-east-1,eu-west-1 -type:Policy*";
const FINDINGS: usize = 100_000;

fn now() -> Timestamp {
    picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp")
}

/// An app holding 100,000 demo findings, on the findings screen at 200×50.
fn loaded_app() -> App {
    let org = DemoOrg::new(7);
    let mut app = App::new(Options::default(), now());
    update(&mut app, Msg::Resize(200, 50));
    let batch = Batch {
        findings: generate_findings(7, FINDINGS, now()),
        accounts: org.accounts().to_vec(),
        initial: true,
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, batch));
    update(&mut app, Msg::Key(Key::char('2')));
    app
}

fn draw_findings(c: &mut Criterion) {
    let mut app = loaded_app();
    app.findings
        .table
        .set_filter(FILTER, &app.store, &app.directory, app.now)
        .expect("valid filter");
    assert!(
        app.findings.table.rows.len() > 10_000,
        "the filter leaves a large table"
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    let page = picket::app::layout::findings_page(app.size);
    c.bench_function("draw findings 200x50, 100k findings, filter active", |b| {
        b.iter(|| {
            // Move the selection so every frame differs from the previous one.
            app.findings.table.move_by(1, page);
            terminal
                .draw(|frame| picket::ui::draw(frame, black_box(&app)))
                .expect("draw");
        })
    });
}

/// The same frames in presenter mode: every string masked before it is cut to fit. Each frame
/// scrolls by a page, so it shows rows (and names) the previous one did not.
fn draw_findings_presenting(c: &mut Criterion) {
    let mut app = loaded_app();
    update(&mut app, Msg::Key(Key::char('P')));
    assert!(app.present);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    let page = picket::app::layout::findings_page(app.size);
    c.bench_function("draw findings 200x50, 100k findings, presenter mode", |b| {
        b.iter(|| {
            let table = &mut app.findings.table;
            if table.selected + page >= table.len() {
                table.select(0, page);
            } else {
                table.move_by(page as isize, page);
            }
            terminal
                .draw(|frame| picket::ui::draw(frame, black_box(&app)))
                .expect("draw");
        })
    });
    update(&mut app, Msg::Key(Key::char('2')));
    update(&mut app, Msg::Key(Key::plain(picket::app::KeyCode::Enter)));
    c.bench_function("draw detail 200x50, presenter mode", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| picket::ui::draw(frame, black_box(&app)))
                .expect("draw");
        })
    });
}

fn refilter_and_sort(c: &mut Criterion) {
    let mut app = loaded_app();
    c.bench_function("re-filter + sort 100k findings", |b| {
        b.iter(|| {
            app.findings
                .table
                .set_filter(black_box(FILTER), &app.store, &app.directory, app.now)
                .expect("valid filter");
            black_box(app.findings.table.rows.len())
        })
    });
    c.bench_function("re-filter + sort 100k findings, free words", |b| {
        b.iter(|| {
            app.findings
                .table
                .set_filter(
                    black_box("sev>=low instance -status:resolved"),
                    &app.store,
                    &app.directory,
                    app.now,
                )
                .expect("valid filter");
            black_box(app.findings.table.rows.len())
        })
    });
    c.bench_function("sort 100k findings by type (no filter)", |b| {
        app.findings
            .table
            .set_filter("", &app.store, &app.directory, app.now)
            .expect("valid filter");
        app.findings.table.sort = picket::store::SortKey::Type;
        b.iter(|| {
            app.findings
                .table
                .refresh(&app.store, &app.directory, app.now);
            black_box(app.findings.table.rows.len())
        })
    });
}

/// The incidents view over 100,000 findings: the filter, the sort and the grouping together
/// (what every change to the queue costs while it is grouped), and a grouped frame.
fn incidents(c: &mut Criterion) {
    use picket::app::incidents::GroupBy;
    let mut app = loaded_app();
    for by in GroupBy::ALL {
        app.findings
            .table
            .group_by(Some(by), &app.store, &app.directory);
        c.bench_function(
            &format!("re-filter + sort + group 100k findings by {}", by.name()),
            |b| {
                b.iter(|| {
                    app.findings
                        .table
                        .set_filter(black_box(FILTER), &app.store, &app.directory, app.now)
                        .expect("valid filter");
                    black_box(app.findings.table.incidents.groups.len())
                })
            },
        );
    }
    app.findings
        .table
        .group_by(Some(GroupBy::Sequence), &app.store, &app.directory);
    // Every incident open: the frame lists members and timelines, not just group rows.
    for g in 0..app.findings.table.incidents.groups.len() {
        app.findings.table.incidents.set_expanded(g, true);
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    let page = picket::app::layout::findings_page(app.size);
    c.bench_function(
        "draw incidents 200x50, 100k findings by sequence, all open",
        |b| {
            b.iter(|| {
                app.findings.table.move_by(1, page);
                terminal
                    .draw(|frame| picket::ui::draw(frame, black_box(&app)))
                    .expect("draw");
            })
        },
    );
}

/// The logs screen while CloudTrail arrives at 10,000 events a second: one second's batch taken
/// in (dedup, the buffer's filter, the fifteen CIS detections), and a frame drawn over a full
/// 100,000-event buffer with the filter active.
fn logs_under_load(c: &mut Criterion) {
    use picket::sources::demo::generate_trail;
    let mut app = App::new(Options::default(), now());
    update(&mut app, Msg::Resize(200, 50));
    update(&mut app, Msg::Key(Key::char('3')));
    let pattern = picket::logs::pattern::Pattern::parse(
        "{ $.errorCode = \"*UnauthorizedOperation\" || $.errorCode = \"AccessDenied*\" }",
    )
    .expect("pattern");
    app.logs.buffer.set_filter(Some(pattern));
    // As a polling task prepares a batch (detections checked, records packed) before the UI
    // task merges it: the merge is what is measured.
    let packer = picket::model::packing::Packer::new();
    let detector = app.logs.detector.clone();
    let second = |n: u64| {
        let start = now() + jiff::SignedDuration::from_secs(n as i64);
        let mut batch = Batch {
            events: generate_trail(n, 10_000, start),
            ..Batch::default()
        };
        batch.prepare(&detector, &packer);
        batch
    };
    // Fill the buffer to its 100,000 events first.
    for n in 0..10 {
        update(&mut app, Msg::Batch(Feed::Logs, second(n)));
    }
    assert_eq!(app.logs.buffer.len(), 100_000);
    assert!(
        app.logs.buffer.rows() > 1_000,
        "the filter leaves many rows"
    );
    let mut n = 10;
    c.bench_function(
        "logs: merge 10,000 CloudTrail events (1 s at 10k/s) on the UI task, filter and 15 detections on",
        |b| {
            b.iter_batched(
                || {
                    n += 1;
                    second(n)
                },
                |batch| update(&mut app, Msg::Batch(Feed::Logs, batch)),
                criterion::BatchSize::PerIteration,
            )
        },
    );
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("test backend");
    c.bench_function("draw logs 200x50, 100k-event buffer, filter active", |b| {
        b.iter(|| {
            app.logs.buffer.move_by(-1);
            terminal
                .draw(|frame| picket::ui::draw(frame, black_box(&app)))
                .expect("draw");
        })
    });
}

/// What the runtime does before its first frame: the demo organization, the findings source's
/// first poll and its preparation (records packed), the update, the draw. (The log stream's first poll answers after that frame.)
fn first_frame(c: &mut Criterion) {
    use futures_util::FutureExt;
    use picket::sources::Source;
    use picket::sources::demo::DemoFindings;
    c.bench_function(
        "time to first frame of --demo (org, first poll, update, draw 120x40)",
        |b| {
            b.iter(|| {
                let org = DemoOrg::new(0);
                let mut app = App::new(Options::default(), now());
                update(&mut app, Msg::Resize(120, 40));
                let mut findings = DemoFindings::new(org);
                let mut batch = findings
                    .poll(now())
                    .now_or_never()
                    .expect("the demo answers at once");
                // As its polling task prepares it before sending it.
                batch.prepare(
                    &picket::logs::detect::Detector::new(Vec::new()),
                    &picket::model::packing::Packer::new(),
                );
                update(&mut app, Msg::Batch(Feed::Findings, batch));
                let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
                terminal
                    .draw(|frame| picket::ui::draw(frame, black_box(&app)))
                    .expect("draw");
                black_box(terminal.backend().buffer().area.width)
            })
        },
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = draw_findings, draw_findings_presenting, refilter_and_sort, incidents, first_frame, logs_under_load
}
criterion_main!(benches);
