//! A torn last line: refused, reported as such, and repaired without losing a byte.

use super::*;

/// Appends `bytes` to the journal file as a crash mid-write would leave them.
fn tear(journal: &Journal, bytes: &[u8]) {
    use std::io::Write;
    let mut file = OpenOptions::new()
        .append(true)
        .open(journal.path())
        .expect("open");
    file.write_all(bytes).expect("write");
}

const FRAGMENT: &[u8] =
    br#"{"seq":7,"time":"2026-11-28T09:30:00Z","kind":"intent","action_id":"a4","oper"#;

#[test]
fn a_torn_last_line_refuses_the_next_append_and_changes_nothing() {
    let (_dir, journal) = journal();
    tear(&journal, FRAGMENT);
    let before = std::fs::read(journal.path()).expect("read");
    let refused = journal
        .append(intent("a4", "contain"), now())
        .expect_err("refused");
    assert!(refused.contains("torn"), "{refused}");
    assert!(
        refused.contains(&journal.path().display().to_string()),
        "names the file: {refused}"
    );
    assert!(refused.contains("picket audit --repair"), "{refused}");
    assert_eq!(std::fs::read(journal.path()).expect("read"), before);
    assert_eq!(journal.ready(), Err(refused));
}

#[test]
fn a_whole_record_missing_only_its_newline_is_torn_too() {
    let (_dir, journal) = journal();
    let last = lines(&journal).pop().expect("a line");
    tear(&journal, last.as_bytes());
    assert!(
        journal
            .append(intent("a4", "contain"), now())
            .expect_err("refused")
            .contains("torn")
    );
}

#[test]
fn reading_reports_a_torn_tail_not_a_parse_error() {
    let (_dir, journal) = journal();
    tear(&journal, FRAGMENT);
    let contents = journal.contents().expect("the complete records read");
    assert_eq!(contents.records.len(), 6);
    assert_eq!(
        contents.torn,
        Some(Torn {
            line: 7,
            bytes: FRAGMENT.len() as u64
        })
    );
    let read = journal.read().expect_err("torn");
    assert!(read.contains(":7: the last line is torn"), "{read}");
    assert!(!read.contains("not a journal record"), "{read}");
    let broken = journal.verify().expect_err("torn");
    assert_eq!(broken.cause, Cause::Crash);
    assert!(broken.problem.contains("line 7 is torn"), "{broken}");
    assert!(broken.problem.contains("--repair"), "{broken}");
}

#[test]
fn repair_quarantines_the_fragment_and_records_it() {
    let (_dir, journal) = journal();
    tear(&journal, FRAGMENT);
    let repaired = journal.repair(now()).expect("repaired");
    let quarantined = repaired.quarantined.expect("quarantined");
    assert_eq!(quarantined.bytes, FRAGMENT.len() as u64);
    assert_eq!(quarantined.sha256, sha256_hex(FRAGMENT));
    assert_eq!(
        quarantined.side_file,
        journal
            .path()
            .with_file_name("journal.jsonl.torn-20261128T093000Z")
    );
    assert_eq!(
        std::fs::read(&quarantined.side_file).expect("side file"),
        FRAGMENT,
        "every byte kept"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&quarantined.side_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(!repaired.reanchored);

    let records = journal.read().expect("no torn line any more");
    assert_eq!(records.len(), 7);
    let Entry::Repair {
        quarantined_bytes,
        sha256_of_fragment,
        side_file,
        found,
        ..
    } = &records[6].entry
    else {
        panic!("the last record is the repair: {:?}", records[6]);
    };
    assert_eq!(*quarantined_bytes, FRAGMENT.len() as u64);
    assert_eq!(
        sha256_of_fragment.as_deref(),
        Some(quarantined.sha256.as_str())
    );
    assert_eq!(
        side_file.as_deref(),
        Some("journal.jsonl.torn-20261128T093000Z")
    );
    assert!(found.contains("after record 6"), "{found}");
    assert_eq!(repaired.record.as_ref(), Some(&records[6]));

    let verified = journal.verify().expect("intact after the repair");
    assert_eq!(verified.records, 7);
    assert_eq!(verified.repairs, vec![7]);
    let next = journal
        .append(intent("a4", "contain"), now())
        .expect("appends again");
    assert_eq!(next.seq, 8);
}

#[test]
fn a_second_repair_at_the_same_second_keeps_both_fragments() {
    let (_dir, journal) = journal();
    tear(&journal, FRAGMENT);
    let first = journal.repair(now()).expect("repaired");
    tear(&journal, b"{\"seq\":8");
    let second = journal.repair(now()).expect("repaired");
    let (first, second) = (
        first.quarantined.expect("first"),
        second.quarantined.expect("second"),
    );
    assert_ne!(first.side_file, second.side_file);
    assert_eq!(std::fs::read(&first.side_file).expect("first"), FRAGMENT);
    assert_eq!(
        std::fs::read(&second.side_file).expect("second"),
        b"{\"seq\":8"
    );
    assert_eq!(journal.verify().map(|v| v.repairs), Ok(vec![7, 8]));
}

#[test]
fn a_torn_first_line_is_repaired_into_a_journal_that_starts_with_the_repair() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    std::fs::create_dir_all(dir.path().join("state")).expect("dir");
    std::fs::write(journal.path(), FRAGMENT).expect("write");
    let repaired = journal.repair(now()).expect("repaired");
    assert_eq!(repaired.record.map(|r| r.seq), Some(1));
    assert_eq!(journal.verify().map(|v| v.records), Ok(1));
}

#[test]
fn repair_with_nothing_wrong_writes_nothing() {
    let (_dir, journal) = journal();
    let before = std::fs::read(journal.path()).expect("read");
    assert_eq!(journal.repair(now()), Ok(Repaired::default()));
    assert_eq!(std::fs::read(journal.path()).expect("read"), before);
}
