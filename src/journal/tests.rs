use super::*;

fn now() -> Timestamp {
    "2026-11-28T09:30:00Z".parse().expect("time")
}

fn intent(id: &str, reason: &str) -> Entry {
    Entry::Intent {
        action_id: id.into(),
        operator: Operator {
            user: "alice".into(),
            principal: Some("arn:aws:sts::111122223333:assumed-role/IR/alice".into()),
        },
        action: serde_json::json!({"name": "set_workflow", "status": "RESOLVED", "note": "fixed"}),
        targets: vec![Target {
            finding: "f-1".into(),
            account: "111122223333".into(),
            region: "us-east-1".into(),
        }],
        reason: reason.into(),
    }
}

fn outcome(id: &str) -> Entry {
    Entry::Outcome {
        action_id: id.into(),
        results: vec![TargetOutcome {
            finding: "f-1".into(),
            ok: true,
            error: None,
            request_id: Some("req-1".into()),
            detail: None,
        }],
    }
}

mod anchoring;
mod concurrency;
mod torn;

/// A journal in `dir`, its key in a directory of its own (as in the platform's config
/// directory), never the user's.
fn journal_in(dir: &Path) -> Journal {
    Journal::with_key(
        dir.join("state/journal.jsonl"),
        dir.join("config/journal.key"),
    )
}

/// A journal of three actions (six lines) in a fresh directory.
fn journal() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    for id in ["a1", "a2", "a3"] {
        journal.append(intent(id, "triage"), now()).expect("intent");
        journal.append(outcome(id), now()).expect("outcome");
    }
    (dir, journal)
}

fn lines(journal: &Journal) -> Vec<String> {
    std::fs::read_to_string(journal.path())
        .expect("read")
        .lines()
        .map(str::to_string)
        .collect()
}

fn write(journal: &Journal, lines: &[String]) {
    std::fs::write(journal.path(), lines.join("\n") + "\n").expect("write");
}

#[test]
fn an_intact_journal_verifies_and_reads_back() {
    let (_dir, journal) = journal();
    let verified = journal.verify().expect("intact");
    assert_eq!(verified.records, 6);
    assert_eq!(verified.unsigned, 0, "every record is signed");
    assert!(verified.anchored);
    let records = journal.read().expect("read");
    assert_eq!(records.len(), 6);
    assert_eq!(records[0].prev, GENESIS);
    assert_eq!(records[2].entry, intent("a2", "triage"));
    assert!(journal.unfinished().expect("read").is_empty());
}

#[cfg(unix)]
#[test]
fn only_its_owner_can_read_the_journal() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, journal) = journal();
    let mode = std::fs::metadata(journal.path())
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn an_edited_line_is_named() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    all[2] = all[2].replace("triage", "nothing to see");
    write(&journal, &all);
    let broken = journal.verify().expect_err("broken");
    assert_eq!(broken.line, 3, "{broken}");
}

/// Rewrites line `index` (0-based) with a new reason and its hash recomputed, as someone without
/// the key would.
fn rewrite_reason(all: &mut [String], index: usize) {
    let mut record: Record = serde_json::from_str(&all[index]).expect("record");
    if let Entry::Intent { reason, .. } = &mut record.entry {
        *reason = "rewritten".into();
    }
    record.hash = record.own_hash().expect("hash");
    all[index] = serde_json::to_string(&record).expect("json");
}

#[test]
fn an_edit_with_a_recomputed_hash_is_named_by_its_mac() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    rewrite_reason(&mut all, 2);
    write(&journal, &all);
    let broken = journal.verify().expect_err("broken");
    assert_eq!(broken.line, 3, "{broken}");
    assert_eq!(broken.cause, Cause::Altered);
    assert!(broken.problem.contains("MAC"), "{broken}");
}

#[test]
fn in_an_unsigned_journal_an_edit_with_a_recomputed_hash_breaks_the_next_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    let mut all = unsigned_lines(&["a1", "a2"]);
    rewrite_reason(&mut all, 2);
    std::fs::create_dir_all(dir.path().join("state")).expect("dir");
    write(&journal, &all);
    let broken = journal.verify().expect_err("broken");
    assert_eq!(broken.line, 4, "{broken}");
}

/// Lines as picket wrote them before it signed records: chained and hashed, no MAC, no head.
fn unsigned_lines(ids: &[&str]) -> Vec<String> {
    let mut prev = GENESIS.to_string();
    let mut lines = Vec::new();
    for entry in ids
        .iter()
        .flat_map(|id| [intent(id, "triage"), outcome(id)])
    {
        let mut record = Record {
            seq: lines.len() as u64 + 1,
            time: now(),
            entry,
            prev: prev.clone(),
            hash: String::new(),
            mac: None,
        };
        record.hash = record.own_hash().expect("hash");
        let line = serde_json::to_string(&record).expect("json");
        prev = sha256_hex(line.as_bytes());
        lines.push(line);
    }
    lines
}

#[test]
fn a_deleted_line_is_named() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    all.remove(1);
    write(&journal, &all);
    assert_eq!(journal.verify().expect_err("broken").line, 2);
    let mut last_gone = lines(&journal);
    last_gone.pop();
    write(&journal, &last_gone);
    assert_eq!(journal.verify().expect_err("still broken").line, 2);
}

#[test]
fn reordered_lines_are_named() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    all.swap(3, 4);
    write(&journal, &all);
    assert_eq!(journal.verify().expect_err("broken").line, 4);
}

#[test]
fn an_intent_without_an_outcome_is_reported_unfinished() {
    let (_dir, journal) = journal();
    // picket stopped between writing the intent and hearing from AWS.
    journal
        .append(intent("a4", "contain"), now())
        .expect("intent");
    let unfinished = journal.unfinished().expect("read");
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0].entry.action_id(), Some("a4"));
    assert_eq!(journal.verify().map(|v| v.records), Ok(7));
}

#[test]
fn a_garbled_line_is_named_not_a_panic() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    all[4] = "{not json".into();
    write(&journal, &all);
    let broken = journal.verify().expect_err("broken");
    assert_eq!(broken.line, 5);
    assert!(journal.read().expect_err("unreadable").contains(":5:"));
}
