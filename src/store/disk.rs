//! The disk store: every finding's row and packed raw record, each source's mark, and the
//! analyst's memory of what was seen and when, in one SQLite file per profile.
//!
//! SQLite because its file format is documented and stable (files written today open in every
//! later version), a commit in WAL mode with `synchronous = FULL` survives a crash or a power
//! cut whole or not at all, and the bundled build is one C file. picket writes from one
//! connection and reads raw records back through another, so opening a finding never waits
//! for a write.
//!
//! A file picket did not write (another application id), one written by a newer picket, or
//! one that is not a database is refused with a message and left untouched.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use std::borrow::Cow;

use super::row::{RECORD, UNIT, clean};
use super::{FindingStore, Look, Resources, Row, RowRef, RowResource, Texts};
use crate::model::finding::{ComplianceStatus, Verification};
use crate::model::mark::Mark;
use crate::model::packing::Dictionary;
use crate::model::raw::{RawRecord, RecordKind};
use crate::model::{SafeText, SeverityLabel, Sources, Workflow};

/// `PCKT`: marks the file as picket's.
const APPLICATION_ID: i32 = 0x5043_4B54;
/// The schema this build writes. Older files are migrated when opened; newer ones refused.
pub const SCHEMA: i32 = 4;
/// A stored finding as read back: its row, record kind, arrival, whether it is unseen and the
/// reconciling source that delivered it last (its number in the `readers` table).
type Restored<'a> = (RowRef<'a>, RecordKind, super::Kept);
/// Bytes of id, title and resources a finding keeps in memory, for reserving room at start.
const TEXT_PER_FINDING: usize = 192;

const CREATE: &str = "
CREATE TABLE findings (
    n INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    revised INTEGER NOT NULL,
    arrived INTEGER NOT NULL,
    unseen INTEGER NOT NULL,
    seen_at INTEGER,
    title TEXT NOT NULL,
    types TEXT NOT NULL,
    resources TEXT NOT NULL,
    account TEXT NOT NULL,
    account_name TEXT,
    region TEXT NOT NULL,
    product TEXT NOT NULL,
    control TEXT,
    requirements TEXT NOT NULL,
    compliance TEXT,
    count INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    label TEXT NOT NULL,
    workflow TEXT NOT NULL,
    verification TEXT NOT NULL,
    sources INTEGER NOT NULL,
    archived INTEGER NOT NULL,
    sample INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    source INTEGER REFERENCES readers (n),
    -- What the analyst last saw, packed (Look::pack): one integer a row to read at start.
    seen INTEGER,
    principal INTEGER REFERENCES principals (n),
    -- When the disposition falls due for review (milliseconds).
    expires INTEGER,
    -- A hash of what the finding is about (store::resource_key), not worked out again at start.
    about INTEGER,
    UNIQUE (scope, id)
);
-- The sources that reconcile what they deliver, numbered: a million rows name a few.
CREATE TABLE readers (n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- Who acted, numbered the same way: a start reads a number a row, not a name to intern.
CREATE TABLE principals (n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
-- Apart from the rows, so reading every row at start reads no record.
CREATE TABLE records (
    n INTEGER PRIMARY KEY REFERENCES findings (n),
    raw BLOB NOT NULL,
    raw_len INTEGER NOT NULL,
    -- The learned dictionary the record is packed with (zstd's id); none: LZ4, built in.
    dictionary INTEGER
);
-- Dictionaries learned from the records (model::packing), each kept once; the latest of a kind
-- packs the next run's records too.
CREATE TABLE dictionaries (
    n INTEGER PRIMARY KEY,
    id INTEGER NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    bytes BLOB NOT NULL
);
CREATE TABLE marks (source TEXT PRIMARY KEY, mark TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// The steps from each older schema to the next, in order: `MIGRATIONS[v - 1]` takes a file
/// from schema `v` to `v + 1`.
const MIGRATIONS: [&str; 3] = [
    // 2: the reconciling source that delivered each finding last (rows of schema 1 have none
    // until a source delivers them again), and what each looked like when the analyst last
    // looked (none: new to the next shift).
    "CREATE TABLE readers (n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE); \
     ALTER TABLE findings ADD COLUMN source INTEGER REFERENCES readers (n); \
     ALTER TABLE findings ADD COLUMN seen INTEGER;",
    // 3: who acted (the incidents view's principal) and when a disposition expires; rows of
    // schema 2 have neither until a source delivers them again.
    "CREATE TABLE principals (n INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE); \
     ALTER TABLE findings ADD COLUMN principal INTEGER REFERENCES principals (n); \
     ALTER TABLE findings ADD COLUMN expires INTEGER; \
     ALTER TABLE findings ADD COLUMN about INTEGER;",
    // 4: records packed with learned dictionaries; the records of schema 3 are all LZ4.
    "ALTER TABLE records ADD COLUMN dictionary INTEGER; \
     CREATE TABLE dictionaries (n INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE, \
     kind TEXT NOT NULL, bytes BLOB NOT NULL);",
];

const COLUMNS: &str = "scope, id, kind, revised, arrived, unseen, seen_at, title, types, \
    resources, account, account_name, region, product, control, requirements, compliance, count, \
    severity, label, workflow, verification, sources, archived, sample, first_seen, last_seen, \
    source, seen, principal, expires, about";

/// One finding to write: its row, its raw record when it is still in memory (else the stored
/// one stays), when it arrived and whether the analyst has yet to see it.
#[derive(Clone, Debug)]
pub struct Written {
    pub row: Row,
    pub kind: RecordKind,
    pub raw: Option<RawRecord>,
    pub arrived: Timestamp,
    pub unseen: bool,
    /// The reconciling source that delivered it last.
    pub reader: Option<String>,
    /// What it looked like when the analyst last looked.
    pub look: Option<Look>,
}

impl Written {
    /// Entry `ix` of `store` as it is to be written.
    pub fn of(store: &FindingStore, ix: super::EntryIx) -> Option<Written> {
        let entry = store.get(ix)?;
        Some(Written {
            row: store.row(ix)?,
            kind: entry.raw.kind(),
            raw: match &entry.raw {
                super::Held::Here(raw) => Some((**raw).clone()),
                super::Held::OnDisk(_) => None,
            },
            arrived: entry.arrived(),
            unseen: store.is_unseen(ix),
            reader: store.reader(ix).map(str::to_string),
            look: entry.look,
        })
    }
}

/// What `picket store info` prints.
#[derive(Debug)]
pub struct Info {
    pub path: PathBuf,
    pub bytes: u64,
    pub schema: i32,
    pub findings: u64,
    pub by_kind: Vec<(String, u64)>,
    pub unseen: u64,
    pub raw_bytes: u64,
    pub written_at: Option<Timestamp>,
    pub marks: Vec<Mark>,
}

/// What opening the store read back.
#[derive(Debug, Default)]
pub struct Loaded {
    pub findings: usize,
    /// When the store was last written: the age of the picture it holds.
    pub written_at: Option<Timestamp>,
    /// Rows that could not be read (damaged values), skipped.
    pub skipped: usize,
    /// Rows outside the scope, left on disk.
    pub outside: usize,
}

pub struct Disk {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// Learned dictionaries read back so far, by id: each is prepared once.
    dictionaries: Mutex<std::collections::HashMap<u32, Arc<Dictionary>>>,
}

impl std::fmt::Debug for Disk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Disk({})", self.path.display())
    }
}

/// SQLite's error, with the file named and what to do about it.
fn failed(path: &Path, what: &str, e: rusqlite::Error) -> String {
    let reason = match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            rusqlite::ErrorCode::NotADatabase => {
                "it is not a picket store (not an SQLite database, or damaged)".to_string()
            }
            rusqlite::ErrorCode::DatabaseCorrupt => "the file is damaged".to_string(),
            rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                "another program holds it locked".to_string()
            }
            rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied => {
                "it is not writable".to_string()
            }
            rusqlite::ErrorCode::DiskFull => "the disk is full".to_string(),
            _ => e.to_string(),
        },
        _ => e.to_string(),
    };
    format!(
        "store {}: {what}: {reason}; it was left as it is (move it away, or point --store elsewhere)",
        path.display()
    )
}

impl Disk {
    /// Opens the store at `path`, creating it (and its directory, private to the user) when
    /// there is none.
    pub fn open(path: &Path) -> Result<Disk, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| {
                format!("store {}: cannot create its directory: {e}", path.display())
            })?;
        }
        let fresh = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
        let writer = connect(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(|e| failed(path, "cannot open", e))?;
        restrict(path);
        let check = |e| failed(path, "cannot read", e);
        let id: i32 = writer
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(check)?;
        let version: i32 = writer
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(check)?;
        let tables: i64 = writer
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(check)?;
        if id != APPLICATION_ID && !(id == 0 && tables == 0) {
            return Err(format!(
                "store {}: this file belongs to another program (application id {id:#x}); it was left as it is — point --store elsewhere",
                path.display()
            ));
        }
        if version > SCHEMA {
            return Err(format!(
                "store {}: written by a newer picket (schema {version}, this one reads up to {SCHEMA}); it was left as it is — upgrade picket, or use --store elsewhere",
                path.display()
            ));
        }
        let write = |e| failed(path, "cannot write", e);
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA journal_size_limit = 67108864;",
            )
            .map_err(write)?;
        if tables == 0 || fresh {
            writer
                .execute_batch(&format!(
                    "BEGIN; {CREATE} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA}; COMMIT;"
                ))
                .map_err(write)?;
        } else {
            migrate(&writer, path, version)?;
        }
        let reader = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| failed(path, "cannot open for reading", e))?;
        Ok(Disk {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            dictionaries: Mutex::default(),
        })
    }

    /// Fills `store` with every stored finding (raw records stay on disk).
    pub fn load(&self, store: &mut FindingStore) -> Result<Loaded, String> {
        self.load_within(store, None)
    }

    /// Fills `store` with the stored findings inside `scope` (all without one); the others
    /// stay on disk, untouched, for when the scope includes them again.
    pub fn load_within(
        &self,
        store: &mut FindingStore,
        scope: Option<&super::scope::Scope>,
    ) -> Result<Loaded, String> {
        let read = |e| failed(&self.path, "cannot read", e);
        let (written_at, count) = {
            let conn = lock(&self.reader);
            // The count reads the smallest index, not the rows.
            let count: i64 = conn
                .query_row("SELECT count(*) FROM findings", [], |r| r.get(0))
                .map_err(read)?;
            (meta_time(&conn, "written_at"), count)
        };
        let count = usize::try_from(count).unwrap_or(0);
        // Room for every row at once, and for the text a typical finding keeps; the arenas are
        // trimmed to fit at the end.
        store.reserve(count, count.saturating_mul(TEXT_PER_FINDING));
        let mut loaded = Loaded {
            written_at,
            ..Loaded::default()
        };
        let conn = lock(&self.reader);
        let readers = numbered_in(&conn, READERS, &mut store.readers).map_err(read)?;
        let principals = numbered_in(&conn, PRINCIPALS, &mut store.principals).map_err(read)?;
        let mut statement = conn
            .prepare(&format!("SELECT {COLUMNS} FROM findings"))
            .map_err(read)?;
        let mut rows = statement.query([]).map_err(read)?;
        let mut skipped = 0;
        while let Some(row) = rows.next().map_err(read)? {
            match read_row(row) {
                Some((row, ..)) if scope.is_some_and(|s| !s.admits(&row)) => {
                    loaded.outside += 1;
                }
                Some((row, kind, mut kept)) => {
                    kept.reader = kept
                        .reader
                        .and_then(|n| readers.get(&i64::from(n)))
                        .copied();
                    kept.principal = kept
                        .principal
                        .and_then(|n| principals.get(&i64::from(n)))
                        .copied();
                    store.restore(row, kind, kept);
                    loaded.findings += 1;
                }
                None => skipped += 1,
            }
        }
        loaded.skipped = skipped;
        store.shrink();
        Ok(loaded)
    }

    /// Writes findings and source marks in one transaction: both are on disk, or neither.
    pub fn write(
        &self,
        findings: &[Written],
        marks: &[Mark],
        now: Timestamp,
    ) -> Result<(), String> {
        let mut conn = lock(&self.writer);
        let write = |e| failed(&self.path, "cannot write", e);
        let tx = conn.transaction().map_err(write)?;
        {
            let mut upsert = tx
                .prepare_cached(&format!(
                    "INSERT INTO findings ({COLUMNS}) VALUES \
                     (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
                      ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32) \
                     ON CONFLICT (scope, id) DO UPDATE SET \
                     kind = excluded.kind, revised = excluded.revised, arrived = excluded.arrived, \
                     seen_at = CASE WHEN findings.unseen = 1 AND excluded.unseen = 0 \
                         THEN ?7 ELSE findings.seen_at END, \
                     unseen = excluded.unseen, title = excluded.title, types = excluded.types, \
                     resources = excluded.resources, account = excluded.account, \
                     account_name = excluded.account_name, region = excluded.region, \
                     product = excluded.product, control = excluded.control, \
                     requirements = excluded.requirements, compliance = excluded.compliance, \
                     count = excluded.count, severity = excluded.severity, label = excluded.label, \
                     workflow = excluded.workflow, verification = excluded.verification, \
                     sources = excluded.sources, archived = excluded.archived, \
                     sample = excluded.sample, first_seen = excluded.first_seen, \
                     last_seen = excluded.last_seen, source = excluded.source, \
                     seen = excluded.seen, principal = excluded.principal, \
                     expires = excluded.expires, about = excluded.about \
                     RETURNING n"
                ))
                .map_err(write)?;
            let mut record = tx
                .prepare_cached(
                    "INSERT INTO records (n, raw, raw_len, dictionary) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (n) DO UPDATE SET raw = excluded.raw, raw_len = excluded.raw_len, \
                     dictionary = excluded.dictionary",
                )
                .map_err(write)?;
            let mut dictionary = tx
                .prepare_cached(
                    "INSERT INTO dictionaries (id, kind, bytes) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .map_err(write)?;
            let mut dictionaries_written = std::collections::HashSet::new();
            let mut numbers = std::collections::HashMap::new();
            let mut principals = std::collections::HashMap::new();
            for w in findings {
                let row = &w.row;
                let n: i64 = upsert
                    .query_row(
                        params![
                            &*row.scope,
                            row.id.as_str(),
                            w.kind.as_str(),
                            row.revised.as_millisecond(),
                            w.arrived.as_millisecond(),
                            w.unseen,
                            now.as_millisecond(),
                            row.title.as_str(),
                            join(&row.types),
                            resources(&row.resources),
                            row.account.as_str(),
                            row.account_name.as_deref(),
                            row.region.as_str(),
                            row.product.as_str(),
                            row.control.as_deref(),
                            join(&row.requirements),
                            row.compliance.map(ComplianceStatus::as_str),
                            row.count,
                            row.severity,
                            row.label.as_str(),
                            row.workflow.as_str(),
                            row.verification.as_str(),
                            row.sources.bits(),
                            row.archived,
                            row.sample,
                            row.first_seen.as_millisecond(),
                            row.last_seen.as_millisecond(),
                            match &w.reader {
                                Some(name) => {
                                    Some(
                                        number_in(&tx, READERS, &mut numbers, name)
                                            .map_err(write)?,
                                    )
                                }
                                None => None,
                            },
                            w.look.map(Look::pack),
                            match &row.principal {
                                Some(name) => Some(
                                    number_in(&tx, PRINCIPALS, &mut principals, name)
                                        .map_err(write)?,
                                ),
                                None => None,
                            },
                            row.expires.map(Timestamp::as_millisecond),
                            super::resource_key(super::Resources::Owned(&row.resources)) as i64,
                        ],
                        |r| r.get(0),
                    )
                    .map_err(write)?;
                // Records kept in memory are packed already; only a plain one is packed here.
                let packed;
                let parts = match &w.raw {
                    Some(raw) => match raw.packed_parts() {
                        Some(parts) => Some(parts),
                        None => {
                            packed = raw.clone().packed();
                            packed.packed_parts()
                        }
                    },
                    None => None,
                };
                if let Some(parts) = parts {
                    let learned = parts.dictionary.map(|d| d.id());
                    if let Some(d) = parts.dictionary
                        && dictionaries_written.insert(d.id())
                    {
                        dictionary
                            .execute(params![d.id(), d.kind().as_str(), d.bytes()])
                            .map_err(write)?;
                    }
                    record
                        .execute(params![n, parts.bytes, parts.len, learned])
                        .map_err(write)?;
                }
            }
            let mut mark = tx
                .prepare_cached(
                    "INSERT INTO marks (source, mark, at) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (source) DO UPDATE SET mark = excluded.mark, at = excluded.at",
                )
                .map_err(write)?;
            for m in marks {
                mark.execute(params![m.source, m.encode(), now.as_millisecond()])
                    .map_err(write)?;
            }
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('written_at', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [now.as_millisecond().to_string()],
            )
            .map_err(write)?;
        }
        tx.commit().map_err(write)
    }

    /// Every source's mark, for sources to read on from where they stopped.
    pub fn marks(&self) -> Vec<Mark> {
        marks_in(&lock(&self.reader))
    }

    pub fn info(&self) -> Result<Info, String> {
        let conn = lock(&self.reader);
        let read = |e| failed(&self.path, "cannot read", e);
        let count = |sql: &str| -> Result<u64, String> {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(read)
        };
        let mut by_kind = Vec::new();
        {
            let mut statement = conn
                .prepare("SELECT kind, count(*) FROM findings GROUP BY kind ORDER BY kind")
                .map_err(read)?;
            let rows = statement
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(read)?;
            for row in rows {
                let (kind, n) = row.map_err(read)?;
                by_kind.push((
                    SafeText::line(&kind).to_string(),
                    u64::try_from(n).unwrap_or(0),
                ));
            }
        }
        let bytes = ["", "-wal"]
            .iter()
            .filter_map(|suffix| {
                let mut name = self.path.clone().into_os_string();
                name.push(suffix);
                std::fs::metadata(name).ok()
            })
            .map(|m| m.len())
            .sum();
        Ok(Info {
            path: self.path.clone(),
            bytes,
            schema: conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(read)?,
            findings: count("SELECT count(*) FROM findings")?,
            by_kind,
            unseen: count("SELECT count(*) FROM findings WHERE unseen = 1")?,
            raw_bytes: count("SELECT coalesce(sum(length(raw)), 0) FROM records")?,
            written_at: meta_time(&conn, "written_at"),
            marks: marks_in(&conn),
        })
    }

    /// Folds the write-ahead log into the file and empties it.
    pub fn checkpoint(&self) -> Result<(), String> {
        lock(&self.writer)
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(|e| failed(&self.path, "cannot checkpoint", e))
    }

    /// Rewrites the file without the space deleted and replaced rows left.
    pub fn vacuum(&self) -> Result<(), String> {
        let conn = lock(&self.writer);
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); VACUUM;")
            .map_err(|e| failed(&self.path, "cannot vacuum", e))
    }

    /// Learned dictionary `id`, read once through `conn` (the reader's) and kept prepared.
    fn dictionary(&self, conn: &Connection, id: i64, kind: RecordKind) -> Option<Arc<Dictionary>> {
        let id = u32::try_from(id).ok()?;
        if let Some(known) = lock(&self.dictionaries).get(&id) {
            return Some(Arc::clone(known));
        }
        let bytes: Vec<u8> = conn
            .query_row("SELECT bytes FROM dictionaries WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .ok()?;
        let dictionary = Dictionary::from_bytes(kind, &bytes).filter(|d| d.id() == id)?;
        lock(&self.dictionaries).insert(id, Arc::clone(&dictionary));
        Some(dictionary)
    }

    /// The latest learned dictionary of each kind, for the next records to be packed with.
    pub fn latest_dictionaries(&self) -> Vec<Arc<Dictionary>> {
        let conn = lock(&self.reader);
        let Ok(mut statement) = conn.prepare(
            "SELECT kind, bytes FROM dictionaries d WHERE n = \
             (SELECT max(n) FROM dictionaries WHERE kind = d.kind)",
        ) else {
            return Vec::new();
        };
        let Ok(rows) = statement.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        }) else {
            return Vec::new();
        };
        let found: Vec<Arc<Dictionary>> = rows
            .filter_map(Result::ok)
            .filter_map(|(kind, bytes)| Dictionary::from_bytes(RecordKind::parse(&kind)?, &bytes))
            .collect();
        let mut known = lock(&self.dictionaries);
        for dictionary in &found {
            known.insert(dictionary.id(), Arc::clone(dictionary));
        }
        found
    }

    /// Empties the store (every finding, mark and memory), keeping the file picket's.
    pub fn clear(&self) -> Result<(), String> {
        let conn = lock(&self.writer);
        conn.execute_batch(
            "BEGIN; DELETE FROM records; DELETE FROM findings; DELETE FROM readers; DELETE FROM marks; \
             DELETE FROM meta; DELETE FROM dictionaries; COMMIT; \
             PRAGMA wal_checkpoint(TRUNCATE); VACUUM;",
        )
        .map_err(|e| failed(&self.path, "cannot reset", e))
    }
}

impl super::RawRecords for Disk {
    fn raw(&self, scope: &str, id: &str) -> Option<RawRecord> {
        let conn = lock(&self.reader);
        let mut statement = conn
            .prepare_cached(
                "SELECT f.kind, r.raw, r.raw_len, r.dictionary FROM findings f \
                 JOIN records r ON r.n = f.n WHERE f.scope = ?1 AND f.id = ?2",
            )
            .ok()?;
        let (kind, bytes, len, learned) = statement
            .query_row(params![scope, id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<Vec<u8>>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })
            .optional()
            .ok()??;
        let len = u32::try_from(len?)
            .ok()
            .filter(|&n| n <= crate::limits::STORED_RECORD_BYTES)?;
        let kind = RecordKind::parse(&kind)?;
        // A record whose dictionary is missing or damaged does not unpack: no record, not garbage.
        let dictionary = match learned {
            Some(id) => Some(self.dictionary(&conn, id, kind)?),
            None => None,
        };
        Some(RawRecord::from_packed(
            kind,
            bytes?.into_boxed_slice(),
            len,
            dictionary,
        ))
    }
}

/// Takes a file of schema `version` to [`SCHEMA`], a step per version, each step one
/// transaction: a crash between steps leaves a file of the schema of the last step done.
fn migrate(conn: &Connection, path: &Path, version: i32) -> Result<(), String> {
    for from in version.max(1)..SCHEMA {
        let step = usize::try_from(from - 1)
            .ok()
            .and_then(|i| MIGRATIONS.get(i))
            .ok_or_else(|| format!("store {}: no way from schema {from}", path.display()))?;
        conn.execute_batch(&format!(
            "BEGIN; {step} PRAGMA user_version = {}; COMMIT;",
            from + 1
        ))
        .map_err(|e| failed(path, &format!("cannot migrate from schema {from}"), e))?;
    }
    Ok(())
}

/// The tables that number names a million rows share.
const READERS: &str = "readers";
const PRINCIPALS: &str = "principals";

/// The numbers of `table`'s names, each interned in `interner`.
fn numbered_in(
    conn: &Connection,
    table: &str,
    interner: &mut super::Interner,
) -> rusqlite::Result<std::collections::HashMap<i64, u32>> {
    let mut statement = conn.prepare(&format!("SELECT n, name FROM {table}"))?;
    let mut rows = statement.query([])?;
    let mut numbers = std::collections::HashMap::new();
    while let Some(row) = rows.next()? {
        if let (Ok(n), Ok(name)) = (
            row.get::<_, i64>(0),
            row.get_ref(1).and_then(|v| Ok(v.as_str()?)),
        ) {
            numbers.insert(n, interner.intern(&clean(name)));
        }
    }
    Ok(numbers)
}

/// The number of `name` in `table`, added when new; remembered for the transaction.
fn number_in(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    numbers: &mut std::collections::HashMap<String, i64>,
    name: &str,
) -> rusqlite::Result<i64> {
    if let Some(&n) = numbers.get(name) {
        return Ok(n);
    }
    tx.execute(
        &format!("INSERT INTO {table} (name) VALUES (?1) ON CONFLICT (name) DO NOTHING"),
        [name],
    )?;
    let n = tx.query_row(
        &format!("SELECT n FROM {table} WHERE name = ?1"),
        [name],
        |r| r.get(0),
    )?;
    numbers.insert(name.to_string(), n);
    Ok(n)
}

fn marks_in(conn: &Connection) -> Vec<Mark> {
    let Ok(mut statement) = conn.prepare("SELECT source, mark FROM marks ORDER BY source") else {
        return Vec::new();
    };
    statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map(|rows| {
            rows.filter_map(Result::ok)
                .filter_map(|(source, mark)| Mark::decode(source, &mark))
                .collect()
        })
        .unwrap_or_default()
}

fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    // Another picket on the same profile may be writing: wait for it rather than fail.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn lock<T>(held: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn meta_time(conn: &Connection, key: &str) -> Option<Timestamp> {
    let value: String = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .ok()?;
    Timestamp::from_millisecond(value.parse().ok()?).ok()
}

fn join(values: &[SafeText]) -> String {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(UNIT);
        }
        out.push_str(v);
    }
    out
}

fn resources(resources: &[RowResource]) -> String {
    let mut out = String::new();
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push(RECORD);
        }
        out.push_str(&r.kind);
        out.push(UNIT);
        out.push_str(&r.id);
        if let Some(arn) = &r.arn {
            out.push(UNIT);
            out.push_str(arn);
        }
    }
    out
}

/// A stored row, every value checked as it is read: the file is outside picket's control.
fn read_row<'a>(r: &'a rusqlite::Row<'a>) -> Option<Restored<'a>> {
    let text = |i: usize| r.get_ref(i).ok()?.as_str().ok();
    let optional = |i: usize| r.get_ref(i).ok()?.as_str_or_null().ok().flatten();
    let int = |i: usize| r.get_ref(i).ok()?.as_i64().ok();
    let time = |i: usize| Timestamp::from_millisecond(int(i)?).ok();
    let kind = RecordKind::parse(text(2)?)?;
    let row = RowRef {
        // The scope is an identity, compared as written: kept as it is.
        scope: Cow::Borrowed(text(0)?),
        id: clean(text(1)?),
        revised: time(3)?,
        title: clean(text(7)?),
        types: Texts::Joined(text(8)?),
        resources: Resources::Joined(text(9)?),
        account: clean(text(10)?),
        account_name: optional(11).map(clean),
        region: clean(text(12)?),
        product: clean(text(13)?),
        control: optional(14).map(clean),
        requirements: Texts::Joined(text(15)?),
        compliance: match optional(16) {
            Some(status) => Some(ComplianceStatus::parse(status)?),
            None => None,
        },
        count: u32::try_from(int(17)?).ok()?,
        severity: u8::try_from(int(18)?).ok().filter(|&s| s <= 100)?,
        label: SeverityLabel::parse(text(19)?)?,
        workflow: Workflow::parse(text(20)?)?,
        verification: Verification::parse(text(21)?)?,
        sources: Sources::from_bits(u8::try_from(int(22)?).ok()?),
        archived: int(23)? != 0,
        sample: int(24)? != 0,
        first_seen: time(25)?,
        last_seen: time(26)?,
        // Numbered (`principals`): the number is in `Kept`, named by the caller.
        principal: None,
        expires: time(30),
    };
    // A number that does not fit is no number: the name is unknown.
    let number = |i: usize| int(i).and_then(|n| u32::try_from(n).ok());
    let kept = super::Kept {
        arrived: time(4)?,
        unseen: int(5)? != 0,
        reader: number(27),
        // A look that does not unpack is no look: the finding counts as new.
        look: int(28).and_then(Look::unpack),
        principal: number(29),
        about: int(31).filter(|&a| a != 0).map(|a| a as u64),
    };
    Some((row, kind, kept))
}

/// The store's directory, readable by the user alone: it holds the organization's findings.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The file, readable by the user alone.
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The store's default place: `<state dir>/store/<name>.sqlite` (on Linux
/// `~/.local/state/picket/store/default.sqlite`).
pub fn default_path(name: &str) -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "picket")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir());
    Some(
        dir.join("store")
            .join(format!("{}.sqlite", file_name(name))),
    )
}

/// `name` as a file name: letters, digits, `-`, `_`, `.` kept, anything else as `_`.
fn file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.is_empty() || cleaned.starts_with('.') {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests;
