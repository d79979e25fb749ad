//! `picket findings` against moto reads every finding there is, however many polls that takes,
//! or says it did not: 2,500 Security Hub findings, read by a sweep a thousand at a time
//! (`picket::limits::SWEEP_FINDINGS_PER_POLL`), come out whole; `--limit` cuts the output
//! short, says so on stderr and exits 4; as json the output says it is not complete. 6,000
//! CloudTrail events come out of `picket logs` the same way, five thousand a poll.
//!
//! `scripts/sweep-moto.sh` runs the same at 25,000 findings (the import alone takes a while),
//! with the memory of the sweep measured.
//!
//! Needs `moto_server` (see tests/moto_sources.rs); PICKET_SKIP_MOTO=1 skips, saying so.

mod common;

use common::moto::{Moto, picket};

const FINDINGS: usize = 2_500;

/// Imports `n` ASFF findings (BatchImportFindings takes 100 a call), a second apart.
fn import_findings(moto: &Moto, n: usize) {
    moto.python(&format!(
        r#"
sh = boto3.client('securityhub', endpoint_url=url)
sh.enable_security_hub()
for begin in range(0, {n}, 100):
    batch = []
    for i in range(begin, min(begin + 100, {n})):
        stamp = (now - datetime.timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%S.000Z')
        batch.append({{
            'SchemaVersion': '2018-10-08', 'Id': f'finding-{{i}}', 'GeneratorId': 'picket-test',
            'ProductArn': 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
            'AwsAccountId': '123456789012', 'Types': ['Software and Configuration Checks'],
            'CreatedAt': stamp, 'UpdatedAt': stamp, 'Severity': {{'Label': 'MEDIUM'}},
            'Title': f'finding {{i}}', 'Description': 'imported by the test',
            'Resources': [{{'Type': 'Other', 'Id': f'resource-{{i}}'}}]}})
    out = sh.batch_import_findings(Findings=batch)
    assert out['FailedCount'] == 0, out
"#
    ));
}

fn findings(url: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "findings",
        "--source",
        "securityhub",
        "--endpoint-url",
        url,
        "--region",
        "us-east-1",
    ];
    args.extend_from_slice(extra);
    picket(&args)
}

fn ids(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["id"].as_str().expect("an id").to_string()
        })
        .collect()
}

#[test]
fn a_sweep_prints_every_finding_once_or_says_it_did_not() {
    let Some(moto) = Moto::start() else { return };
    import_findings(&moto, FINDINGS);
    let url = moto.url();

    let all = findings(&url, &["--format", "jsonl"]);
    let stderr = String::from_utf8_lossy(&all.stderr);
    assert_eq!(all.status.code(), Some(0), "{stderr}");
    let printed = ids(&all.stdout);
    assert_eq!(printed.len(), FINDINGS, "every finding: {stderr}");
    let distinct: std::collections::BTreeSet<&String> = printed.iter().collect();
    assert_eq!(distinct.len(), FINDINGS, "each once");
    assert!(!stderr.contains("incomplete"), "{stderr}");

    let limited = findings(&url, &["--format", "jsonl", "--limit", "2000"]);
    let stderr = String::from_utf8_lossy(&limited.stderr);
    assert_eq!(limited.status.code(), Some(4), "incomplete: {stderr}");
    assert_eq!(ids(&limited.stdout).len(), 2_000);
    assert_eq!(
        stderr.lines().last(),
        Some(
            "picket: incomplete: 2,000 findings printed; stopped at --limit 2000 with more to read"
        ),
        "{stderr}"
    );

    let json = findings(&url, &["--format", "json", "--limit", "2000"]);
    assert_eq!(json.status.code(), Some(4));
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one document");
    assert_eq!(document["complete"], false);
    assert_eq!(
        document["incomplete"][0],
        "--limit 2000: 500 more findings not printed"
    );
    assert_eq!(document["findings"].as_array().map(Vec::len), Some(2_000));

    let whole = findings(&url, &["--format", "json"]);
    assert_eq!(whole.status.code(), Some(0));
    let document: serde_json::Value = serde_json::from_slice(&whole.stdout).expect("one document");
    assert_eq!(document["complete"], true);
    assert_eq!(
        document["findings"].as_array().map(Vec::len),
        Some(FINDINGS)
    );
}

#[test]
fn a_logs_sweep_prints_every_event_once_or_says_it_did_not() {
    let Some(moto) = Moto::start() else { return };
    let events = 6_000;
    moto.python(&format!(
        r#"
logs = boto3.client('logs', endpoint_url=url)
logs.create_log_group(logGroupName='trail')
logs.create_log_stream(logGroupName='trail', logStreamName='123456789012_CloudTrail_us-east-1')
ms = int(now.timestamp() * 1000)
for begin in range(0, {events}, 2000):
    batch = [{{'timestamp': ms - 600000 + i, 'message': json.dumps({{'eventSource': 'iam.amazonaws.com', 'eventName': f'Call{{i}}', 'eventTime': now.strftime('%Y-%m-%dT%H:%M:%SZ'), 'userIdentity': {{'type': 'IAMUser', 'userName': 'mallory'}}}})}} for i in range(begin, begin + 2000)]
    logs.put_log_events(logGroupName='trail', logStreamName='123456789012_CloudTrail_us-east-1', logEvents=batch)
"#
    ));
    let url = moto.url();
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "logs",
            "--endpoint-url",
            &url,
            "--region",
            "us-east-1",
            "--group",
            "trail",
            "--format",
            "jsonl",
        ];
        args.extend_from_slice(extra);
        picket(&args)
    };
    let all = sweep(&[]);
    let stderr = String::from_utf8_lossy(&all.stderr);
    assert_eq!(all.status.code(), Some(0), "{stderr}");
    let names: std::collections::BTreeSet<String> = String::from_utf8_lossy(&all.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["message"]["eventName"]
                .as_str()
                .expect("a name")
                .to_string()
        })
        .collect();
    assert_eq!(names.len(), events, "every event, once: {stderr}");
    assert_eq!(String::from_utf8_lossy(&all.stdout).lines().count(), events);

    let limited = sweep(&["--limit", "100"]);
    assert_eq!(limited.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&limited.stdout).lines().count(),
        100
    );
    assert!(
        String::from_utf8_lossy(&limited.stderr)
            .contains("picket: incomplete: 100 events printed; stopped at --limit 100"),
    );
}
