use std::sync::Arc;

use jiff::Timestamp;
use rusqlite::Connection;

use super::*;
use crate::model::fixtures::guardduty;
use crate::store::{EntryIx, Held, Upsert};

fn now() -> Timestamp {
    "2026-01-15T12:00:00Z".parse().expect("valid time")
}

fn asff(id: &str, workflow: &str, processed: &str) -> crate::model::Finding {
    let value = serde_json::json!({
        "SchemaVersion": "2018-10-08", "Id": id,
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "ProductName": "Security Hub", "GeneratorId": "security-control/S3.8",
        "AwsAccountId": "111111111111", "AwsAccountName": "prod-web", "Region": "us-east-1",
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-01-10T00:00:00Z", "UpdatedAt": "2026-01-15T00:00:00Z",
        "ProcessedAt": processed,
        "Severity": {"Label": "HIGH", "Normalized": 70}, "Title": "S3 buckets should block public access",
        "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::open-bucket"}],
        "Compliance": {"Status": "FAILED", "SecurityControlId": "S3.8",
                       "RelatedRequirements": ["CIS AWS Foundations Benchmark v1.4.0/2.1.5"]},
        "Workflow": {"Status": workflow}, "RecordState": "ACTIVE"
    });
    crate::model::asff::map_finding(&value).unwrap_or_else(|e| panic!("fixture {id}: {e}"))
}

fn filled() -> FindingStore {
    let mut store = FindingStore::default();
    store.upsert(
        guardduty(
            "g1",
            "111111111111",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-15T11:00:00Z",
        ),
        now(),
        true,
    );
    store.upsert(asff("sh-1", "NEW", "2026-01-15T00:00:01Z"), now(), false);
    store
}

fn write_all(disk: &Disk, store: &FindingStore) {
    let written: Vec<Written> = (0..store.len() as EntryIx)
        .filter_map(|ix| Written::of(store, ix))
        .collect();
    disk.write(&written, &[], now()).expect("written");
}

#[test]
fn a_restored_store_is_the_store_that_was_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store").join("p.sqlite");
    let store = filled();
    let disk = Disk::open(&path).expect("opens");
    write_all(&disk, &store);
    drop(disk);

    let disk = Arc::new(Disk::open(&path).expect("reopens"));
    let mut restored = FindingStore::default();
    let loaded = disk.load(&mut restored).expect("loads");
    assert_eq!((loaded.findings, loaded.skipped), (2, 0));
    assert_eq!(loaded.written_at, Some(now()));
    restored.attach(disk.clone());
    for ix in 0..store.len() as EntryIx {
        let before = store.row(ix).expect("row");
        let at = restored.find(&before.scope, &before.id).expect("restored");
        assert_eq!(before, restored.row(at).expect("row"));
        let summary = |s: &FindingStore, ix| {
            let s = *s.summary(ix).expect("summary");
            (
                s.severity,
                s.label,
                s.workflow,
                s.count,
                s.last_seen,
                s.compliance,
                s.sources,
                s.unseen,
            )
        };
        assert_eq!(summary(&store, ix), summary(&restored, at));
        assert_eq!(store.searchable(ix), restored.searchable(at));
        assert!(matches!(
            restored.get(at).expect("entry").raw,
            Held::OnDisk(_)
        ));
        // The detail reads the raw record back from disk, the same record byte for byte.
        let original = store.raw(ix).expect("raw").as_delivered();
        assert_eq!(restored.raw(at).expect("raw").as_delivered(), original);
        assert_eq!(
            restored.finding(at).expect("finding").title,
            store.finding(ix).expect("finding").title
        );
    }
}

#[test]
fn older_copies_never_replace_newer_ones_and_duplicates_change_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = Arc::new(Disk::open(&dir.path().join("p.sqlite")).expect("opens"));
    let mut store = FindingStore::default();
    store.attach(disk.clone());
    let ix = match store.upsert(
        asff("sh-1", "NOTIFIED", "2026-01-15T10:00:00Z"),
        now(),
        true,
    ) {
        Upsert::Inserted(ix) => ix,
        other => panic!("{other:?}"),
    };
    let changed = store.take_changed();
    assert_eq!(changed, vec![ix]);
    write_all(&disk, &store);
    store.stored(ix, store.get(ix).expect("entry").revised);
    assert!(matches!(store.get(ix).expect("entry").raw, Held::OnDisk(_)));
    // Delivered again (at least once): nothing changes, nothing to write.
    let again = store.upsert(
        asff("sh-1", "NOTIFIED", "2026-01-15T10:00:00Z"),
        now(),
        false,
    );
    assert_eq!(again, Upsert::Unchanged(ix));
    // An older state, delivered late: refused.
    let late = store.upsert(asff("sh-1", "NEW", "2026-01-15T09:00:00Z"), now(), false);
    assert_eq!(late, Upsert::Unchanged(ix));
    assert!(store.take_changed().is_empty());
    assert_eq!(
        store.summary(ix).expect("summary").workflow,
        Workflow::Notified
    );
    // A newer one (an analyst resolved it elsewhere): taken.
    let newer = store.upsert(
        asff("sh-1", "RESOLVED", "2026-01-15T11:00:00Z"),
        now(),
        false,
    );
    assert_eq!(newer, Upsert::Updated(ix));
    assert_eq!(
        store.summary(ix).expect("summary").workflow,
        Workflow::Resolved
    );
    assert!(matches!(store.get(ix).expect("entry").raw, Held::Here(_)));
}

#[test]
fn what_the_analyst_saw_is_remembered_with_when() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.sqlite");
    let disk = Arc::new(Disk::open(&path).expect("opens"));
    let mut store = FindingStore::default();
    store.attach(disk.clone());
    store.upsert(asff("sh-1", "NEW", "2026-01-15T10:00:00Z"), now(), false);
    write_all(&disk, &store);
    store.take_changed();
    store.mark_seen(0);
    assert_eq!(store.take_changed(), vec![0]);
    write_all(&disk, &store);
    let conn = Connection::open(&path).expect("opens");
    let (unseen, seen_at): (i64, Option<i64>) = conn
        .query_row("SELECT unseen, seen_at FROM findings", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    assert_eq!((unseen, seen_at), (0, Some(now().as_millisecond())));
    let mut restored = FindingStore::default();
    disk.load(&mut restored).expect("loads");
    assert!(!restored.is_unseen(0));
}

#[test]
fn marks_are_kept_with_the_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = Disk::open(&dir.path().join("p.sqlite")).expect("opens");
    let mark = Mark {
        source: "securityhub us-east-1".into(),
        cursor: now(),
        full_read: Some("2026-01-15T06:00:00Z".parse().expect("time")),
    };
    disk.write(&[], std::slice::from_ref(&mark), now())
        .expect("written");
    assert_eq!(disk.marks(), vec![mark]);
    let info = disk.info().expect("info");
    assert_eq!(
        (info.findings, info.schema, info.marks.len()),
        (0, SCHEMA, 1)
    );
}

#[test]
fn the_source_that_read_a_finding_is_kept_and_a_schema_1_store_is_migrated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.sqlite");
    let mut store = filled();
    let reader = "securityhub us-east-1 111111111111";
    let sh = store
        .find_finding(&asff("sh-1", "NEW", "2026-01-15T00:00:01Z"))
        .expect("stored");
    store.read_by(sh, reader, now());
    let disk = Disk::open(&path).expect("opens");
    write_all(&disk, &store);
    drop(disk);
    let mut restored = FindingStore::default();
    Disk::open(&path)
        .expect("reopens")
        .load(&mut restored)
        .expect("loads");
    let at =
        |s: &FindingStore, id: &str| s.find(&asff(id, "NEW", "2026-01-15T00:00:01Z").scope, id);
    assert_eq!(
        restored.reader(at(&restored, "sh-1").expect("restored")),
        Some(reader)
    );

    // The same file as the first schema wrote it: no source column.
    Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "ALTER TABLE findings DROP COLUMN source; DROP TABLE readers; \
                 ALTER TABLE findings DROP COLUMN seen; \
                 ALTER TABLE findings DROP COLUMN principal; DROP TABLE principals; \
                 ALTER TABLE findings DROP COLUMN expires; \
                 ALTER TABLE findings DROP COLUMN about; \
                 ALTER TABLE records DROP COLUMN dictionary; DROP TABLE dictionaries; \
                 PRAGMA user_version = 1;",
            )
        })
        .expect("made schema 1");
    let disk = Disk::open(&path).expect("a schema 1 store opens");
    assert_eq!(disk.info().expect("info").schema, SCHEMA);
    let mut migrated = FindingStore::default();
    let loaded = disk.load(&mut migrated).expect("loads");
    assert_eq!(
        (loaded.findings, loaded.skipped),
        (2, 0),
        "every finding kept"
    );
    let ix = at(&migrated, "sh-1").expect("migrated");
    assert_eq!(migrated.reader(ix), None, "no source is known of schema 1");
    // And it is written on as the schema of today.
    migrated.read_by(ix, reader, now());
    write_all(&disk, &migrated);
}

#[test]
fn a_foreign_or_damaged_file_is_refused_and_left_as_it_is() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Another program's SQLite database.
    let foreign = dir.path().join("foreign.sqlite");
    Connection::open(&foreign)
        .and_then(|c| {
            c.execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');")
        })
        .expect("foreign database");
    let before = std::fs::read(&foreign).expect("read");
    let refusal = Disk::open(&foreign).expect_err("refused");
    assert!(refusal.contains("another program"), "{refusal}");
    assert_eq!(std::fs::read(&foreign).expect("read"), before);
    // Not a database at all.
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "these are my notes, not a database\n".repeat(200)).expect("write");
    let refusal = Disk::open(&text).expect_err("refused");
    assert!(refusal.contains("not a picket store"), "{refusal}");
    assert!(refusal.contains("left as it is"), "{refusal}");
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "these are my notes, not a database\n".repeat(200)
    );
    // A store from a newer picket.
    let newer = dir.path().join("newer.sqlite");
    drop(Disk::open(&newer).expect("opens"));
    Connection::open(&newer)
        .and_then(|c| c.execute_batch(&format!("PRAGMA user_version = {};", SCHEMA + 1)))
        .expect("bumped");
    let refusal = Disk::open(&newer).expect_err("refused");
    assert!(refusal.contains("newer picket"), "{refusal}");
}

#[test]
fn records_packed_with_a_learned_dictionary_read_back_after_a_restart_which_packs_on_with_it() {
    use crate::model::packing::Packer;
    use crate::model::raw::RecordKind;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.sqlite");
    let finding = |n: usize| {
        guardduty(
            &format!("g{n}"),
            &format!("{:012}", 111_111_111_111u64 + (n % 7) as u64),
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-15T11:00:00Z",
        )
    };
    let packer = Packer::new();
    let mut store = FindingStore::default();
    for n in 0..300 {
        let mut f = finding(n);
        f.raw.pack_with(&packer);
        store.upsert(f, now(), true);
    }
    packer.train_now();
    let learned = packer
        .dictionary(RecordKind::GuardDuty)
        .expect("learned from 300 records");
    let mut late = finding(300);
    let text = late.raw.as_delivered();
    late.raw.pack_with(&packer);
    assert!(
        late.raw.packed_parts().and_then(|p| p.dictionary).is_some(),
        "packed with the dictionary"
    );
    store.upsert(late, now(), false);
    let disk = Disk::open(&path).expect("opens");
    write_all(&disk, &store);
    drop(disk);

    let disk = Arc::new(Disk::open(&path).expect("reopens"));
    let mut restored = FindingStore::default();
    assert_eq!(disk.load(&mut restored).expect("loads").findings, 301);
    restored.attach(disk.clone());
    let at = restored
        .find(&finding(300).scope, "g300")
        .expect("restored");
    assert_eq!(restored.raw(at).expect("read back").as_delivered(), text);
    let early = restored.find(&finding(0).scope, "g0").expect("restored");
    assert_eq!(
        restored.raw(early).expect("LZ4 reads back").as_delivered(),
        finding(0).raw.as_delivered()
    );
    // The next run packs with the dictionary the store kept, instead of learning another.
    let kept = disk.latest_dictionaries();
    assert_eq!(
        kept.iter().map(|d| (d.kind(), d.id())).collect::<Vec<_>>(),
        vec![(RecordKind::GuardDuty, learned.id())]
    );
    // A record whose dictionary is gone reads as nothing, never as garbage.
    drop(restored);
    drop(disk);
    Connection::open(&path)
        .and_then(|c| c.execute_batch("DELETE FROM dictionaries;"))
        .expect("dictionary removed");
    let disk = Arc::new(Disk::open(&path).expect("reopens"));
    let mut damaged = FindingStore::default();
    disk.load(&mut damaged).expect("loads");
    damaged.attach(disk.clone());
    let at = damaged.find(&finding(300).scope, "g300").expect("restored");
    assert!(damaged.raw(at).is_none());
    assert!(disk.latest_dictionaries().is_empty());
}

#[test]
fn damaged_rows_are_skipped_and_damaged_records_read_as_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.sqlite");
    let disk = Arc::new(Disk::open(&path).expect("opens"));
    write_all(&disk, &filled());
    let conn = Connection::open(&path).expect("opens");
    conn.execute_batch(
        "UPDATE findings SET severity = 999 WHERE id = 'g1';
         UPDATE findings SET title = 'x' || char(27) || '[2J' WHERE id = 'sh-1';
         UPDATE records SET raw_len = 4000000000 WHERE n = (SELECT n FROM findings WHERE id = 'sh-1');",
    )
    .expect("damaged");
    let mut store = FindingStore::default();
    let loaded = disk.load(&mut store).expect("loads");
    assert_eq!((loaded.findings, loaded.skipped), (1, 1));
    store.attach(disk.clone());
    // The title's escape is neutralized; the record's absurd length is refused before any
    // allocation, so the finding cannot be opened, and says so.
    assert!(!store.title(0).contains('\u{1b}'));
    assert!(store.raw(0).is_none());
    assert!(store.finding(0).is_none());
}

#[test]
fn file_names_stay_inside_the_store_directory() {
    assert_eq!(file_name("prod-admin"), "prod-admin");
    assert_eq!(file_name("../../etc/passwd"), "_.._.._etc_passwd");
    assert_eq!(file_name(""), "_");
    assert_eq!(file_name("a b/c"), "a_b_c");
}

#[test]
fn what_the_analyst_last_saw_survives_a_restart_and_measures_what_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p.sqlite");
    let mut store = FindingStore::default();
    let at = |time: &str| -> crate::model::Finding {
        guardduty(
            "g1",
            "111111111111",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            time,
        )
    };
    // The first run's baseline, looked at; a resolved finding looked at; one that arrived later.
    store.upsert(at("2026-01-15T10:00:00Z"), now(), true);
    let resolved = match store.upsert(
        asff("sh-1", "RESOLVED", "2026-01-15T00:00:01Z"),
        now(),
        true,
    ) {
        Upsert::Inserted(ix) => ix,
        other => panic!("{other:?}"),
    };
    store.mark_seen(resolved);
    store.upsert(asff("sh-2", "NEW", "2026-01-15T00:00:01Z"), now(), false);
    let disk = Disk::open(&path).expect("opens");
    write_all(&disk, &store);
    drop(disk);

    // The next shift: restored, then the sources read on.
    let mut next = FindingStore::default();
    Disk::open(&path)
        .expect("reopens")
        .load(&mut next)
        .expect("loads");
    let ids = |s: &FindingStore, flag: &str| -> Vec<String> {
        let query = crate::query::Query::parse(flag).expect("query");
        let filter = crate::store::CompiledFilter::compile(
            &query,
            s,
            &crate::model::Directory::default(),
            now(),
        );
        (0..s.len() as EntryIx)
            .filter(|&ix| filter.matches(s, ix))
            .map(|ix| s.id(ix).into_owned())
            .collect()
    };
    assert_eq!(
        ids(&next, "is:new"),
        ["sh-2"],
        "arrived after the last look"
    );
    assert!(ids(&next, "is:changed").is_empty());
    // The GuardDuty finding recurs (count 1 → 5); the resolved one is opened again elsewhere.
    let mut recurred = at("2026-01-15T11:00:00Z");
    recurred.count = 5;
    next.upsert(recurred, now(), false);
    next.upsert(asff("sh-1", "NEW", "2026-01-15T00:00:02Z"), now(), false);
    assert_eq!(ids(&next, "is:changed"), ["g1", "sh-1"]);
    assert_eq!(ids(&next, "is:reopened"), ["sh-1"]);
    // Looking at it makes it the new measure.
    let g1 = next.find_finding(&at("2026-01-15T11:00:00Z")).expect("g1");
    next.mark_seen(g1);
    assert_eq!(ids(&next, "is:changed"), ["sh-1"]);
}

#[test]
fn who_acted_and_when_a_disposition_falls_due_survive_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.sqlite");
    let mut value = serde_json::json!({
        "SchemaVersion": "2018-10-08", "Id": "key-1",
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "AwsAccountId": "111111111111", "Region": "us-east-1", "Types": ["TTPs/Credential Access"],
        "CreatedAt": "2026-01-10T00:00:00Z", "UpdatedAt": "2026-01-15T00:00:00Z",
        "Severity": {"Label": "HIGH"}, "Title": "old access key",
        "Resources": [{"Type": "AwsIamAccessKey", "Id": "AKIAEXAMPLE",
            "Details": {"AwsIamAccessKey": {"PrincipalName": "carol"}}}],
        "Workflow": {"Status": "SUPPRESSED"}, "RecordState": "ACTIVE",
        "UserDefinedFields": {"ticket": "SEC-9", "picket.reason": "accepted-risk",
            "picket.author": "dana", "picket.expires": "2026-02-01T00:00:00Z"}
    });
    let finding = crate::model::asff::map_finding(&value).expect("maps");
    let mut store = FindingStore::default();
    store.upsert(finding, now(), true);
    let disk = Disk::open(&path).expect("opens");
    write_all(&disk, &store);
    drop(disk);
    let mut restored = FindingStore::default();
    Disk::open(&path)
        .expect("reopens")
        .load(&mut restored)
        .expect("loads");
    value["Id"] = "key-1".into();
    let ix = restored
        .find(
            &crate::model::asff::map_finding(&value).expect("maps").scope,
            "key-1",
        )
        .expect("restored");
    let s = *restored.summary(ix).expect("summary");
    assert_eq!(restored.principals.name(s.principal), "carol");
    // What it is about, as kept, not worked out again: the same as when it arrived.
    let about = |store: &FindingStore, ix| store.get(ix).expect("entry").resource;
    assert_ne!(about(&restored, ix), 0);
    assert_eq!(about(&restored, ix), about(&store, 0));
    let due: Timestamp = "2026-02-01T00:00:00Z".parse().expect("time");
    assert_eq!(i64::from(s.expires), due.as_second());
    assert!(s.expired(due.as_second()));
    assert!(!s.expired(due.as_second() - 1));
}
