//! The end of the journal is anchored: its newest records cannot be removed, nor the last one
//! rewritten, without `verify` saying so; a head one record behind (a crash) is told apart and
//! repaired; journals from before signing still read and verify as far as they go.

use super::*;

fn altered(journal: &Journal) -> Broken {
    let broken = journal.verify().expect_err("altered");
    assert_eq!(broken.cause, Cause::Altered, "{broken}");
    broken
}

#[test]
fn deleting_the_newest_record_is_detected_and_not_written_over() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    all.pop();
    write(&journal, &all);
    let broken = altered(&journal);
    assert!(
        broken
            .problem
            .contains("anchors record 6 but the journal ends at record 5"),
        "{broken}"
    );
    // An append would move the head over the evidence: refused, nothing written.
    let refused = journal
        .append(intent("a4", "contain"), now())
        .expect_err("refused");
    assert!(refused.contains("not what a crash leaves"), "{refused}");
    assert_eq!(lines(&journal), all);
    assert!(
        journal.repair(now()).is_err(),
        "a repair leaves evidence alone"
    );
    assert_eq!(lines(&journal), all);
}

#[test]
fn deleting_every_record_is_detected() {
    let (_dir, journal) = journal();
    std::fs::write(journal.path(), "").expect("empty");
    assert!(
        altered(&journal)
            .problem
            .contains("holds no complete record")
    );
    std::fs::remove_file(journal.path()).expect("remove");
    assert!(altered(&journal).problem.contains("the journal is gone"));
}

#[test]
fn deleting_the_newest_records_and_the_head_is_detected() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    all.truncate(4);
    write(&journal, &all);
    std::fs::remove_file(journal.head_path()).expect("remove head");
    let broken = altered(&journal);
    assert!(broken.problem.contains("head is missing"), "{broken}");
}

#[test]
fn the_last_record_rewritten_with_a_recomputed_hash_is_detected() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    let mut record: Record = serde_json::from_str(&all[5]).expect("record");
    if let Entry::Outcome { results, .. } = &mut record.entry {
        results[0].ok = false;
    }
    record.hash = record.own_hash().expect("hash");
    all[5] = serde_json::to_string(&record).expect("json");
    write(&journal, &all);
    let broken = altered(&journal);
    assert_eq!(broken.line, 6, "{broken}");
    assert!(broken.problem.contains("MAC"), "{broken}");

    // Without its MAC, the record would pass as unsigned: the head still knows its line.
    record.mac = None;
    all[5] = serde_json::to_string(&record).expect("json");
    write(&journal, &all);
    assert_eq!(altered(&journal).line, 6);

    // Nor can the head be moved to the rewritten line without the key.
    let head: serde_json::Value =
        serde_json::from_slice(&std::fs::read(journal.head_path()).expect("head")).expect("json");
    let forged = serde_json::json!({
        "seq": 6,
        "line": sha256_hex(all[5].as_bytes()),
        "mac": head["mac"],
    });
    std::fs::write(journal.head_path(), forged.to_string()).expect("forge");
    let broken = journal.verify().expect_err("altered");
    assert_eq!(broken.cause, Cause::Altered);
}

#[test]
fn a_forged_or_garbled_head_is_detected() {
    let (_dir, journal) = journal();
    let forged = serde_json::json!({"seq": 9, "line": "ab", "mac": "00"});
    std::fs::write(journal.head_path(), forged.to_string()).expect("forge");
    assert!(altered(&journal).problem.contains("head's MAC"));
    std::fs::write(journal.head_path(), "\u{1b}[2J not a head").expect("garble");
    assert!(altered(&journal).problem.contains("not a journal head"));
}

#[test]
fn a_head_one_behind_after_a_crash_is_reported_and_repaired() {
    let (_dir, journal) = journal();
    let head_before = std::fs::read(journal.head_path()).expect("head");
    journal
        .append(intent("a4", "contain"), now())
        .expect("intent");
    // A crash between the journal's write and the head's: the head is the one from before.
    std::fs::write(journal.head_path(), head_before).expect("head");

    let broken = journal.verify().expect_err("behind");
    assert_eq!(broken.cause, Cause::Crash, "{broken}");
    assert!(
        broken.problem.contains("head is one record behind"),
        "{broken}"
    );
    let refused = journal
        .append(outcome("a4"), now())
        .expect_err("refused until repaired");
    assert!(refused.contains("picket audit --repair"), "{refused}");

    let repaired = journal.repair(now()).expect("repaired");
    assert!(repaired.reanchored);
    assert_eq!(repaired.quarantined, None);
    let record = repaired.record.expect("recorded");
    assert_eq!(record.seq, 8);
    assert!(
        matches!(&record.entry, Entry::Repair { found, quarantined_bytes: 0, .. } if found.contains("one record behind")),
        "{record:?}"
    );
    let verified = journal.verify().expect("intact");
    assert_eq!((verified.records, verified.repairs), (8, vec![8]));
    assert_eq!(journal.append(outcome("a4"), now()).map(|r| r.seq), Ok(9));
}

#[test]
fn a_journal_from_before_signing_reads_and_verifies_as_unanchored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    std::fs::create_dir_all(dir.path().join("state")).expect("dir");
    write(&journal, &unsigned_lines(&["a1", "a2"]));
    assert_eq!(journal.read().map(|r| r.len()), Ok(4));
    let verified = journal.verify().expect("intact");
    assert_eq!(
        (verified.records, verified.unsigned, verified.anchored),
        (4, 4, false)
    );
    assert!(
        !journal.key_path().expect("key path").exists(),
        "reading makes no key"
    );

    // The next record is signed and anchored, and covers the ones before it through the chain.
    let record = journal
        .append(intent("a3", "contain"), now())
        .expect("appends");
    assert_eq!((record.seq, record.mac.is_some()), (5, true));
    let verified = journal.verify().expect("intact");
    assert_eq!(
        (verified.records, verified.unsigned, verified.anchored),
        (5, 4, true)
    );

    // Rewriting every unsigned record with the chain recomputed breaks at the signed one.
    let mut all = lines(&journal);
    let rewritten = unsigned_lines(&["b1", "b2"]);
    all.splice(0..4, rewritten);
    write(&journal, &all);
    assert_eq!(altered(&journal).line, 5);
}

#[test]
fn an_unsigned_record_after_signed_ones_is_detected() {
    let (_dir, journal) = journal();
    let mut all = lines(&journal);
    let mut record: Record = serde_json::from_str(&all[5]).expect("record");
    record.mac = None;
    all[5] = serde_json::to_string(&record).expect("json");
    write(&journal, &all);
    let broken = altered(&journal);
    assert_eq!(broken.line, 6);
    assert!(broken.problem.contains("no MAC"), "{broken}");
}

#[test]
fn the_first_signed_record_without_its_head_is_a_crash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    std::fs::create_dir_all(dir.path().join("state")).expect("dir");
    write(&journal, &unsigned_lines(&["a1"]));
    journal
        .append(intent("a2", "contain"), now())
        .expect("appends");
    // The crash: the head of the first signed record never reached the disk.
    std::fs::remove_file(journal.head_path()).expect("remove");
    assert_eq!(journal.verify().map_err(|b| b.cause), Err(Cause::Crash));
    assert!(journal.repair(now()).expect("repaired").reanchored);
    assert_eq!(journal.verify().map(|v| v.records), Ok(4));
}

#[test]
fn without_its_key_a_signed_journal_is_unchecked_not_resigned() {
    let (_dir, journal) = journal();
    let key = journal.key_path().expect("key").to_path_buf();
    std::fs::remove_file(&key).expect("remove key");
    let broken = journal.verify().expect_err("unchecked");
    assert_eq!(broken.cause, Cause::Unverifiable, "{broken}");
    assert!(broken.problem.contains("missing"), "{broken}");
    let refused = journal
        .append(intent("a4", "contain"), now())
        .expect_err("no new key for an old journal");
    assert!(refused.contains("key"), "{refused}");
    assert!(!key.exists());
}

#[test]
fn another_key_fails_the_first_signed_record() {
    let (_dir, journal) = journal();
    let key = journal.key_path().expect("key").to_path_buf();
    std::fs::remove_file(&key).expect("remove key");
    Key::load_or_create(&key).expect("a new key");
    let broken = altered(&journal);
    assert_eq!(broken.line, 1, "{broken}");
    assert!(broken.problem.contains("key is not the one"), "{broken}");
}

#[cfg(unix)]
#[test]
fn the_key_is_private_and_kept_apart_from_the_journal() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, journal) = journal();
    let key = journal.key_path().expect("key");
    let mode = std::fs::metadata(key).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(key).expect("key");
    assert_eq!(text.trim().len(), 64);
    assert!(hex::decode(text.trim()).is_ok());

    let (real, key) = (
        default_path().expect("a state directory"),
        default_key_path().expect("a config directory"),
    );
    assert_ne!(real.parent(), key.parent(), "{real:?} and {key:?}");

    // A key others can read is refused, not used.
    std::fs::set_permissions(
        journal.key_path().expect("key"),
        PermissionsExt::from_mode(0o644),
    )
    .expect("chmod");
    let refused = journal
        .append(intent("a4", "contain"), now())
        .expect_err("refused");
    assert!(refused.contains("chmod 600"), "{refused}");
}

#[test]
fn the_demo_journal_is_beside_the_real_one_and_apart_from_it() {
    let real = PathBuf::from("/state/picket/journal.jsonl");
    let demo = locate(real.clone(), None, true);
    assert_eq!(demo.path(), Path::new("/state/picket/journal-demo.jsonl"));
    assert_eq!(
        demo.head_path(),
        Path::new("/state/picket/journal-demo.head")
    );
    let real = locate(real, None, false);
    assert_eq!(real.path(), Path::new("/state/picket/journal.jsonl"));
    assert_eq!(real.head_path(), Path::new("/state/picket/journal.head"));
    assert_eq!(demo_path(Path::new("trail")), Path::new("trail-demo"));
    assert_eq!(head_path(Path::new("x.head")), Path::new("x.head.head"));
}
