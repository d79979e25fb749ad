//! A delegated-administrator account with a million active findings: what the disk store, the
//! event feed and the quota share cost, each figure against its target.
//!
//! `cargo bench --bench org_scale` (`PICKET_BENCH_FINDINGS=N` for another size).
//!
//! - The store is filled for real: N distinct findings of the demo's mix, through the real
//!   generators, mappers and packing, written by the disk store in batches of 10,000.
//! - The warm restart runs in a fresh process (this binary, `--restart`), as picket starts:
//!   open the store, load every row, draw the first complete frame at 120×40; its time and its
//!   resident memory are the process's own.
//! - A finding's detail is read back from the store (1,000 random findings).
//! - A change emitted by AWS: picket's part, timed for real on the million-finding queue (a
//!   feed message parsed, taken in, written to the store, the row redrawn). SQS answers a long
//!   poll as soon as a message arrives, so the poll adds no wait; EventBridge's own delivery
//!   (AWS quotes typically under a second) cannot be measured here and is stated, not timed.
//! - A cold start (no store): the overview's organization-wide counts, through the real
//!   Security Hub source (v2) asking GetFindingStatisticsV2 through the request budget at the
//!   quota share, its answer for a million findings across 1,000 accounts (the SDK's mock
//!   client: no network), taken in and drawn. The two AWS round trips before it (STS, the
//!   statistics) are not measurable here and are stated.
//! - Steady state and the first complete read run through picket's real request budget at the
//!   configured quota share, on a paused tokio clock (virtual time, exact figures): 1,000 changed
//!   findings an hour read by UpdatedAt windows every minute, and a full reconciliation of the
//!   million (10,000 GetFindings pages).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;

use picket::app::{App, Msg, Options, update};
use picket::aws::budget::{BucketKey, Budget, DEFAULT_IN_FLIGHT, DEFAULT_QUOTA_SHARE};
use picket::sources::demo::FindingBatches;
use picket::sources::{Batch, Feed};
use picket::store::disk::{Disk, Written};
use picket::store::{EntryIx, Row};

const BATCH: usize = 10_000;
/// Security Hub GetFindings: 3 requests a second, 100 findings a page.
const GET_FINDINGS_RATE: f64 = 3.0;
const GET_FINDINGS_BURST: f64 = 6.0;
const PAGE: usize = 100;

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn now() -> Timestamp {
    picket::render::DEFAULT_NOW
        .parse()
        .expect("valid timestamp")
}

fn figure(name: &str, value: String, target: &str) {
    println!("{name:<58} {value:>16}   target {target}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--restart") {
        let path = args.get(i + 1).expect("--restart PATH");
        restart(Path::new(path));
        return;
    }
    // For profiling the restart on a store that stays: `--fill PATH N`, then `--restart PATH`.
    if let Some(i) = args.iter().position(|a| a == "--fill") {
        let path = args.get(i + 1).expect("--fill PATH N");
        let n = args
            .get(i + 2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1_000_000);
        fill(Path::new(path), n);
        return;
    }
    // `cargo bench` passes --bench; a filter argument that is not ours skips the run.
    if args.iter().skip(1).any(|a| !a.starts_with("--")) {
        return;
    }
    let n: usize = std::env::var("PICKET_BENCH_FINDINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.sqlite");
    println!("org_scale: {n} findings, one delegated-admin account and region\n");

    let filled = Instant::now();
    fill(&path, n);
    let fill_time = filled.elapsed();
    // What stays on disk: the WAL is folded in at checkpoints and kept under 64 MiB.
    Disk::open(&path)
        .and_then(|d| d.checkpoint())
        .expect("checkpoint");
    let bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| {
            let mut p = path.clone().into_os_string();
            p.push(s);
            std::fs::metadata(p).ok()
        })
        .map(|m| m.len())
        .sum();
    figure(
        "store filled (generate, map, pack, write)",
        format!("{:.1} s", fill_time.as_secs_f64()),
        "—",
    );
    figure(
        "store size on disk",
        format!("{:.0} MiB", bytes as f64 / 1_048_576.0),
        "—",
    );
    figure(
        "store size per million findings",
        format!("{:.0} MiB", bytes as f64 / 1_048_576.0 * 1e6 / n as f64),
        "—",
    );

    // The warm restart in a process of its own, as picket starts.
    let child = std::process::Command::new(std::env::current_exe().expect("this binary"))
        .args(["--restart", &path.to_string_lossy()])
        .output()
        .expect("the restart runs");
    print!("{}", String::from_utf8_lossy(&child.stdout));
    if !child.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&child.stderr));
        std::process::exit(1);
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(cold_start(n));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    runtime.block_on(quota(n));
}

/// A first start with no store: from an empty overview to the one showing the service's counts
/// of `n` findings in 1,000 accounts.
async fn cold_start(n: usize) {
    use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
    let accounts = 1_000u64;
    let per_account = n as u64 / accounts;
    let stats = mock!(aws_sdk_securityhub::Client::get_finding_statistics_v2)
        .then_compute_response(move |r| {
            let most = usize::try_from(r.max_statistic_results().unwrap_or(100)).unwrap_or(100);
            let group = |field: &str, values: Vec<serde_json::Value>| {
                serde_json::json!({"GroupByField": field, "GroupByValues": values})
            };
            // A fifth of each account's findings in each severity; AWS returns the largest
            // groups, `max_statistic_results` of them.
            let by_account = || {
                (0..accounts)
                    .take(most)
                    .map(|a| serde_json::json!({"FieldValue": format!("{:012}", 100_000_000_000 + a), "Count": per_account / 5}))
                    .collect()
            };
            let severities = ["Critical", "High", "Medium", "Low", "Informational"]
                .map(|s| serde_json::json!({"FieldValue": s, "Count": n as u64 / 5}))
                .to_vec();
            let types = (0..10)
                .map(|t| serde_json::json!({"FieldValue": format!("Software and Configuration Checks/Type {t}"), "Count": n as u64 / 10}))
                .collect();
            let mut results = vec![group("severity", severities), group("finding_info.types", types)];
            results.extend((0..5).map(|_| group("cloud.account.uid", by_account())));
            let body = serde_json::json!({ "GroupByResults": results }).to_string();
            let mut response = aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(200).expect("status"),
                aws_smithy_types::body::SdkBody::from(body),
            );
            response
                .headers_mut()
                .insert("content-type", "application/json");
            MockResponse::Http(response)
        });
    let client = mock_client!(aws_sdk_securityhub, RuleMode::MatchAny, [&stats]);
    let who = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account("111122223333")
            .arn("arn:aws:iam::111122223333:role/analyst")
            .build()
    });
    let identity = picket::aws::plan::Identity::with_client(mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        [&who]
    ));
    let budget = Budget::sharing(DEFAULT_IN_FLIGHT, DEFAULT_QUOTA_SHARE);
    let track = picket::aws::Track::new(
        "111122223333",
        "us-east-1",
        picket::model::health::Service::SecurityHub,
        None,
        Duration::from_secs(60),
    )
    .with_budget(budget);

    let started = Instant::now();
    let mut app = App::new(Options::default(), now());
    update(&mut app, Msg::Resize(120, 40));
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    terminal
        .draw(|frame| picket::ui::draw(frame, &app))
        .expect("drawn");
    let mut source = picket::aws::securityhub::SecurityHubSource::new(
        client,
        track,
        picket::aws::securityhub::Api::V2,
        vec![
            picket::model::Workflow::New,
            picket::model::Workflow::Notified,
        ],
        Duration::from_secs(600),
        identity,
    )
    .counting(true);
    use picket::sources::Source;
    let batch = source.poll(jiff::Timestamp::now()).await;
    update(&mut app, Msg::Batch(Feed::Findings, batch));
    terminal
        .draw(|frame| picket::ui::draw(frame, &app))
        .expect("drawn");
    let took = started.elapsed();
    let text = picket::render::export::text(terminal.backend().buffer());
    assert!(
        text.contains(&format!("Open findings by account · {}", thousands(n))),
        "the overview shows the service's count:\n{text}"
    );
    figure(
        "cold start: org-wide counts on screen (+ 2 AWS round trips)",
        format!("{:.0} ms", took.as_secs_f64() * 1e3),
        "≤ 10 s",
    );
}

/// Writes `n` distinct findings to the store at `path`, as the sources would deliver them.
fn fill(path: &Path, n: usize) {
    let disk = Disk::open(path).expect("store opens");
    let mut batches = FindingBatches::new(7, now());
    // Packed as the polling tasks pack them, learning a dictionary from the first records.
    let packer = picket::model::packing::Packer::new();
    let mut written = 0;
    while written < n {
        let mut findings = batches.next_batch(BATCH.min(n - written));
        for finding in &mut findings {
            finding.raw.pack_with(&packer);
        }
        written += findings.len();
        let rows: Vec<Written> = findings
            .into_iter()
            .map(|f| Written {
                // The last shift looked at every one.
                look: Some(picket::store::Look {
                    label: f.severity.label,
                    workflow: f.workflow,
                    archived: f.archived,
                    count: u32::try_from(f.count).unwrap_or(u32::MAX),
                }),
                row: Row::of(&f),
                kind: f.raw.kind(),
                arrived: now(),
                unseen: false,
                raw: Some(f.raw),
                // As the delegated admin's Security Hub source delivers them.
                reader: Some("securityhub us-east-1 111111111111".to_string()),
            })
            .collect();
        disk.write(&rows, &[], now()).expect("written");
    }
}

/// The child process: picket restarting on a populated store.
fn restart(path: &Path) {
    let started = Instant::now();
    let before = status_kib("VmRSS:").unwrap_or(0);
    let disk = Arc::new(Disk::open(path).expect("store opens"));
    let mut app = App::new(Options::default(), now());
    update(&mut app, Msg::Resize(120, 40));
    picket::runtime::persist::restore(&mut app, &disk);
    let loaded = app.store.len();
    update(
        &mut app,
        Msg::Key(picket::app::Key::plain(picket::app::KeyCode::Char('2'))),
    );
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    terminal
        .draw(|frame| picket::ui::draw(frame, &app))
        .expect("drawn");
    let first_frame = started.elapsed();
    let text = picket::render::export::text(terminal.backend().buffer());
    assert!(
        text.contains(&format!("{} of {}", thousands(loaded), thousands(loaded))),
        "the first frame shows the whole queue:\n{text}"
    );
    let rss = status_kib("VmRSS:").unwrap_or(0);
    let peak = status_kib("VmHWM:").unwrap_or(0);
    figure(
        "warm restart: first complete frame (open, load, draw)",
        format!("{:.2} s", first_frame.as_secs_f64()),
        "≤ 2 s",
    );
    figure(
        "warm restart: resident memory after the first frame",
        format!("{:.0} MiB", rss as f64 / 1024.0),
        "≤ 400 MB",
    );
    figure(
        "warm restart: resident memory before loading",
        format!("{:.0} MiB", before as f64 / 1024.0),
        "—",
    );
    figure(
        "warm restart: peak resident memory",
        format!("{:.0} MiB", peak as f64 / 1024.0),
        "≤ 400 MB",
    );

    // Opening a finding: its raw record read back from the store and mapped.
    let mut rng = fastrand::Rng::with_seed(11);
    let mut times: Vec<Duration> = (0..1_000)
        .map(|_| {
            let ix = rng.u32(..app.store.len() as u32) as EntryIx;
            let at = Instant::now();
            let finding = app.store.finding(ix).expect("the record reads back");
            std::hint::black_box(finding);
            at.elapsed()
        })
        .collect();
    times.sort();
    figure(
        "detail from the store: median / p99 (1,000 random)",
        format!(
            "{:.2} / {:.2} ms",
            times[500].as_secs_f64() * 1e3,
            times[990].as_secs_f64() * 1e3
        ),
        "≤ 10 ms",
    );

    // A change emitted by AWS, picket's part: ten feed messages (one SQS receive) parsed, taken
    // in, written to the store and drawn.
    let mut feed_times = Vec::new();
    for round in 0..20u32 {
        let ix = rng.u32(..app.store.len() as u32) as EntryIx;
        let raw = app.store.raw(ix).expect("raw").as_delivered();
        let mut bodies = Vec::new();
        for i in 0..10 {
            let mut record: serde_json::Value = serde_json::from_str(&raw).expect("JSON");
            // Later than anything stored: a change AWS makes now, never an old copy.
            let stamp = (now()
                + jiff::SignedDuration::from_hours(24)
                + jiff::SignedDuration::from_secs(i64::from(round * 10 + i)))
            .to_string();
            let event = if record.get("AwsAccountId").is_some() {
                record["ProcessedAt"] = serde_json::json!(stamp);
                record["Workflow"] = serde_json::json!({"Status": "NOTIFIED"});
                serde_json::json!({"detail-type": "Security Hub Findings - Imported",
                    "source": "aws.securityhub", "detail": {"findings": [record]}})
            } else {
                record["updatedAt"] = serde_json::json!(stamp);
                record["service"]["count"] = serde_json::json!(1000 + round * 10 + i);
                serde_json::json!({"detail-type": "GuardDuty Finding",
                    "source": "aws.guardduty", "detail": record})
            };
            bodies.push(event.to_string());
        }
        let at = Instant::now();
        let mut findings = Vec::new();
        for body in &bodies {
            let (mut found, _) = picket::model::event::read_message(body).expect("an event");
            findings.append(&mut found);
        }

        update(
            &mut app,
            Msg::Batch(
                Feed::Findings,
                Batch {
                    findings,
                    ..Batch::default()
                },
            ),
        );
        let changed = app.store.take_changed();
        assert!(!changed.is_empty(), "the feed's change reached the queue");
        let rows: Vec<Written> = changed
            .iter()
            .filter_map(|&ix| Written::of(&app.store, ix))
            .collect();
        disk.write(&rows, &[], now()).expect("written");
        terminal
            .draw(|frame| picket::ui::draw(frame, &app))
            .expect("drawn");
        feed_times.push(at.elapsed());
    }
    feed_times.sort();
    figure(
        "a change from the feed to the screen, picket's part (p50/max)",
        format!(
            "{:.0} / {:.0} ms",
            feed_times[10].as_secs_f64() * 1e3,
            feed_times[19].as_secs_f64() * 1e3
        ),
        "≤ 5 s with delivery",
    );

    // The incidents view over the whole queue: grouping it the first time (attack sequences'
    // records read from the store), then a refresh while grouped (what every change costs:
    // filter, sort and grouping), and a grouped frame.
    use picket::app::incidents::GroupBy;
    for by in GroupBy::ALL {
        let at = Instant::now();
        app.findings
            .table
            .group_by(Some(by), &app.store, &app.directory);
        let first = at.elapsed();
        let at = Instant::now();
        app.findings
            .table
            .refresh(&app.store, &app.directory, app.now);
        terminal
            .draw(|frame| picket::ui::draw(frame, &app))
            .expect("drawn");
        let again = at.elapsed();
        figure(
            &format!(
                "incidents by {}: first grouping / refresh + frame",
                by.name()
            ),
            format!(
                "{:.0} / {:.0} ms, {} groups",
                first.as_secs_f64() * 1e3,
                again.as_secs_f64() * 1e3,
                thousands(app.findings.table.incidents.groups.len())
            ),
            "—",
        );
    }

    // The posture screen over the whole queue: compliance, exposure and coverage worked out
    // when it is shown, and its frame.
    let at = Instant::now();
    update(&mut app, Msg::Key(picket::app::Key::char('5')));
    terminal
        .draw(|frame| picket::ui::draw(frame, &app))
        .expect("drawn");
    figure(
        "posture screen shown: compliance + exposure + coverage + frame",
        format!(
            "{:.0} ms, {} standards",
            at.elapsed().as_secs_f64() * 1e3,
            app.posture.compliance.standards.len()
        ),
        "—",
    );
    // Presenter mode: a frame of the queue with every string masked.
    update(&mut app, Msg::Key(picket::app::Key::char('2')));
    let at = Instant::now();
    update(&mut app, Msg::Key(picket::app::Key::char('P')));
    terminal
        .draw(|frame| picket::ui::draw(frame, &app))
        .expect("drawn");
    figure(
        "presenter mode: turned on + first masked frame of the queue",
        format!("{:.1} ms", at.elapsed().as_secs_f64() * 1e3),
        "≤ 16 ms frame",
    );
}

/// The request budget at the configured share, over a simulated day: a full read of the
/// million (the first load, and the daily reconciliation), and the news read by UpdatedAt window
/// every minute (1,000 changes an hour: one page), both through the same bucket.
async fn quota(n: usize) {
    let share = DEFAULT_QUOTA_SHARE;
    let budget = Budget::sharing(DEFAULT_IN_FLIGHT, share);
    let key = BucketKey {
        account: "111122223333".into(),
        region: "us-east-1".into(),
        api: "securityhub:GetFindings",
    };
    let pages = n.div_ceil(PAGE);
    let answer = Duration::from_millis(150);
    let day = Duration::from_secs(24 * 3600);
    let start = tokio::time::Instant::now();

    let full_read = {
        let (budget, key) = (Arc::clone(&budget), key.clone());
        tokio::spawn(async move {
            for _ in 0..pages {
                let _ = budget.run(&key, answered(answer), |_: &()| false).await;
            }
            start.elapsed()
        })
    };
    let news = {
        let (budget, key) = (Arc::clone(&budget), key.clone());
        tokio::spawn(async move {
            let mut minute = tokio::time::interval(Duration::from_secs(60));
            while start.elapsed() < day {
                minute.tick().await;
                let _ = budget.run(&key, answered(answer), |_: &()| false).await;
            }
        })
    };
    // Calls in each minute of the day.
    let mut per_minute = Vec::new();
    let mut before = 0;
    while start.elapsed() < day {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let total: u64 = budget.counts().iter().map(|(_, c)| c.requests).sum();
        per_minute.push(total - before);
        before = total;
    }
    let took = full_read.await.expect("full read").as_secs_f64();
    news.abort();
    let bound = pages as f64 / (GET_FINDINGS_RATE * share);
    figure(
        &format!("first complete read at quota share {share} ({pages} pages)"),
        format!("{:.2} h", took / 3600.0),
        &format!("≤ 1.1 × {:.2} h", bound / 3600.0),
    );
    figure(
        "first complete read against its quota bound",
        format!("{:.3} ×", took / bound),
        "≤ 1.1 ×",
    );
    // What AWS allows in a minute: the rate, and the burst a quiet bucket holds.
    let quota_per_minute = GET_FINDINGS_RATE * 60.0 + GET_FINDINGS_BURST;
    let busiest = per_minute.iter().copied().max().unwrap_or(0) as f64;
    // The steady state: the minutes after the full read (news only), and the day's average with
    // one full reconciliation in it.
    let after: Vec<u64> = per_minute
        .iter()
        .skip((took / 60.0).ceil() as usize + 1)
        .copied()
        .collect();
    let steady = after.iter().sum::<u64>() as f64 / after.len().max(1) as f64;
    let average = per_minute.iter().sum::<u64>() as f64 / per_minute.len().max(1) as f64;
    figure(
        "steady state: GetFindings calls a minute (news only)",
        format!("{steady:.1}"),
        "—",
    );
    figure(
        "steady state: share of the GetFindings quota (news only)",
        format!("{:.1} %", steady / quota_per_minute * 100.0),
        "≤ 25 %",
    );
    figure(
        "a day with one full reconciliation: calls a minute, average",
        format!("{average:.1}"),
        "—",
    );
    figure(
        "a day with one reconciliation: busiest minute, share of AWS's allowance",
        format!("{:.1} %", busiest / quota_per_minute * 100.0),
        "≤ 25 %",
    );
}

/// A simulated answer from AWS after `latency`.
async fn answered(latency: Duration) -> Result<(), ()> {
    tokio::time::sleep(latency).await;
    Ok(())
}

fn thousands(n: usize) -> String {
    picket::ui::text::thousands(n)
}
