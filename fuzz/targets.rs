//! The bodies of picket's fuzz targets, one function per target, each a thin wrapper over the
//! real code path. The libFuzzer binaries in `fuzz_targets/` call one each; `tests/fuzz_replay.rs`
//! includes this file and runs every body on the committed seeds, the regression inputs and
//! seeded mutations, so CI exercises the targets without libFuzzer.
//!
//! Beyond "does not panic", each body checks what must hold for any input: text that can reach
//! a terminal (error messages, problems, rendered fields) carries no control character, a
//! finding rebuilt from its stored record is the finding that was stored, spans point inside
//! the input.

// Each fuzz binary calls one of these functions; the others are unused there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use picket::app::Stats;
use picket::cli::output::{self, Format, Matched};
use picket::config::Config;
use picket::journal::Journal;
use picket::logs::detect::{Alerts, Detector};
use picket::logs::pattern::{Parsed, Pattern};
use picket::logs::pivot::PivotRequest;
use picket::model::raw::RecordKind;
use picket::model::text::is_dangerous;
use picket::model::{Account, Directory, Finding, LogEvent, SafeText, finding_from_text};
use picket::query::{Query, pending_field_start};
use picket::sources::file::{self, Limits, Loaded};
use picket::store::{CompiledFilter, FindingStore, SortKey, sort_rows};
use picket::theme::{ColorDepth, Theme, ThemeSet};

/// A target's body: any bytes in, a panic when something that must hold does not.
pub type Body = fn(&[u8]);

/// Every target, by the name of its corpus directory (`fuzz/corpus/<name>/`).
pub const TARGETS: &[(&str, Body)] = &[
    ("filter", filter),
    ("pattern", pattern),
    ("guardduty", guardduty),
    ("asff", asff),
    ("ocsf", ocsf),
    ("cloudtrail", cloudtrail),
    ("eventbridge", eventbridge),
    ("file", file),
    ("config", config),
    ("theme", theme),
    ("journal", journal),
];

/// Clocks the time arithmetic runs against: the edges of the calendar and an ordinary day.
fn clocks() -> [Timestamp; 4] {
    [
        Timestamp::MIN,
        Timestamp::UNIX_EPOCH,
        Timestamp::from_second(1_768_478_400).unwrap_or(Timestamp::UNIX_EPOCH),
        Timestamp::MAX,
    ]
}

/// Fails when `text` could drive a terminal (newlines aside: some messages have several lines).
fn assert_inert(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| c != '\n' && is_dangerous(c)) {
        panic!("{what} carries {c:?}: {text:?}");
    }
}

/// The filter language: parse, then evaluate against a small store at every clock, sorted as
/// the queue sorts.
pub fn filter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let pending = pending_field_start(&text);
    assert!(text.is_char_boundary(pending), "pending field at {pending}");
    let query = match Query::parse(&text) {
        Ok(query) => query,
        Err(e) => {
            // A span may reach one past the end: "expected something here, at the end".
            assert!(
                e.span.start <= e.span.end
                    && e.span.end <= text.len() + 1
                    && text.is_char_boundary(e.span.start.min(text.len())),
                "span {:?} outside {} bytes",
                e.span,
                text.len()
            );
            assert_inert("a filter error", &e.to_string());
            return;
        }
    };
    STORE.with(|(store, directory)| {
        for now in clocks() {
            let compiled = CompiledFilter::compile(&query, store, directory, now);
            let mut rows: Vec<u32> = (0..store.len() as u32)
                .filter(|&ix| compiled.matches(store, ix))
                .collect();
            for key in [
                SortKey::Severity,
                SortKey::LastSeen,
                SortKey::Account,
                SortKey::Type,
            ] {
                sort_rows(&mut rows, store, directory, key, false);
            }
        }
    });
}

thread_local! {
    /// Findings of every kind, some dated at the calendar's edges, and their accounts.
    static STORE: (FindingStore, Directory) = small_store();
    static DETECTOR: Detector = Detector::named(&["all".to_string()]).unwrap_or_else(|e| panic!("{e}"));
    static THEMES: ThemeSet = ThemeSet::builtin();
    static JOURNAL: ScratchJournal = ScratchJournal::new();
}

fn small_store() -> (FindingStore, Directory) {
    let records: [(RecordKind, &str); 5] = [
        (
            RecordKind::GuardDuty,
            r#"{"id":"gd1","accountId":"111111111111","type":"Recon:EC2/PortProbeUnprotectedPort","severity":5,"region":"us-east-1","title":"Port probe","createdAt":"2026-01-15T10:00:00Z","updatedAt":"2026-01-15T11:00:00Z","resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-0abc"}},"service":{"count":3,"archived":false}}"#,
        ),
        (
            RecordKind::GuardDuty,
            r#"{"id":"gd-edge","accountId":"222222222222","type":"UnauthorizedAccess:IAMUser/Édition","severity":9.5,"region":"eu-west-1","createdAt":"-009999-01-02T02:00:00Z","updatedAt":"9999-12-30T21:59:59Z","resource":{"resourceType":"AccessKey","accessKeyDetails":{"accessKeyId":"AKIAEDGE","userName":"bob"}},"service":{"count":4294967295,"archived":true,"additionalInfo":{"sample":true}}}"#,
        ),
        (
            RecordKind::Asff,
            r#"{"SchemaVersion":"2018-10-08","Id":"arn:aws:securityhub:us-east-1:111111111111:subscription/cis/1.2.0/3.3/finding/1","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/securityhub","AwsAccountId":"111111111111","CreatedAt":"2026-01-01T00:00:00Z","UpdatedAt":"2026-01-15T00:00:00Z","Severity":{"Label":"LOW","Normalized":1},"Title":"S3 bucket public \u202e","Types":["Software and Configuration Checks"],"Resources":[{"Type":"AwsS3Bucket","Id":"arn:aws:s3:::bucket"}],"Compliance":{"Status":"FAILED","SecurityControlId":"S3.8","RelatedRequirements":["CIS AWS Foundations Benchmark v1.2.0/3.3"]},"Workflow":{"Status":"NOTIFIED"},"VerificationState":"TRUE_POSITIVE","RecordState":"ACTIVE"}"#,
        ),
        (
            RecordKind::Ocsf,
            r#"{"class_uid":2003,"finding_info":{"uid":"ocsf-1","title":"Vulnerable package","created_time":0,"modified_time":253402207199000},"cloud":{"account":{"uid":"333333333333"},"region":"ap-south-1"},"severity":"Critical","status":"New","metadata":{"product":{"name":"Inspector"}},"resources":[{"type":"AwsEc2Instance","uid":"i-0def"}]}"#,
        ),
        (
            RecordKind::GuardDuty,
            r#"{"id":"gd-old","accountId":"111111111111","type":"Policy:S3/BucketBlockPublicAccessDisabled","severity":2,"createdAt":-62135596800000,"updatedAt":-62135596800000}"#,
        ),
    ];
    let mut store = FindingStore::default();
    for (kind, text) in records {
        match finding_from_text(kind, text) {
            Ok(finding) => {
                store.upsert(finding, Timestamp::UNIX_EPOCH, false);
            }
            Err(e) => panic!("the fuzz store's own record does not map: {e}: {text}"),
        }
    }
    let mut directory = Directory::default();
    for (id, name, ou, production) in [
        ("111111111111", "prod-web", "Workloads/Production", true),
        ("222222222222", "sandbox", "Sandbox", false),
    ] {
        directory.insert(Account {
            id: SafeText::line(id),
            name: SafeText::line(name),
            ou_path: SafeText::line(ou),
            production,
        });
    }
    (store, directory)
}

/// CloudWatch Logs filter patterns: the first line is the pattern, the rest the message it is
/// matched against.
pub fn pattern(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (source, message) = text.split_once('\n').unwrap_or((&text, ""));
    match Pattern::parse(source) {
        Ok(pattern) => {
            let _ = pattern.is_all();
            let _ = pattern.highlight();
            let once = pattern.matches(message);
            let shared = pattern.matches_parsed(message, &mut Parsed::default());
            assert_eq!(once, shared, "the shared parse changed the answer");
        }
        Err(e) => {
            assert!(
                e.at <= source.len(),
                "error at {} of {}",
                e.at,
                source.len()
            );
            assert_inert("a pattern error", &e.to_string());
        }
    }
}

/// What every mapped finding goes through: the store (packed and rebuilt), the queue's sort
/// and filter, the overview's counts, ages and times on screen, the pivot window, the exports.
fn exercise(finding: Finding) {
    if let Ok(request) = PivotRequest::for_finding(&finding) {
        assert!(request.start <= request.end, "{request:?}");
        if let Err(e) = Pattern::parse(&request.pattern) {
            panic!(
                "the pivot's own pattern {:?} does not parse: {e}",
                request.pattern
            );
        }
    }
    let mut printed = Vec::new();
    for format in [Format::Table, Format::Json, Format::Jsonl, Format::Csv] {
        for raw in [false, true] {
            output::findings(
                &mut printed,
                std::slice::from_ref(&finding),
                format,
                raw,
                &|id| id.to_string(),
            )
            .unwrap_or_else(|e| panic!("printing to memory failed: {e}"));
        }
    }
    assert_inert("the printed finding", &String::from_utf8_lossy(&printed));
    for line in finding.raw.pretty_lines() {
        assert_inert("the raw record's view", &line);
    }
    assert_inert("the raw record's line", &finding.raw.display_line(300));
    let delivered = finding.raw.as_delivered();
    let (id, kind) = (finding.id.clone(), finding.raw.kind());
    let mut store = FindingStore::default();
    let ix = match store.upsert(finding, Timestamp::UNIX_EPOCH, false) {
        picket::store::Upsert::Inserted(ix)
        | picket::store::Upsert::Updated(ix)
        | picket::store::Upsert::Unchanged(ix) => ix,
    };
    let Some(raw) = store.raw(ix) else {
        panic!("the finding stored at {ix} is not there");
    };
    assert_eq!(raw.as_delivered(), delivered, "packing changed the record");
    match store.finding(ix) {
        Some(rebuilt) => assert_eq!(rebuilt.id, id, "the rebuilt {kind:?} finding is another"),
        None => panic!("the {kind:?} finding {id} cannot be rebuilt from its stored record"),
    }
    let directory = Directory::default();
    let ages = Query::parse("age<1h30m").unwrap_or_else(|e| panic!("{e}"));
    let Some(summary) = store.summary(ix) else {
        panic!("no summary at {ix}");
    };
    let last_seen = Timestamp::from_second(summary.last_seen).unwrap_or(Timestamp::UNIX_EPOCH);
    for now in clocks() {
        let _ = Stats::compute(&store, &directory, now, now);
        let compiled = CompiledFilter::compile(&ages, &store, &directory, now);
        let _ = compiled.matches(&store, ix);
        let mut rows = vec![ix];
        for key in [SortKey::Severity, SortKey::LastSeen] {
            sort_rows(&mut rows, &store, &directory, key, true);
        }
        let _ = picket::ui::text::age(now, last_seen);
        let _ = picket::ui::text::datetime(last_seen, &TimeZone::UTC);
    }
}

fn map_text(kind: RecordKind, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(finding) = finding_from_text(kind, &text) {
        exercise(finding);
    }
}

/// GuardDuty findings (API, CLI and S3-export shapes).
pub fn guardduty(data: &[u8]) {
    map_text(RecordKind::GuardDuty, data);
}

/// Security Hub ASFF findings.
pub fn asff(data: &[u8]) {
    map_text(RecordKind::Asff, data);
}

/// Security Hub v2 OCSF findings.
pub fn ocsf(data: &[u8]) {
    map_text(RecordKind::Ocsf, data);
}

/// A CloudTrail record as a log event: its fields, the CIS detections and the alerts they
/// raise, the `picket logs` output.
pub fn cloudtrail(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut event = LogEvent::new(
        Timestamp::UNIX_EPOCH,
        "111122223333",
        "us-east-1",
        "aws-cloudtrail-logs",
        "111122223333_CloudTrail_us-east-1",
        &text,
    );
    if let Some(trail) = event.trail.as_deref() {
        let _ = trail.action();
        let _ = trail.principal();
        event.timestamp = trail.event_time.unwrap_or(event.timestamp);
    }
    let detections = DETECTOR.with(|detector| detector.check(&text));
    let mut alerts = Alerts::default();
    for &detection in &detections {
        if let Some(id) = alerts.count(detection, &event) {
            if let Some(finding) = alerts.finding(&id, detection, &event, &text) {
                exercise(finding);
            } else if event.trail.is_some() {
                panic!("the alert {id} of a CloudTrail record was lost");
            }
        }
    }
    let matched = [Matched {
        event: &event,
        detections,
    }];
    let mut printed = Vec::new();
    for format in [Format::Table, Format::Json, Format::Jsonl, Format::Csv] {
        output::events(&mut printed, &matched, format)
            .unwrap_or_else(|e| panic!("printing to memory failed: {e}"));
    }
    assert_inert("the printed event", &String::from_utf8_lossy(&printed));
}

/// EventBridge events: the first byte picks GuardDuty or Security Hub, the rest is the event's
/// `detail`, read the way exported event files are.
pub fn eventbridge(data: &[u8]) {
    let Some((&choice, detail)) = data.split_first() else {
        return;
    };
    let (source, detail_type) = if choice % 2 == 0 {
        ("aws.guardduty", "GuardDuty Finding")
    } else {
        ("aws.securityhub", "Security Hub Findings - Imported")
    };
    let event = format!(
        r#"{{"version":"0","id":"e","detail-type":"{detail_type}","source":"{source}","account":"111122223333","time":"2026-01-15T12:00:00Z","region":"us-east-1","resources":[],"detail":{}}}"#,
        String::from_utf8_lossy(detail)
    );
    read_loaded(&event, "events.jsonl");
}

/// Any file picket opens: gzip or not, UTF-8 or not, any container and record kind, through
/// the same limits (small here, so bombs are refused quickly).
pub fn file(data: &[u8]) {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_decompressed_bytes: 4 << 20,
    };
    match file::decode(data.to_vec(), &limits) {
        Ok(text) => read_loaded(&text, "export.json"),
        Err(e) => assert_inert("a file error", &e),
    }
}

fn read_loaded(text: &str, name: &str) {
    let mut loaded = Loaded::default();
    file::read_document(text, name, &mut loaded);
    for problem in &loaded.problems {
        assert_inert("a file problem", problem);
    }
    assert_inert("the file summary", &loaded.summary());
    // A few findings go the whole way; a file of thousands would only repeat them.
    for finding in loaded.findings.into_iter().take(4) {
        exercise(finding);
    }
    for event in &loaded.events {
        let _ = event.message.display_line(300);
    }
}

/// The config file, checked as `picket config check` does.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    THEMES.with(|themes| {
        if let Err(e) = Config::parse(&text, Path::new("config.toml"), themes) {
            assert_inert("a config error", &e.to_string());
        }
    });
}

/// Theme files, then their colours for every terminal depth.
pub fn theme(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Theme::parse("fuzz", &text) {
        Ok(theme) => {
            assert_inert("a theme's name", &theme.name);
            for label in picket::model::SeverityLabel::ALL {
                assert_inert("a severity symbol", &theme.severity(label).symbol);
            }
            for depth in [
                ColorDepth::TrueColor,
                ColorDepth::Ansi256,
                ColorDepth::Ansi16,
                ColorDepth::Mono,
            ] {
                let _ = theme.clone().adapt(depth);
            }
        }
        Err(e) => assert_inert("a theme error", &e),
    }
}

/// The audit journal, read, verified and checked before a write, whatever bytes the file holds.
/// An even first byte: the input is the whole file. An odd one: it follows two genuine signed
/// records whose head and key are in place, so the MAC and head checks are reached too.
pub fn journal(data: &[u8]) {
    JOURNAL.with(|scratch| {
        let file = match data.first() {
            Some(first) if first % 2 == 1 => [scratch.genuine.as_slice(), &data[1..]].concat(),
            _ => data.to_vec(),
        };
        std::fs::write(&scratch.journal, &file)
            .unwrap_or_else(|e| panic!("{}: {e}", scratch.journal.display()));
        let journal = Journal::with_key(&scratch.journal, &scratch.key);
        // Errors quote the file; every sink sanitizes them (`picket audit`, the status bar).
        let _ = journal.contents();
        let _ = journal.read();
        let _ = journal.verify();
        let _ = journal.ready();
        let _ = journal.unfinished();
    });
}

/// A journal of this thread's own with a key and two genuine records, removed when the
/// thread ends.
struct ScratchJournal {
    dir: PathBuf,
    journal: PathBuf,
    key: PathBuf,
    /// The two genuine records, as written.
    genuine: Vec<u8>,
}

impl ScratchJournal {
    fn new() -> ScratchJournal {
        use picket::journal::{Entry, Operator, Target};
        let dir = std::env::temp_dir().join(format!(
            "picket-fuzz-journal-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let journal = dir.join("journal.jsonl");
        let key = dir.join("journal.key");
        let writer = Journal::with_key(&journal, &key);
        for n in 0..2 {
            writer
                .append(
                    Entry::Intent {
                        action_id: format!("act-{n}"),
                        operator: Operator {
                            user: "analyst".into(),
                            principal: None,
                        },
                        action: serde_json::json!({"name": "archive"}),
                        targets: vec![Target {
                            finding: format!("f-{n}"),
                            account: "111122223333".into(),
                            region: "us-east-1".into(),
                        }],
                        reason: "fuzz".into(),
                    },
                    Timestamp::UNIX_EPOCH,
                )
                .unwrap_or_else(|e| panic!("the scratch journal: {e}"));
        }
        let genuine = std::fs::read(&journal).unwrap_or_else(|e| panic!("{e}"));
        ScratchJournal {
            dir,
            journal,
            key,
            genuine,
        }
    }
}

impl Drop for ScratchJournal {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
