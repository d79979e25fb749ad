//! End to end against moto (a real AWS emulator): Security Hub findings imported with
//! BatchImportFindings come out of `picket findings`; log events put with PutLogEvents reach the
//! logs model; STS says who we are; a dead endpoint makes sources stale, a live one recovers them.
//!
//! Needs `moto_server` (`pip install 'moto[server]'`; `.ci/run` installs it). Without it these
//! tests fail and say so, unless PICKET_SKIP_MOTO=1.

mod common;

use common::moto::{ENV, Moto, picket, settings};

use picket::app::{App, Msg, Options, update};
use picket::aws::plan::Services;
use picket::aws::setup::build;
use picket::model::health::HealthState;
use picket::sources::{Feed, Source};

const SEVERITIES: [&str; 5] = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// Imports `n` ASFF findings, severities cycling through the labels.
fn import_findings(moto: &Moto, n: usize) {
    moto.python(&format!(
        r#"
sh = boto3.client('securityhub', endpoint_url=url)
sh.enable_security_hub()
stamp = now.strftime('%Y-%m-%dT%H:%M:%S.000Z')
labels = {SEVERITIES:?}
findings = [{{
    'SchemaVersion': '2018-10-08', 'Id': f'finding-{{i}}', 'GeneratorId': 'picket-test',
    'ProductArn': 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
    'AwsAccountId': '123456789012', 'Types': ['Software and Configuration Checks'],
    'CreatedAt': stamp, 'UpdatedAt': stamp, 'Severity': {{'Label': labels[i % 5]}},
    'Title': f'finding {{i}}', 'Description': 'imported by the test',
    'Resources': [{{'Type': 'Other', 'Id': f'resource-{{i}}'}}]}} for i in range({n})]
for start in range(0, len(findings), 100):
    out = sh.batch_import_findings(Findings=findings[start:start + 100])
    assert out['FailedCount'] == 0, out
"#
    ));
}

fn with_test_credentials<T>(f: impl FnOnce() -> T) -> T {
    // The SDK reads credentials from the environment. They are set once, before any test of
    // this binary reads it (Once blocks the others until done), and never changed after.
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| {
        for (k, v) in ENV {
            // SAFETY: runs once, before any in-process AWS call of these tests reads the environment.
            unsafe { std::env::set_var(k, v) };
        }
    });
    f()
}

#[test]
fn security_hub_findings_imported_into_moto_come_out_of_picket_findings() {
    let Some(moto) = Moto::start() else { return };
    import_findings(&moto, 300);
    let url = moto.url();
    let out = picket(&[
        "findings",
        "--source",
        "securityhub",
        "--endpoint-url",
        &url,
        "--region",
        "us-east-1",
        "--format",
        "jsonl",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 300, "every imported finding, once");
    for line in &lines {
        let i: usize = line["id"]
            .as_str()
            .and_then(|id| id.strip_prefix("finding-"))
            .and_then(|n| n.parse().ok())
            .expect("an imported id");
        assert_eq!(line["severity"]["label"], SEVERITIES[i % 5], "finding {i}");
    }
    // GuardDuty has no detector in moto: said in words, and Security Hub still answers (exit 0).
    let both = picket(&[
        "findings",
        "--endpoint-url",
        &url,
        "--region",
        "us-east-1",
        "--format",
        "csv",
    ]);
    assert!(both.status.success());
    assert!(
        String::from_utf8_lossy(&both.stderr).contains("GuardDuty is not enabled in us-east-1")
    );
}

#[test]
fn every_source_failing_exits_3() {
    let Some(moto) = Moto::start() else { return };
    let url = moto.url();
    drop(moto);
    let out = picket(&["findings", "--endpoint-url", &url, "--region", "us-east-1"]);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().count() >= 1 && stderr.lines().all(|l| l.starts_with("picket: ")),
        "{stderr}"
    );
}

#[test]
fn log_events_and_identity_reach_the_app() {
    let Some(moto) = Moto::start() else { return };
    moto.python(
        r#"
logs = boto3.client('logs', endpoint_url=url)
logs.create_log_group(logGroupName='aws-cloudtrail-logs-test')
logs.create_log_stream(logGroupName='aws-cloudtrail-logs-test', logStreamName='123456789012_CloudTrail_us-east-1')
ms = int(now.timestamp() * 1000)
events = [{'timestamp': ms - 60000 + i, 'message': json.dumps({'eventSource': 'iam.amazonaws.com', 'eventName': f'PutUserPolicy{i}', 'eventTime': now.strftime('%Y-%m-%dT%H:%M:%SZ'), 'userIdentity': {'type': 'IAMUser', 'userName': 'mallory'}})} for i in range(5)]
logs.put_log_events(logGroupName='aws-cloudtrail-logs-test', logStreamName='123456789012_CloudTrail_us-east-1', logEvents=events)
"#,
    );
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let services = Services {
        guardduty: false,
        securityhub: false,
        logs: true,
    };
    let built = with_test_credentials(|| runtime.block_on(build(&settings(&moto), services)))
        .expect("sources");
    let mut sources = built.sources;
    let batch = runtime.block_on(sources[0].poll(jiff::Timestamp::now()));
    assert_eq!(
        batch.health[0].health.state,
        HealthState::Ok,
        "{:?}",
        batch.health
    );
    assert_eq!(
        batch
            .identity
            .as_deref()
            .map(|i| i.starts_with("123456789012 · arn:aws:")),
        Some(true),
        "{:?}",
        batch.identity
    );
    let mut app = App::new(Options::default(), jiff::Timestamp::now());
    update(&mut app, Msg::Batch(Feed::Logs, batch));
    assert_eq!(
        app.logs.buffer.len(),
        5,
        "FilterLogEvents reached the logs model"
    );
    assert!(
        app.logs
            .buffer
            .events()
            .iter()
            .all(|e| e.trail.as_ref().is_some_and(|t| t.principal() == "mallory"))
    );
    let again = runtime.block_on(sources[0].poll(jiff::Timestamp::now()));
    update(&mut app, Msg::Batch(Feed::Logs, again));
    assert_eq!(
        app.logs.buffer.len(),
        5,
        "the overlap window adds no duplicates"
    );
}

#[test]
fn a_dead_endpoint_makes_sources_stale_and_a_live_one_recovers_them() {
    let Some(moto) = Moto::start() else { return };
    import_findings(&moto, 3);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let services = Services {
        guardduty: false,
        securityhub: true,
        logs: false,
    };
    let built = with_test_credentials(|| runtime.block_on(build(&settings(&moto), services)))
        .expect("sources");
    let mut source: Box<dyn Source> = built.sources.into_iter().next().expect("one source");
    let first = runtime.block_on(source.poll(jiff::Timestamp::now()));
    assert_eq!(
        (first.findings.len(), first.health[0].health.state),
        (3, HealthState::Ok)
    );
    let port = moto.port;
    drop(moto);
    let down = runtime.block_on(source.poll(jiff::Timestamp::now()));
    assert_eq!(
        down.health[0].health.state,
        HealthState::Stale,
        "{:?}",
        down.health
    );
    assert!(down.findings.is_empty());
    let moto = Moto::start_on(port).expect("moto again");
    import_findings(&moto, 3);
    let back = runtime.block_on(source.poll(jiff::Timestamp::now()));
    assert_eq!(
        back.health[0].health.state,
        HealthState::Ok,
        "{:?}",
        back.health
    );
}

#[test]
fn picket_logs_reads_log_groups_and_detects_through_filter_log_events() {
    let Some(moto) = Moto::start() else { return };
    moto.python(
        r#"
logs = boto3.client('logs', endpoint_url=url)
logs.create_log_group(logGroupName='aws-cloudtrail-logs-org')
logs.create_log_stream(logGroupName='aws-cloudtrail-logs-org', logStreamName='123456789012_CloudTrail_us-east-1')
ms = int(now.timestamp() * 1000)
def record(name, kind):
    return json.dumps({'eventVersion': '1.08', 'eventSource': 'iam.amazonaws.com', 'eventName': name,
        'eventTime': now.strftime('%Y-%m-%dT%H:%M:%SZ'), 'eventType': 'AwsApiCall', 'awsRegion': 'us-east-1',
        'recipientAccountId': '123456789012', 'userIdentity': {'type': kind, 'userName': 'mallory'}})
events = [{'timestamp': ms - 120000 + i * 1000, 'message': m} for i, m in enumerate([
    record('ListUsers', 'Root'), record('PutUserPolicy', 'IAMUser'), record('ListUsers', 'IAMUser'),
    record('GetUser', 'IAMUser')])]
logs.put_log_events(logGroupName='aws-cloudtrail-logs-org', logStreamName='123456789012_CloudTrail_us-east-1', logEvents=events)
"#,
    );
    let url = moto.url();
    let logs = |extra: &[&str]| {
        let mut args = vec![
            "logs",
            "--endpoint-url",
            &url,
            "--region",
            "us-east-1",
            "--since",
            "1h",
            "--format",
            "jsonl",
        ];
        args.extend_from_slice(extra);
        let out = picket(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
            .collect::<Vec<_>>()
    };
    assert_eq!(logs(&[]).len(), 4, "every event of the discovered group");
    let flagged = logs(&["--detect", "all"]);
    let names: Vec<(&str, &str)> = flagged
        .iter()
        .map(|l| {
            (
                l["message"]["eventName"].as_str().unwrap_or(""),
                l["detections"][0]["control"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("ListUsers", "CloudWatch.1"),
            ("PutUserPolicy", "CloudWatch.4")
        ]
    );
    let terms = logs(&[
        "--group",
        "aws-cloudtrail-logs-org",
        "--filter-pattern",
        "ListUsers",
    ]);
    assert_eq!(
        terms.len(),
        2,
        "a term pattern, applied by the service and again by picket"
    );
}

#[test]
fn a_source_resumed_from_its_mark_reads_on_as_news_not_as_a_first_sweep() {
    let Some(moto) = Moto::start() else { return };
    import_findings(&moto, 3);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let services = Services {
        guardduty: false,
        securityhub: true,
        logs: false,
    };
    let sources = || {
        with_test_credentials(|| runtime.block_on(build(&settings(&moto), services)))
            .expect("sources")
            .sources
            .into_iter()
            .next()
            .expect("one source")
    };
    let mut first_run = sources();
    let first = runtime.block_on(first_run.poll(jiff::Timestamp::now()));
    assert!(first.initial);
    let mark = first.mark.expect("a complete read leaves a mark");
    assert_eq!(mark.source, first_run.name());
    assert!(mark.full_read.is_some(), "the first read was a full one");

    // The next run starts from the mark the disk store kept.
    let mut next_run = sources();
    next_run.resume(mark.clone());
    let next = runtime.block_on(next_run.poll(jiff::Timestamp::now()));
    assert_eq!(
        next.health[0].health.state,
        HealthState::Ok,
        "{:?}",
        next.health
    );
    assert!(
        !next.initial,
        "findings read after a restart are news, not a baseline"
    );
    let next_mark = next.mark.expect("a mark");
    assert!(next_mark.cursor >= mark.cursor);
    assert_eq!(
        next_mark.full_read, mark.full_read,
        "no full re-read within the rescan time"
    );
}
