//! Presenter mode: no original identifier survives on any screen, in any copy or in any output,
//! for the demo organization (realistic) and for records that put identifiers everywhere
//! (hostile).

mod common;

use std::collections::BTreeSet;

use picket::app::keys::parse_sequence;
use picket::app::{Effect, Msg, Options, update};
use picket::render::{Harness, export};
use picket::sources::{Batch, Feed};
use regex::Regex;
use serde_json::{Value, json};

/// Every screen and state worth showing, as keys from the start.
const SCREENS: &[&str] = &[
    "",
    "2",
    "2 / sev>=high Enter",
    "2 s s",
    "2 Space Space a",
    "2 j j j Space Space Space a r f patched Enter",
    "2 j j j Space Space Space a r f patched Enter ctrl-t",
    "2 i Enter",
    "2 i Enter j Enter",
    "2 i i Enter",
    "2 i i i Enter j",
    "2 i i i i Enter",
    "2 i i i i i Enter",
    "2 Enter",
    "2 Enter tab",
    "2 Enter tab pgdn",
    "2 Enter tab pgdn pgdn",
    "2 Enter tab pgdn pgdn pgdn",
    "2 j j Enter",
    "2 L",
    "2 j L",
    "?",
    "3",
    "3 Space k k Enter",
    "3 Space k k Enter pgdn",
    "4",
    "4 j j l",
    "4 j l l l l Enter",
    ": cli Enter",
    "5",
    "5 Enter j j j l",
    "5 Enter j j j j j j l",
    "5 w",
    "5 w j j j",
    "5 e",
    "5 e Enter",
    "5 e j j j j Enter tab pgdn",
];

fn present() -> Options {
    Options {
        present: true,
        ..Options::default()
    }
}

fn demo(options: Options, size: (u16, u16)) -> Harness {
    Harness::new(options, 7, common::now(), size)
}

fn press(harness: &mut Harness, keys: &str) {
    harness.keys(&parse_sequence(keys));
}

/// The identifiers the data holds, found independently of the mask: ids, addresses and e-mail
/// by shape in every record's text; names by the keys AWS's formats hold them under; the
/// organization's accounts.
fn originals(harness: &Harness) -> BTreeSet<String> {
    let app = &harness.app;
    let mut found = BTreeSet::new();
    let mut texts: Vec<String> = (0..app.store.len() as u32)
        .filter_map(|ix| app.store.finding(ix))
        .map(|f| f.raw.as_delivered())
        .collect();
    texts.extend(
        app.logs
            .buffer
            .events()
            .iter()
            .map(|e| e.message.as_delivered()),
    );
    let shaped = Regex::new(
        r"\b[0-9]{12}\b|\b[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[a-z]{2,}",
    )
    .expect("test setup");
    for text in &texts {
        for m in shaped.find_iter(text) {
            let value = m.as_str();
            if value
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_unspecified())
            {
                continue;
            }
            found.insert(value.to_string());
        }
        if let Ok(record) = serde_json::from_str::<Value>(text) {
            names(&record, None, &mut found);
        }
    }
    for account in app.directory.iter() {
        found.insert(account.id.to_string());
        found.insert(account.name.to_string());
    }
    for (_, principal) in app.store.principals.iter() {
        for part in principal.split('/') {
            found.insert(part.to_string());
        }
    }
    found.retain(|v| {
        v.len() >= 3
            && !v.eq_ignore_ascii_case("root")
            && !v.ends_with(".amazonaws.com")
            && !v.eq_ignore_ascii_case("AWS Internal")
    });
    found
}

/// Values of the keys that hold someone's or something's name.
fn names(value: &Value, parent: Option<&str>, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let named = matches!(
                    key.as_str(),
                    "userName" | "UserName" | "PrincipalName" | "AwsAccountName" | "domain"
                ) || (key == "name" && parent == Some("s3BucketDetails"))
                    || (key == "principalId" || key == "PrincipalId");
                match value {
                    Value::String(s) if named => {
                        // `AIDA…:session`: the session is the name.
                        found.insert(s.rsplit(':').next().unwrap_or(s).to_string());
                    }
                    other => names(other, Some(key), found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| names(v, parent, found)),
        _ => {}
    }
}

/// The originals that appear in `text` (on word boundaries, ASCII case folded).
fn leaks<'o>(text: &str, originals: &'o BTreeSet<String>) -> Vec<&'o str> {
    let lower = text.to_ascii_lowercase();
    originals
        .iter()
        .filter(|original| {
            let needle = original.to_ascii_lowercase();
            lower.match_indices(&needle).any(|(at, _)| {
                let before = lower[..at].chars().next_back();
                let after = lower[at + needle.len()..].chars().next();
                let alnum = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
                !alnum(before) && !alnum(after)
            })
        })
        .map(String::as_str)
        .collect()
}

fn assert_no_leak(what: &str, text: &str, originals: &BTreeSet<String>) {
    // Nothing hides in a URL's encoding either (the consoles encode their fragments twice).
    let once = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    let twice = percent_encoding::percent_decode_str(&once).decode_utf8_lossy();
    let text = &format!("{text}\n{twice}");
    let leaked = leaks(text, originals);
    assert!(leaked.is_empty(), "{what}: {leaked:?} shown\n{text}");
}

#[test]
fn the_sample_has_identifiers_to_hide() {
    let originals = originals(&demo(Options::default(), (120, 40)));
    // Accounts, their names, principals, addresses: the check below checks something.
    for expected in ["prod-web", "alice"] {
        assert!(originals.contains(expected), "{expected} not found");
    }
    assert!(originals.len() > 40, "{originals:?}");
    let shown = export::text(&demo(Options::default(), (120, 40)).draw());
    assert!(!leaks(&shown, &originals).is_empty());
}

#[test]
fn no_original_identifier_is_shown_on_any_demo_screen() {
    let originals = originals(&demo(Options::default(), (120, 40)));
    for size in [(120, 40), (80, 24)] {
        for keys in SCREENS {
            let mut harness = demo(present(), size);
            press(&mut harness, keys);
            let text = export::text(&harness.draw());
            assert_no_leak(&format!("{size:?} keys '{keys}'"), &text, &originals);
            assert!(
                text.contains("PRESENTER") || keys.contains(':'),
                "badge: {text}"
            );
        }
    }
}

#[test]
fn switching_it_on_and_off_keeps_the_stand_ins_and_shows_the_truth_again() {
    let mut harness = demo(Options::default(), (120, 40));
    press(&mut harness, "2");
    let plain = export::text(&harness.draw());
    press(&mut harness, "P");
    let first = export::text(&harness.draw());
    assert!(first.contains("PRESENTER"));
    // The rows, the status line's notice aside.
    let rows = |t: &str| t.lines().take(39).collect::<Vec<_>>().join("\n");
    press(&mut harness, "P");
    assert_eq!(rows(&export::text(&harness.draw())), rows(&plain));
    press(&mut harness, "P");
    let again = export::text(&harness.draw());
    assert_eq!(rows(&again), rows(&first), "the same stand-ins");
    assert_ne!(rows(&first), rows(&plain));
}

/// What the copy keys put on the clipboard.
fn copies(harness: &mut Harness, keys: &str) -> Vec<String> {
    let mut copied = Vec::new();
    for key in parse_sequence(keys) {
        for effect in update(&mut harness.app, Msg::Key(key)).effects {
            if let Effect::Copy(text) | Effect::Notify(text) = effect {
                copied.push(text);
            }
        }
    }
    copied
}

#[test]
fn copies_carry_the_stand_ins() {
    let originals = originals(&demo(Options::default(), (120, 40)));
    let mut harness = demo(present(), (120, 40));
    let mut all = Vec::new();
    for keys in [
        "2 y",
        "Y",
        "O",
        "H",
        "Space j Space H",
        "i H",
        "i i i i i",
        "Enter y Y O Esc",
        "a r f patched Enter ctrl-y",
        "Esc Esc : cli Enter",
        "Esc 3 O",
    ] {
        let copied = copies(&mut harness, keys);
        assert!(
            !copied.is_empty() || keys.starts_with('i'),
            "{keys}: nothing copied"
        );
        all.extend(copied);
    }
    for text in &all {
        assert_no_leak("copy", text, &originals);
    }
    // JSON stays JSON.
    let json = all
        .iter()
        .find(|t| t.starts_with('{'))
        .expect("a JSON copy");
    serde_json::from_str::<Value>(json).expect("the masked copy is JSON");
}

/// Records that carry identifiers in every field a record has, and some no mapper reads.
fn hostile() -> Vec<Value> {
    let asff = json!({
        "SchemaVersion": "2018-10-08",
        "Id": "arn:aws:securityhub:us-east-1:210987654321:subscription/hostile/1",
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": "hostile",
        "AwsAccountId": "210987654321",
        "AwsAccountName": "acme-finance-prod",
        "Region": "us-east-1",
        "Types": ["Effects/Data Exfiltration"],
        "CreatedAt": "2026-01-15T08:00:00Z",
        "UpdatedAt": "2026-01-15T09:00:00Z",
        "FirstObservedAt": "2026-01-15T08:00:00Z",
        "LastObservedAt": "2026-01-15T09:00:00Z",
        "Severity": {"Label": "CRITICAL", "Normalized": 99},
        "Title": "Hostile: payroll-exports-2026 read by mallory@evil-corp.org from 10.20.30.40 in 210987654321",
        "Description": "\u{1b}[31mThe user arn:aws:iam::210987654321:user/ops/mallory \u{202e}called from 2600:1f18:abcd::7 and c2.badguys.ru; instance ip-10-9-8-7.ec2.internal (ec2-54-1-2-3.compute-1.amazonaws.com) key AKIAZZZZZZZZZZZZZZZZ",
        "Resources": [
            {"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::payroll-exports-2026", "Region": "us-east-1",
             "Tags": {"Owner": "trent@acme-corp.com", "Team": "finance"}},
            {"Type": "AwsIamAccessKey", "Id": "AKIAZZZZZZZZZZZZZZZZ",
             "Details": {"AwsIamAccessKey": {"PrincipalName": "mallory", "UserName": "mallory"}}}
        ],
        "Note": {"Text": "handed to trent@acme-corp.com, seen from 172.16.5.4", "UpdatedBy": "trent-oncall", "UpdatedAt": "2026-01-15T09:00:00Z"},
        "UserDefinedFields": {"seen-from": "192.168.1.50"},
        "Workflow": {"Status": "NEW"},
        "RecordState": "ACTIVE"
    });
    let guardduty = json!({
        "schemaVersion": "2.0",
        "accountId": "210987654321",
        "arn": "arn:aws:guardduty:us-east-1:210987654321:detector/d1/finding/hostile2",
        "id": "hostile2",
        "partition": "aws",
        "region": "us-east-1",
        "type": "Trojan:EC2/DNSDataExfiltration",
        "title": "Hostile: svc-backup exfiltrating through exfil.badguys.zz",
        "description": "DNS queries to exfil.badguys.zz from 45.33.32.156 by svc-backup",
        "severity": 8,
        "createdAt": "2026-01-15T08:00:00Z",
        "updatedAt": "2026-01-15T09:00:00Z",
        "resource": {
            "resourceType": "Instance",
            "accessKeyDetails": {"accessKeyId": "ASIAYYYYYYYYYYYYYYYY", "principalId": "AIDAXXXXXXXXXXXXXXXXX:svc-backup", "userName": "svc-backup", "userType": "IAMUser"},
            "instanceDetails": {
                "instanceId": "i-0123456789abcdef0",
                "networkInterfaces": [{"privateDnsName": "ip-10-9-8-7.ec2.internal", "privateIpAddress": "10.9.8.7",
                                        "publicDnsName": "ec2-54-1-2-3.compute-1.amazonaws.com", "publicIp": "54.1.2.3"}]
            }
        },
        "service": {
            "serviceName": "guardduty",
            "count": 3,
            "eventFirstSeen": "2026-01-15T08:00:00Z",
            "eventLastSeen": "2026-01-15T09:00:00Z",
            "action": {"actionType": "DNS_REQUEST", "dnsRequestAction": {"domain": "exfil.badguys.zz", "protocol": "UDP", "blocked": false}}
        }
    });
    vec![asff, guardduty]
}

fn with_hostile(options: Options, size: (u16, u16)) -> Harness {
    let mut harness = demo(options, size);
    let findings = hostile()
        .iter()
        .map(|record| {
            picket::model::asff::map_finding(record)
                .or_else(|_| picket::model::guardduty::map_finding(record))
                .expect("the hostile records map")
        })
        .collect();
    update(
        &mut harness.app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings,
                ..Batch::default()
            },
        ),
    );
    harness
}

const HOSTILE_ORIGINALS: &[&str] = &[
    "210987654321",
    "acme-finance-prod",
    "payroll-exports-2026",
    "mallory",
    "evil-corp",
    "10.20.30.40",
    "2600:1f18:abcd::7",
    "badguys",
    "ip-10-9-8-7",
    "54-1-2-3",
    "AKIAZZZZZZZZZZZZZZZZ",
    "ASIAYYYYYYYYYYYYYYYY",
    "trent",
    "trent-oncall",
    "acme-corp",
    "172.16.5.4",
    "192.168.1.50",
    "svc-backup",
    "45.33.32.156",
    "10.9.8.7",
    "54.1.2.3",
];

#[test]
fn no_identifier_of_a_hostile_record_is_shown_copied_or_printed() {
    let originals: BTreeSet<String> = HOSTILE_ORIGINALS.iter().map(|s| s.to_string()).collect();
    for size in [(120, 40), (80, 24)] {
        for keys in [
            "2 / hostile Enter",
            "2 / hostile Enter Enter",
            "2 / hostile Enter Enter tab",
            "2 / hostile Enter Enter tab pgdn",
            "2 / hostile Enter Enter tab pgdn pgdn",
            "2 / hostile Enter Enter tab pgdn pgdn pgdn",
            "2 / hostile Enter j Enter",
            "2 / hostile Enter j Enter tab pgdn",
            "2 / hostile Enter j Enter tab pgdn pgdn",
            "2 / hostile Enter i i Enter",
            "2 / hostile Enter i i i Enter",
            "2 / hostile Enter i i i i Enter",
            "2 / hostile Enter * a r f patched Enter",
            "2 / hostile Enter * a r f patched Enter ctrl-t",
            "",
            "4",
        ] {
            let mut harness = with_hostile(present(), size);
            press(&mut harness, keys);
            let text = export::text(&harness.draw());
            assert_no_leak(&format!("{size:?} keys '{keys}'"), &text, &originals);
        }
    }
    let mut harness = with_hostile(present(), (120, 40));
    let mut copied = copies(&mut harness, "2 / hostile Enter y Y O H * H j y Y Enter Y");
    copied.extend(copies(&mut harness, "Esc a r f x Enter ctrl-y"));
    assert!(copied.len() >= 8, "{copied:?}");
    for text in &copied {
        assert_no_leak("copy", text, &originals);
    }
    // The hostile sample is shown unmasked without presenter mode: the check can fail.
    let mut plain = with_hostile(Options::default(), (120, 40));
    press(&mut plain, "2 / hostile Enter Enter");
    assert!(!leaks(&export::text(&plain.draw()), &originals).is_empty());
}

#[test]
fn the_headless_outputs_are_masked() {
    let hostile_originals: BTreeSet<String> =
        HOSTILE_ORIGINALS.iter().map(|s| s.to_string()).collect();
    let dir = tempfile::tempdir().expect("test setup");
    let path = dir.path().join("hostile.json");
    std::fs::write(
        &path,
        serde_json::to_string(&hostile()).expect("test setup"),
    )
    .expect("test setup");
    let picket = env!("CARGO_BIN_EXE_picket");
    for format in ["table", "json", "jsonl", "csv"] {
        for raw in [false, true] {
            let mut command = std::process::Command::new(picket);
            command
                .args([
                    "findings",
                    "--present",
                    "--config",
                    "/dev/null",
                    "--format",
                    format,
                ])
                .arg("--open")
                .arg(&path);
            if raw {
                command.arg("--raw");
            }
            let output = command.output().expect("test setup");
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "{format}: {output:?}");
            assert!(text.contains("Hostile"), "{format}: {text}");
            assert_no_leak(
                &format!("findings --format {format} raw {raw}"),
                &text,
                &hostile_originals,
            );
            if format == "json" {
                serde_json::from_str::<Value>(&text).expect("still JSON");
            }
        }
    }
    let output = std::process::Command::new(picket)
        .args([
            "render",
            "--demo",
            "--present",
            "--config",
            "/dev/null",
            "--keys",
            "2 Enter",
        ])
        .output()
        .expect("test setup");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("PRESENTER"), "{text}");
    assert_no_leak(
        "render",
        &text,
        &originals(&demo(Options::default(), (120, 40))),
    );
}

#[test]
fn the_handoff_command_is_masked() {
    let harness = demo(Options::default(), (120, 40));
    let originals = originals(&harness);
    let dir = tempfile::tempdir().expect("test setup");
    let path = dir.path().join("store.sqlite");
    {
        let disk = picket::store::disk::Disk::open(&path).expect("test setup");
        let store = &harness.app.store;
        let written: Vec<_> = (0..store.len() as u32)
            .filter_map(|ix| picket::store::disk::Written::of(store, ix))
            .collect();
        disk.write(&written, &[], common::now())
            .expect("test setup");
    }
    for format in ["md", "json"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_picket"))
            .args(["--demo", "--present", "--config", "/dev/null", "--store"])
            .arg(&path)
            .args(["handoff", "--since", "400d", "--format", format])
            .env("PICKET_JOURNAL", dir.path().join("journal.jsonl"))
            .output()
            .expect("test setup");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{output:?}");
        assert!(text.contains("acct-"), "{text}");
        assert_no_leak(&format!("handoff --format {format}"), &text, &originals);
        if format == "json" {
            serde_json::from_str::<Value>(&text).expect("still JSON");
        }
    }
}
