//! `picket findings --open` and `picket logs --open` at their limits: the first problems of
//! unreadable files are printed word for word and the rest counted, every skipped record is in
//! the summary, and `--limit` cuts the output short with exit 4 and a last line that says so.

use std::process::{Command, Output};

fn picket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_picket"))
        .args(args)
        .env_remove("PICKET_CONFIG")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws/credentials",
        )
        .output()
        .expect("picket runs")
}

fn finding(id: &str, severity: f64) -> String {
    format!(
        r#"{{"id":"{id}","accountId":"111122223333","type":"Recon:EC2/Portscan","severity":{severity},"region":"us-east-1","title":"scan {id}","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","service":{{"count":1}}}}"#
    )
}

#[test]
fn the_first_problems_are_listed_and_the_rest_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("findings.jsonl");
    let mut text = finding("a", 8.0) + "\n";
    let problems = picket::limits::FILE_PROBLEMS + 2;
    for n in 0..problems {
        text.push_str(&format!("broken line {n}\n"));
    }
    std::fs::write(&path, text).expect("written");
    let out = picket(&[
        "findings",
        "--open",
        path.to_str().expect("path"),
        "--format",
        "jsonl",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let listed = stderr.lines().filter(|l| l.contains(": not JSON")).count();
    assert_eq!(listed, picket::limits::FILE_PROBLEMS, "{stderr}");
    assert!(stderr.contains("picket: … and 2 more problems"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "picket: read 1 findings, 0 log records, {problems} records skipped"
        )),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn a_limit_on_files_prints_the_first_findings_and_exits_4() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("findings.jsonl");
    let text: String = [("a", 2.0), ("b", 8.0), ("c", 5.0)]
        .iter()
        .map(|(id, sev)| finding(id, *sev) + "\n")
        .collect();
    std::fs::write(&path, text).expect("written");
    let path = path.to_str().expect("path");
    let out = picket(&[
        "findings", "--open", path, "--format", "jsonl", "--limit", "2",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["id"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(ids, ["b", "c"], "the most severe first");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "picket: incomplete: 2 findings printed; --limit 2: 1 more findings not printed"
    );

    let json = picket(&[
        "findings", "--open", path, "--format", "json", "--limit", "3",
    ]);
    assert_eq!(json.status.code(), Some(0), "all three fit");
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(document["complete"], true);
    assert_eq!(document["incomplete"], serde_json::json!([]));
    assert_eq!(document["findings"].as_array().map(Vec::len), Some(3));
}

#[test]
fn a_limit_on_log_files_prints_the_oldest_events_and_exits_4() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("trail.json");
    let record = |n: u32| {
        format!(
            r#"{{"eventTime":"2026-01-01T00:00:0{n}Z","eventSource":"iam.amazonaws.com","eventName":"Call{n}","awsRegion":"us-east-1","recipientAccountId":"111122223333","userIdentity":{{"type":"IAMUser","userName":"mallory"}}}}"#
        )
    };
    let records: Vec<String> = (0..3).map(record).collect();
    std::fs::write(&path, format!("{{\"Records\":[{}]}}", records.join(","))).expect("written");
    let out = picket(&[
        "logs",
        "--open",
        path.to_str().expect("path"),
        "--format",
        "jsonl",
        "--limit",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("incomplete: 2 events printed; --limit 2: 1 more events not printed")
    );
}
