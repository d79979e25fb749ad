//! The binary as a user runs it: config errors stop it before the terminal is touched, the
//! default config round-trips, and render prints screens.

mod common;

use std::process::{Command, Output};

fn picket(args: &[&str], config: Option<&std::path::Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    cmd.args(args)
        .env_remove("PICKET_CONFIG")
        .env_remove("PICKET_JOURNAL")
        .env_remove("PICKET_JOURNAL_KEY")
        .env_remove("NO_COLOR");
    // No AWS settings from the machine running the tests.
    for var in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_CONFIG_FILE", "/nonexistent/aws/config").env(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/aws/credentials",
    );
    if let Some(path) = config {
        cmd.env("PICKET_CONFIG", path);
    }
    cmd.output().expect("picket runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_config_exits_before_touching_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "theme = \"default\"\n[findings]\nsort = \"sideways\"\n",
    )
    .expect("write config");
    let out = picket(&["--demo"], Some(&path));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:3:8:", path.display())), "{err}");
    assert!(err.contains("unknown variant `sideways`"), "{err}");
    assert!(out.stdout.is_empty(), "nothing was written to the terminal");
    assert!(
        !err.contains('\u{1b}'),
        "no escape sequence was written: {err:?}"
    );
}

#[test]
fn a_missing_config_that_was_asked_for_is_an_error() {
    let out = picket(&["--demo", "--config", "/nonexistent/picket.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/picket.toml: cannot read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = picket(&["--demo", "--filter", "sev>=hgih"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown severity 'hgih'"),
        "{}",
        stderr(&out)
    );
    let out = picket(&["--demo", "--theme", "neon"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown theme 'neon'"));
    let out = picket(&["--frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = picket(&[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--demo"), "{}", stderr(&out));
}

#[test]
fn config_default_is_a_valid_config() {
    let out = picket(&["config", "default"], None);
    assert!(out.status.success());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &out.stdout).expect("write config");
    let check = picket(
        &[
            "config",
            "check",
            "--config",
            path.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(String::from_utf8_lossy(&check.stdout).ends_with(": ok\n"));
}

#[test]
fn render_prints_the_requested_screen() {
    let out = picket(
        &[
            "render",
            "--demo",
            "--seed",
            "3",
            "--config",
            "/dev/null",
            "--size",
            "100x30",
            "--keys",
            "2 / sev>=high Enter",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 30);
    assert!(
        text.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 100)
    );
    assert!(text.contains("sev>=high"));
    let svg = picket(
        &[
            "render",
            "--demo",
            "--config",
            "/dev/null",
            "--format",
            "svg",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&svg.stdout).starts_with("<svg"));
    let ansi = picket(
        &[
            "render",
            "--demo",
            "--config",
            "/dev/null",
            "--format",
            "ansi",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&ansi.stdout).contains("\u{1b}[0;"));
    let again = picket(
        &[
            "render",
            "--demo",
            "--seed",
            "3",
            "--config",
            "/dev/null",
            "--size",
            "100x30",
            "--keys",
            "2 / sev>=high Enter",
        ],
        None,
    );
    assert_eq!(out.stdout, again.stdout, "render is deterministic");
}

#[test]
fn no_color_selects_mono() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    let out = cmd
        .args([
            "render",
            "--demo",
            "--config",
            "/dev/null",
            "--format",
            "ansi",
            "--keys",
            "2",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("picket runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(";38;") && !text.contains(";48;") && !text.contains("[38;"),
        "no colour codes under NO_COLOR"
    );
    assert!(text.contains('‼'), "mono severities read by symbol");
}

/// Files written by the test itself (the shared corpus is checked by ../shared/checks/corpus-open).
fn export_files(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let findings = dir.join("findings.jsonl");
    let gd = |id: &str, sev: f64| {
        format!(
            r#"{{"id":"{id}","accountId":"111122223333","type":"Recon:EC2/Portscan","severity":{sev},"region":"us-east-1","title":"scan {id}","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","service":{{"count":1}}}}"#
        )
    };
    let text = format!(
        "{}\nthis line is broken\n{}\n{}\n",
        gd("a", 8.0),
        gd("b", 2.0),
        gd("a", 8.0)
    );
    std::fs::write(&findings, text).expect("write findings");
    let trail = dir.join("trail.json");
    std::fs::write(
        &trail,
        r#"{"Records":[{"eventTime":"2026-01-01T00:00:00Z","eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy","awsRegion":"us-east-1","recipientAccountId":"111122223333","userIdentity":{"type":"IAMUser","userName":"mallory"}}]}"#,
    )
    .expect("write trail");
    (findings, trail)
}

#[test]
fn findings_open_prints_every_record_and_reports_bad_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (findings, _) = export_files(dir.path());
    let out = picket(
        &[
            "findings",
            "--open",
            findings.to_str().expect("path"),
            "--format",
            "jsonl",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3, "every record, the repeated one too");
    assert_eq!(lines[0]["severity"]["label"], "HIGH", "sorted by severity");
    assert!(
        stderr(&out).contains("findings.jsonl:2: not JSON"),
        "{}",
        stderr(&out)
    );
    let high = picket(
        &[
            "findings",
            "--open",
            findings.to_str().expect("path"),
            "--filter",
            "sev>=high",
            "--format",
            "csv",
        ],
        None,
    );
    assert_eq!(
        String::from_utf8_lossy(&high.stdout).lines().count(),
        3,
        "header and two high records"
    );
    let bad = picket(
        &[
            "findings",
            "--open",
            findings.to_str().expect("path"),
            "--filter",
            "sev>=",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    let none = picket(
        &[
            "findings",
            "--open",
            "/nonexistent/a.json",
            "/nonexistent/b.json",
        ],
        None,
    );
    assert_eq!(none.status.code(), Some(3), "every source failed");
    assert_eq!(
        stderr(&none)
            .lines()
            .filter(|l| l.contains("cannot read"))
            .count(),
        2,
        "one line per failure"
    );
}

#[test]
fn logs_open_prints_cloudtrail_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, trail) = export_files(dir.path());
    let out = picket(
        &[
            "logs",
            "--open",
            trail.to_str().expect("path"),
            "--format",
            "jsonl",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(line["message"]["eventName"], "PutUserPolicy");
    assert_eq!(line["account_id"], "111122223333");
    let table = picket(&["logs", "--open", trail.to_str().expect("path")], None);
    assert!(String::from_utf8_lossy(&table.stdout).contains("iam:PutUserPolicy"));
}

#[test]
fn audit_lists_the_journal_and_verify_names_an_edited_line() {
    use picket::journal::{Entry, Journal, Operator, Target, TargetOutcome};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let key = dir.path().join("config/journal.key");
    let journal = Journal::with_key(&path, &key);
    let now = jiff::Timestamp::now();
    journal
        .append(
            Entry::Intent {
                action_id: "act-1".into(),
                operator: Operator {
                    user: "alice".into(),
                    principal: None,
                },
                action: serde_json::json!({"name": "resolve"}),
                targets: vec![Target {
                    finding: "f-1\u{1b}[31m".into(),
                    account: "111122223333".into(),
                    region: "us-east-1".into(),
                }],
                reason: "duplicate\u{202e}".into(),
            },
            now,
        )
        .expect("intent");
    journal
        .append(
            Entry::Outcome {
                action_id: "act-1".into(),
                results: vec![TargetOutcome {
                    finding: "f-1".into(),
                    ok: true,
                    error: None,
                    request_id: Some("r-1".into()),
                    detail: None,
                }],
            },
            now,
        )
        .expect("outcome");
    let file = path.to_str().expect("utf-8 path");
    let key = key.to_str().expect("utf-8 path");

    let verified = picket(
        &["audit", "--journal", file, "--verify", "--key", key],
        None,
    );
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("2 records, chain intact"));

    let listed = picket(
        &["audit", "--journal", file, "--since", "24h", "--key", key],
        None,
    );
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains("resolve on 1 findings: duplicate"), "{text}");
    assert!(text.contains("1 done"), "{text}");
    assert!(
        !text.contains('\u{202e}') && !text.contains('\u{1b}'),
        "sanitized: {text}"
    );

    let json = picket(
        &["audit", "--journal", file, "--format", "json", "--key", key],
        None,
    );
    let records: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(records.as_array().map(Vec::len), Some(2));

    let edited = std::fs::read_to_string(&path)
        .expect("read")
        .replacen("duplicate", "nothing", 1);
    std::fs::write(&path, edited).expect("write");
    let broken = picket(
        &["audit", "--journal", file, "--verify", "--key", key],
        None,
    );
    assert_eq!(broken.status.code(), Some(1));
    assert!(stderr(&broken).contains("line 1:"), "{}", stderr(&broken));
}

/// A journal of one action (intent and outcome) at `path`, signed with the key at `key`.
fn one_action(journal: &picket::journal::Journal) {
    use picket::journal::{Entry, Operator, TargetOutcome};
    let now = jiff::Timestamp::now();
    journal
        .append(
            Entry::Intent {
                action_id: "act-1".into(),
                operator: Operator {
                    user: "alice".into(),
                    principal: None,
                },
                action: serde_json::json!({"name": "resolve"}),
                targets: Vec::new(),
                reason: "duplicate".into(),
            },
            now,
        )
        .expect("intent");
    journal
        .append(
            Entry::Outcome {
                action_id: "act-1".into(),
                results: vec![TargetOutcome {
                    finding: "f-1".into(),
                    ok: true,
                    error: None,
                    request_id: None,
                    detail: None,
                }],
            },
            now,
        )
        .expect("outcome");
}

#[test]
fn audit_names_a_torn_last_line_and_repair_sets_it_right() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let key = dir.path().join("config/journal.key");
    one_action(&picket::journal::Journal::with_key(&path, &key));
    let mut torn = std::fs::read(&path).expect("read");
    torn.extend_from_slice(b"{\"seq\":3,\"time\":\"2026-");
    std::fs::write(&path, &torn).expect("tear");
    let (file, key) = (
        path.to_str().expect("utf-8 path"),
        key.to_str().expect("utf-8 path"),
    );
    let audit = |extra: &[&str]| {
        let mut args = vec!["audit", "--journal", file, "--key", key];
        args.extend_from_slice(extra);
        picket(&args, None)
    };

    let listed = audit(&[]);
    assert_eq!(listed.status.code(), Some(3), "{}", stderr(&listed));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("1 done"));
    assert!(
        stderr(&listed).contains(":3: the last line is torn (22 bytes"),
        "{}",
        stderr(&listed)
    );
    let verified = audit(&["--verify"]);
    assert_eq!(verified.status.code(), Some(3), "{}", stderr(&verified));
    assert!(
        stderr(&verified).contains("line 3 is torn"),
        "{}",
        stderr(&verified)
    );
    assert!(stderr(&verified).contains("picket audit --repair"));

    let repaired = audit(&["--repair"]);
    assert!(repaired.status.success(), "{}", stderr(&repaired));
    let said = String::from_utf8_lossy(&repaired.stdout);
    assert!(said.contains("moved a torn last line (22 bytes"), "{said}");
    assert!(said.contains("recorded as record 3"), "{said}");
    let side_files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("journal.jsonl.torn-")
        })
        .collect();
    assert_eq!(side_files.len(), 1);
    assert_eq!(
        std::fs::read(side_files[0].path()).expect("side file"),
        b"{\"seq\":3,\"time\":\"2026-"
    );

    let verified = audit(&["--verify"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(said.contains("3 records, chain intact"), "{said}");
    assert!(
        said.contains("repaired after a crash at record 3"),
        "{said}"
    );
    let listed = String::from_utf8_lossy(&audit(&[]).stdout).into_owned();
    assert!(listed.contains("repair"), "{listed}");
}

#[test]
fn audit_verify_exits_1_when_the_newest_record_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let key = dir.path().join("config/journal.key");
    one_action(&picket::journal::Journal::with_key(&path, &key));
    let text = std::fs::read_to_string(&path).expect("read");
    let first = text.lines().next().expect("a line");
    std::fs::write(&path, format!("{first}\n")).expect("truncate");
    let args = [
        "audit",
        "--journal",
        path.to_str().expect("utf-8 path"),
        "--key",
        key.to_str().expect("utf-8 path"),
    ];
    let verified = picket(&[&args[..], &["--verify"]].concat(), None);
    assert_eq!(verified.status.code(), Some(1), "{}", stderr(&verified));
    assert!(
        stderr(&verified).contains("anchors record 2 but the journal ends at record 1"),
        "{}",
        stderr(&verified)
    );
    let repaired = picket(&[&args[..], &["--repair"]].concat(), None);
    assert_eq!(repaired.status.code(), Some(1), "evidence is left alone");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("{first}\n")
    );
    // Without the key, nothing can be checked: said so, with its own status.
    let unkeyed = picket(
        &[
            "audit",
            "--journal",
            path.to_str().expect("utf-8 path"),
            "--key",
            dir.path()
                .join("elsewhere.key")
                .to_str()
                .expect("utf-8 path"),
            "--verify",
        ],
        None,
    );
    assert_eq!(unkeyed.status.code(), Some(4), "{}", stderr(&unkeyed));
}

#[test]
fn audit_demo_reads_the_demo_journal_beside_the_real_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("journal.jsonl");
    let key = dir.path().join("config/journal.key");
    one_action(&picket::journal::locate(
        real.clone(),
        Some(key.clone()),
        true,
    ));
    assert!(dir.path().join("journal-demo.jsonl").exists());
    assert!(!real.exists());
    let audit = |demo: bool| {
        let mut args = vec![
            "audit",
            "--journal",
            real.to_str().expect("utf-8 path"),
            "--key",
            key.to_str().expect("utf-8 path"),
        ];
        if demo {
            args.push("--demo");
        }
        let out = picket(&args, None);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(audit(true).contains("resolve on 0 findings: duplicate"));
    assert_eq!(audit(false).lines().count(), 1, "only the header");
}

#[test]
fn audit_verifies_a_journal_from_before_signing_as_far_as_it_goes() {
    use picket::journal::Record;
    use sha2::Digest;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let key = dir.path().join("config/journal.key");
    // Two records as picket wrote them before it signed records: chained, hashed, no MAC.
    let mut prev = "0".repeat(64);
    let mut text = String::new();
    for (seq, kind) in [(1, "intent"), (2, "outcome")] {
        let mut record: serde_json::Value = match kind {
            "intent" => serde_json::json!({"kind": "intent", "action_id": "act-1",
                "operator": {"user": "alice", "principal": null},
                "action": {"name": "resolve"}, "targets": [], "reason": "duplicate"}),
            _ => serde_json::json!({"kind": "outcome", "action_id": "act-1", "results": []}),
        };
        record["seq"] = seq.into();
        record["time"] = "2026-11-28T09:30:00Z".into();
        record["prev"] = prev.clone().into();
        record["hash"] = "".into();
        let unsealed: Record = serde_json::from_value(record).expect("a record");
        let mut sealed = unsealed.clone();
        sealed.hash = hex::encode(sha2::Sha256::digest(
            serde_json::to_string(&unsealed).expect("json"),
        ));
        let line = serde_json::to_string(&sealed).expect("json");
        prev = hex::encode(sha2::Sha256::digest(&line));
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(&path, text).expect("write");
    let args = [
        "audit",
        "--journal",
        path.to_str().expect("utf-8 path"),
        "--key",
        key.to_str().expect("utf-8 path"),
    ];
    let verified = picket(&[&args[..], &["--verify"]].concat(), None);
    assert!(verified.status.success(), "{}", stderr(&verified));
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(said.contains("2 records, chain intact"), "{said}");
    assert!(said.contains("unanchored records 1–2"), "{said}");
    let listed = picket(&args, None);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("resolve on 0 findings: duplicate"));
    assert!(!key.exists(), "reading makes no key");
}

#[test]
fn audit_errors_quoting_the_journal_are_sanitized() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    // serde quotes an unknown kind in its error: the escape must not reach the terminal.
    let line = r#"{"seq":1,"time":"2026-11-28T09:30:00Z","prev":"","hash":"","kind":"\u001b]0;owned\u0007"}"#;
    std::fs::write(&path, format!("{line}\n")).expect("write");
    let key = dir.path().join("journal.key");
    for extra in [&[][..], &["--verify"][..]] {
        let mut args = vec![
            "audit",
            "--journal",
            path.to_str().expect("utf-8 path"),
            "--key",
            key.to_str().expect("utf-8 path"),
        ];
        args.extend_from_slice(extra);
        let out = picket(&args, None);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let said = stderr(&out);
        assert!(said.contains("unknown variant"), "{said}");
        assert!(
            !said.contains('\u{1b}') && !said.contains('\u{7}'),
            "{said:?}"
        );
    }
}

#[test]
fn audit_help_says_what_verify_can_and_cannot_prove() {
    let out = picket(&["audit", "--help"], None);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for said in [
        "What --verify proves",
        "What it cannot prove",
        "Whoever holds the key file and the journal",
        "only the absence shows",
        "--repair",
        "3 what a crash leaves",
    ] {
        assert!(help.contains(said), "missing {said:?}:\n{help}");
    }
}

/// A gzipped CloudTrail file: for each CIS control a record it describes, and records none do.
fn detection_trail(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let record = |source: &str, name: &str, extra: serde_json::Value| {
        let mut r = serde_json::json!({
            "eventVersion": "1.08", "eventTime": "2026-01-15T09:00:00Z",
            "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
            "recipientAccountId": "111122223333", "eventType": "AwsApiCall",
            "sourceIPAddress": "198.51.100.7",
            "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "111122223333"}
        });
        if let (Some(r), serde_json::Value::Object(extra)) = (r.as_object_mut(), extra) {
            r.extend(extra);
        }
        r
    };
    let none = serde_json::json!({});
    let records = vec![
        record(
            "iam.amazonaws.com",
            "ListUsers",
            serde_json::json!({"userIdentity": {"type": "Root"}}),
        ),
        record(
            "ec2.amazonaws.com",
            "RunInstances",
            serde_json::json!({"errorCode": "Client.UnauthorizedOperation"}),
        ),
        record(
            "signin.amazonaws.com",
            "ConsoleLogin",
            serde_json::json!({"eventType": "AwsConsoleSignIn",
            "additionalEventData": {"MFAUsed": "No"}, "responseElements": {"ConsoleLogin": "Success"}}),
        ),
        record("iam.amazonaws.com", "AttachRolePolicy", none.clone()),
        record("cloudtrail.amazonaws.com", "StopLogging", none.clone()),
        record(
            "signin.amazonaws.com",
            "ConsoleLogin",
            serde_json::json!({"eventType": "AwsConsoleSignIn",
            "errorMessage": "Failed authentication", "userIdentity": {"type": "AssumedRole"},
            "responseElements": {"ConsoleLogin": "Failure"}}),
        ),
        record("kms.amazonaws.com", "ScheduleKeyDeletion", none.clone()),
        record("s3.amazonaws.com", "PutBucketPolicy", none.clone()),
        record(
            "config.amazonaws.com",
            "StopConfigurationRecorder",
            none.clone(),
        ),
        record(
            "ec2.amazonaws.com",
            "AuthorizeSecurityGroupIngress",
            none.clone(),
        ),
        record("ec2.amazonaws.com", "ReplaceNetworkAclEntry", none.clone()),
        record("ec2.amazonaws.com", "CreateCustomerGateway", none.clone()),
        record("ec2.amazonaws.com", "ReplaceRoute", none.clone()),
        record(
            "ec2.amazonaws.com",
            "CreateVpcPeeringConnection",
            none.clone(),
        ),
        record(
            "organizations.amazonaws.com",
            "LeaveOrganization",
            none.clone(),
        ),
        // Described by none.
        record("ec2.amazonaws.com", "DescribeInstances", none.clone()),
        record("s3.amazonaws.com", "GetBucketPolicy", none.clone()),
        record(
            "signin.amazonaws.com",
            "ConsoleLogin",
            serde_json::json!({"eventType": "AwsConsoleSignIn",
            "additionalEventData": {"MFAUsed": "Yes"}, "responseElements": {"ConsoleLogin": "Success"}}),
        ),
    ];
    let path = dir.join("trail.json.gz");
    let file = std::fs::File::create(&path).expect("create");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    gz.write_all(
        serde_json::json!({"Records": records})
            .to_string()
            .as_bytes(),
    )
    .expect("write");
    gz.finish().expect("finish");
    path
}

#[test]
fn logs_detect_all_flags_exactly_what_each_control_describes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let trail = detection_trail(dir.path());
    let out = picket(
        &[
            "logs",
            "--open",
            trail.to_str().expect("path"),
            "--detect",
            "all",
            "--format",
            "jsonl",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let flagged: Vec<(String, Vec<String>)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let names = v["detections"]
                .as_array()
                .expect("detections")
                .iter()
                .map(|d| d["control"].as_str().expect("control").to_string())
                .collect();
            (
                v["message"]["eventName"]
                    .as_str()
                    .expect("name")
                    .to_string(),
                names,
            )
        })
        .collect();
    let expected: Vec<(&str, Vec<&str>)> = vec![
        ("ListUsers", vec!["CloudWatch.1"]),
        ("RunInstances", vec!["CloudWatch.2"]),
        ("ConsoleLogin", vec!["CloudWatch.3"]),
        ("AttachRolePolicy", vec!["CloudWatch.4"]),
        ("StopLogging", vec!["CloudWatch.5"]),
        ("ConsoleLogin", vec!["CloudWatch.6"]),
        ("ScheduleKeyDeletion", vec!["CloudWatch.7"]),
        ("PutBucketPolicy", vec!["CloudWatch.8"]),
        ("StopConfigurationRecorder", vec!["CloudWatch.9"]),
        ("AuthorizeSecurityGroupIngress", vec!["CloudWatch.10"]),
        ("ReplaceNetworkAclEntry", vec!["CloudWatch.11"]),
        ("CreateCustomerGateway", vec!["CloudWatch.12"]),
        ("ReplaceRoute", vec!["CloudWatch.13"]),
        ("CreateVpcPeeringConnection", vec!["CloudWatch.14"]),
        ("LeaveOrganization", vec!["CIS 1.4.0 4.15 / CIS 3.0 4.15"]),
    ];
    let expected: Vec<(String, Vec<String>)> = expected
        .into_iter()
        .map(|(n, c)| (n.to_string(), c.into_iter().map(str::to_string).collect()))
        .collect();
    assert_eq!(flagged, expected);

    // One detection by name, and a filter pattern, through the same path.
    let out = picket(
        &[
            "logs",
            "--open",
            trail.to_str().expect("path"),
            "--detect",
            "root-usage",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with("[CloudWatch.1]"));
    let out = picket(
        &[
            "logs",
            "--open",
            trail.to_str().expect("path"),
            "--filter-pattern",
            "{ $.eventSource = ec2.amazonaws.com && $.errorCode NOT EXISTS }",
            "--format",
            "jsonl",
        ],
        None,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6);
    let bad = picket(
        &[
            "logs",
            "--open",
            trail.to_str().expect("path"),
            "--filter-pattern",
            "{ $.a = }",
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("--filter-pattern: expected a value (at column 9)"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn completions_and_the_man_page_come_from_the_same_definitions_as_help() {
    for (shell, mark) in [
        ("bash", "complete -F _picket"),
        ("zsh", "#compdef picket"),
        ("fish", "complete -c picket"),
    ] {
        let out = picket(&["completions", shell], None);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(mark), "{shell} script:\n{script}");
        for subcommand in ["findings", "audit", "doctor", "completions"] {
            assert!(
                script.contains(subcommand),
                "{shell} completes {subcommand}"
            );
        }
    }
    let out = picket(&["completions", "tcsh"], None);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let out = picket(&["man"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(page.contains(".TH picket 1"), "{page}");
    for part in ["\\-\\-read\\-only", "findings", "audit", "Keyboard\\-first"] {
        assert!(page.contains(part), "{part} in the man page");
    }
}

#[test]
fn ages_are_one_grammar_and_huge_ones_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (findings, trail) = export_files(dir.path());
    let journal = dir.path().join("journal.jsonl");
    let (findings, trail, journal) = (
        findings.to_str().expect("path"),
        trail.to_str().expect("path"),
        journal.to_str().expect("path"),
    );
    for args in [
        vec!["audit", "--since", "5000000d", "--journal", journal],
        vec!["logs", "--open", trail, "--since", "5000000d"],
        vec!["findings", "--open", findings, "--filter", "age<5000000d"],
    ] {
        let out = picket(&args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("'5000000d' is longer than 36525 days"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // The compound form reads everywhere; the trail's record is from 2026-01-01, so a day and
    // a half back from now (after that) keeps nothing and a century keeps it.
    let recent = picket(&["logs", "--open", trail, "--since", "1d12h"], None);
    assert!(recent.status.success(), "{}", stderr(&recent));
    assert!(
        recent.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&recent.stdout)
    );
    let all = picket(&["logs", "--open", trail, "--since", "36525d"], None);
    assert!(String::from_utf8_lossy(&all.stdout).contains("iam:PutUserPolicy"));
    let out = picket(&["audit", "--since", "1h30m", "--journal", journal], None);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn open_refuses_what_is_not_a_regular_file_and_reads_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (findings, _) = export_files(dir.path());
    let fifo = dir.path().join("pipe.json");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let out = picket(
        &[
            "findings",
            "--open",
            fifo.to_str().expect("path"),
            dir.path().to_str().expect("path"),
            "/dev/zero",
            findings.to_str().expect("path"),
            "--format",
            "jsonl",
        ],
        None,
    );
    let err = stderr(&out);
    assert!(out.status.success(), "the regular file is read: {err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    assert!(err.contains("pipe.json: is a named pipe (FIFO)"), "{err}");
    assert!(err.contains("is a directory"), "{err}");
    assert!(err.contains("/dev/zero: is a character device"), "{err}");
    let none = picket(&["findings", "--open", "/dev/zero"], None);
    assert_eq!(none.status.code(), Some(3), "nothing could be read");
}

#[test]
fn file_limits_come_from_the_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (findings, _) = export_files(dir.path());
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[files]\nmax_bytes = 100\n").expect("write config");
    let out = picket(
        &["findings", "--open", findings.to_str().expect("path")],
        Some(&config),
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("more than the 100 bytes picket reads ([files] max_bytes"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn handoff_says_what_is_missing_and_refuses_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("never-written.sqlite");
    let store = store.to_str().expect("utf-8 path");
    let none = picket(&["--demo", "--store", store, "handoff"], None);
    assert_eq!(none.status.code(), Some(3));
    assert!(stderr(&none).contains("no store at"), "{}", stderr(&none));
    let bad_age = picket(
        &["--demo", "--store", store, "handoff", "--since", "soon"],
        None,
    );
    assert_eq!(bad_age.status.code(), Some(2));
    assert!(stderr(&bad_age).contains("--since"), "{}", stderr(&bad_age));
    let bad_group = picket(
        &["--demo", "--store", store, "handoff", "--group", "colour"],
        None,
    );
    assert_eq!(bad_group.status.code(), Some(2));
    assert!(
        stderr(&bad_group).contains("--group"),
        "{}",
        stderr(&bad_group)
    );
}

#[test]
fn a_mistyped_region_is_a_usage_error_naming_the_closest_before_anything_starts() {
    let out = picket(&["--region", "us-est-1", "findings"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("'us-est-1' is no AWS region; did you mean us-east-1 or us-west-1?"),
        "{}",
        stderr(&out)
    );
    let out = picket(&["--region", "eu-wset-1", "doctor"], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean eu-west-1"),
        "{}",
        stderr(&out)
    );
}

/// picket against a machine with only `config` as its AWS config file and no other way to
/// credentials (no keys, no instance metadata).
fn without_credentials(args: &[&str], config: &str) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config");
    std::fs::write(&path, config).expect("config written");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    cmd.args(["--config", "/dev/null", "--region", "us-east-1"])
        .args(args)
        .env("AWS_CONFIG_FILE", &path)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("HOME", dir.path());
    common::without_machine_settings(&mut cmd);
    cmd.output().expect("picket runs")
}

#[test]
fn setup_failures_read_as_one_line_with_the_fix_in_findings_and_doctor() {
    let config = "[profile dev]\nregion = us-east-1\n";
    for command in [&["findings"][..], &["doctor"][..]] {
        let args: Vec<&str> = ["--profile", "nope"]
            .iter()
            .chain(command)
            .copied()
            .collect();
        let out = without_credentials(&args, config);
        let said = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
        assert!(
            said.contains("profile 'nope' does not exist in ~/.aws/config or ~/.aws/credentials (defined: dev)"),
            "{command:?}: {said}"
        );
        assert!(!said.contains("DispatchFailure"), "{said}");
        let out = without_credentials(command, "");
        let said = format!("{}{}", stderr(&out), String::from_utf8_lossy(&out.stdout));
        assert!(
            said.contains("no AWS credentials found (looked in:") && said.contains("picket --demo"),
            "{command:?}: {said}"
        );
    }
}

#[test]
fn the_headless_commands_sweep_the_demo_organization_once_with_demo() {
    // Its findings as they stand, with account names, as JSON lines and as the table. The demo
    // organization has a source picket is denied, as real ones do: the output says it is
    // incomplete, exit 4.
    let out = picket(&["findings", "--demo", "--format", "jsonl"], None);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("incomplete") && stderr(&out).contains("securityhub:GetFindings"),
        "{}",
        stderr(&out)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    assert!(lines.len() > 100, "{} findings", lines.len());
    let table = picket(&["findings", "--demo", "--filter", "sev>=critical"], None);
    assert_eq!(table.status.code(), Some(4), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("prod-web"), "{text}");
    // The table keeps where a finding is and its status (NEW and RESOLVED look alike else).
    let header: Vec<&str> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "SEV", "LAST", "SEEN", "ACCOUNT", "REGION", "SRC", "STATUS", "TYPE", "RESOURCE",
            "TITLE"
        ]
    );
    assert!(text.lines().count() < lines.len(), "the filter applies");
    // The last hour of its CloudTrail stream, through the detections on request.
    let logs = picket(&["logs", "--demo", "--format", "jsonl"], None);
    assert!(logs.status.success(), "{}", stderr(&logs));
    let first = String::from_utf8_lossy(&logs.stdout)
        .lines()
        .next()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("JSON"))
        .expect("events");
    assert!(first["message"]["eventName"].is_string(), "{first}");
    // Nothing to check: said, and not a failure.
    let doctor = picket(&["doctor", "--demo"], None);
    assert!(doctor.status.success(), "{}", stderr(&doctor));
    assert!(String::from_utf8_lossy(&doctor.stdout).contains("nothing from AWS"));
}

#[test]
fn files_with_no_readable_record_or_the_other_kind_exit_3_and_say_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"not\": \"a finding\"}\n").expect("written");
    let out = picket(&["findings", "--open", junk.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no finding could be read"),
        "{}",
        stderr(&out)
    );
    // An export that holds no finding at all is read, and says so.
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "{\"Findings\": []}").expect("written");
    let out = picket(&["findings", "--open", empty.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("hold no finding"), "{}", stderr(&out));
    // The right files for the other command: it is named.
    let (findings, trail) = export_files(dir.path());
    let out = picket(&["findings", "--open", trail.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("picket logs --open"),
        "{}",
        stderr(&out)
    );
    let out = picket(&["logs", "--open", findings.to_str().expect("path")], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("picket findings --open"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn render_help_says_how_to_type_a_space() {
    let out = picket(&["render", "--help"], None);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("`Space` types a space"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn audit_prints_what_each_action_set_and_its_note() {
    use picket::actions::Action;
    use picket::journal::{Entry, Journal, Operator, Target};
    use picket::model::Workflow;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let key = dir.path().join("config/journal.key");
    let journal = Journal::with_key(&path, &key);
    let actions = [
        Action::SetWorkflow {
            status: Workflow::Resolved,
            note: Some("patched in CHG-7".into()),
            disposition: Some(picket::model::disposition::Disposition {
                reason: picket::model::disposition::Reason::FalsePositive,
                author: picket::model::SafeText::line("alice"),
                at: None,
                expires: None,
            }),
        },
        Action::AddNote {
            text: "paged the owner\u{1b}[31m".into(),
        },
        Action::ResolveFalsePositive {
            note: "scanner".into(),
        },
    ];
    for (n, action) in actions.iter().enumerate() {
        journal
            .append(
                Entry::Intent {
                    action_id: format!("act-{n}"),
                    operator: Operator {
                        user: "alice".into(),
                        principal: None,
                    },
                    action: serde_json::to_value(action).expect("json"),
                    targets: vec![Target {
                        finding: "f-1".into(),
                        account: "111122223333".into(),
                        region: "us-east-1".into(),
                    }],
                    reason: if n == 0 {
                        "CHG-7".into()
                    } else {
                        String::new()
                    },
                },
                jiff::Timestamp::now(),
            )
            .expect("intent");
    }
    let out = picket(
        &[
            "audit",
            "--journal",
            path.to_str().expect("utf-8 path"),
            "--key",
            key.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "set_workflow on 1 findings: CHG-7 · set workflow RESOLVED, verification FALSE_POSITIVE, reason false positive · note \"patched in CHG-7\""
        ),
        "{text}"
    );
    assert!(
        text.contains("add_note on 1 findings · note \"paged the owner"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "sanitized: {text}");
    assert!(
        text.contains(
            "resolve_false_positive on 1 findings · set verification FALSE_POSITIVE, workflow RESOLVED, GuardDuty archived + feedback NOT_USEFUL · note \"false positive: scanner\""
        ),
        "{text}"
    );
}
