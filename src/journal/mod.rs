//! The audit journal: every response action is written down before it reaches AWS (the intent:
//! who, what, on which findings, why) and after (what happened to each target). One JSON record
//! per line in `journal.jsonl` under the platform state directory, readable by the user only.
//!
//! Each record carries the SHA-256 of the line before it (`prev`) and of itself (`hash`), and a
//! sequence number: an edited, deleted or reordered line breaks the chain at that line. The chain
//! cannot show what happened at its end, so each record also carries a MAC made with a key kept
//! apart from the journal ([`default_key_path`]), and a head file beside the journal names the
//! newest record under the same key: removing the newest records, or rewriting the last
//! one with its hash recomputed, then shows too. `picket audit --verify` checks all of it.
//! Whoever holds the key and the journal can still rewrite history.
//!
//! An append holds an exclusive lock on the journal file from reading its end to writing the
//! head, so two picket processes, or two actions in one, never fork the chain; and it refuses to
//! write onto an end it does not recognize: a torn last line or a head one record behind (what a
//! crash leaves, which `picket audit --repair` sets right), or an end that disagrees
//! with the head (which is evidence, and stays as it is).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod anchor;
mod head;
mod key;
mod repair;
mod tail;
mod verify;

use head::Head;
use key::{Key, Purpose};
pub use repair::{Quarantined, Repaired};
pub use verify::{Broken, Cause, Verified};

/// `prev` of the first record.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who acted: the local user and the AWS principal picket ran as.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub user: String,
    pub principal: Option<String>,
}

impl Operator {
    /// The local user, from the environment.
    pub fn local(principal: Option<String>) -> Operator {
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "unknown".into());
        Operator { user, principal }
    }
}

/// One finding an action touches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub finding: String,
    pub account: String,
    pub region: String,
}

/// What happened to one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetOutcome {
    pub finding: String,
    pub ok: bool,
    /// AWS's words when it refused.
    pub error: Option<String>,
    pub request_id: Option<String>,
    /// What came of it beyond done or not (a runbook's execution id and final status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// Written before anything is sent.
    Intent {
        action_id: String,
        operator: Operator,
        /// The action, as the analyst confirmed it (name and parameters).
        action: serde_json::Value,
        targets: Vec<Target>,
        reason: String,
    },
    /// Written when AWS has answered.
    Outcome {
        action_id: String,
        results: Vec<TargetOutcome>,
    },
    /// `picket audit --repair` set right what a crash left at the end of the journal.
    Repair {
        /// What was found, in words.
        found: String,
        /// Who ran the repair.
        operator: Operator,
        /// Bytes of a torn last line moved out of the journal (0 when none were).
        quarantined_bytes: u64,
        /// SHA-256 of those bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256_of_fragment: Option<String>,
        /// The file beside the journal that holds them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        side_file: Option<String>,
    },
}

impl Entry {
    /// The action the record belongs to (a repair belongs to none).
    pub fn action_id(&self) -> Option<&str> {
        match self {
            Entry::Intent { action_id, .. } | Entry::Outcome { action_id, .. } => Some(action_id),
            Entry::Repair { .. } => None,
        }
    }
}

/// A line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub time: Timestamp,
    #[serde(flatten)]
    pub entry: Entry,
    /// SHA-256 of the previous line, as written.
    pub prev: String,
    /// SHA-256 of this record with `hash` empty and no `mac`.
    pub hash: String,
    /// HMAC-SHA256 of the same bytes, with the journal's key; absent from records written before
    /// picket kept one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Record {
    fn seal(
        seq: u64,
        time: Timestamp,
        entry: Entry,
        prev: String,
        key: &Key,
    ) -> Result<Record, String> {
        let mut record = Record {
            seq,
            time,
            entry,
            prev,
            hash: String::new(),
            mac: None,
        };
        let unsealed = record.unsealed_text()?;
        record.hash = sha256_hex(unsealed.as_bytes());
        record.mac = Some(key.sign(Purpose::Record, unsealed.as_bytes()));
        Ok(record)
    }

    /// What the hash and the MAC are over.
    fn unsealed_text(&self) -> Result<String, String> {
        let unsealed = Record {
            hash: String::new(),
            mac: None,
            ..self.clone()
        };
        serde_json::to_string(&unsealed).map_err(|e| e.to_string())
    }

    fn own_hash(&self) -> Result<String, String> {
        self.unsealed_text().map(|text| sha256_hex(text.as_bytes()))
    }

    /// Whether the record carries a MAC, made with `key`, of its content.
    fn signed_by(&self, key: &Key) -> bool {
        match (&self.mac, self.unsealed_text()) {
            (Some(mac), Ok(text)) => key.verifies(Purpose::Record, text.as_bytes(), mac),
            _ => false,
        }
    }
}

/// The journal's default place: `<state dir>/journal.jsonl` (on Linux
/// `~/.local/state/picket/journal.jsonl`).
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "picket")?;
    let dir = dirs
        .state_dir()
        .unwrap_or_else(|| dirs.data_local_dir())
        .to_path_buf();
    Some(dir.join("journal.jsonl"))
}

/// The demo organization's journal beside `real`: `journal-demo.jsonl` beside `journal.jsonl`.
/// What is done to the demo never enters the real audit trail.
pub fn demo_path(real: &Path) -> PathBuf {
    let stem = real.file_stem().unwrap_or(real.as_os_str());
    let mut name = stem.to_os_string();
    name.push("-demo");
    if let Some(extension) = real.extension() {
        name.push(".");
        name.push(extension);
    }
    real.with_file_name(name)
}

/// The MAC key's default place: `journal.key` in the platform's preferences directory
/// (`~/.config/picket/` on Linux, `~/Library/Preferences/picket/` on macOS), never the
/// directory that holds the journal.
pub fn default_key_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "picket")?;
    Some(dirs.preference_dir().join("journal.key"))
}

pub use head::path_for as head_path;

/// The journal picket writes and `picket audit` reads: the one at `real`, or the demo journal
/// beside it; its key at `key` when given, else at the default place.
pub fn locate(real: PathBuf, key: Option<PathBuf>, demo: bool) -> Journal {
    Journal {
        path: if demo { demo_path(&real) } else { real },
        key: key.or_else(default_key_path),
    }
}

pub struct Journal {
    path: PathBuf,
    /// `None` when the platform has no place for it: appending then fails, reading works.
    key: Option<PathBuf>,
}

/// What the journal holds: its complete records, and a torn last line if there is one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Contents {
    pub records: Vec<Record>,
    pub torn: Option<Torn>,
}

/// A last line cut short: bytes after the last newline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Torn {
    /// 1-based line number.
    pub line: usize,
    pub bytes: u64,
}

impl Journal {
    /// The journal at `path`, its key at `key`.
    pub fn with_key(path: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Journal {
        Journal {
            path: path.into(),
            key: Some(key.into()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn head_path(&self) -> PathBuf {
        head::path_for(&self.path)
    }

    pub fn key_path(&self) -> Option<&Path> {
        self.key.as_deref()
    }

    /// Appends one record, chained to the last line and signed, then moves the head to it.
    /// Fails rather than writing an unchained record, or a record onto an end it does not
    /// recognize; the caller must then not act.
    pub fn append(&self, entry: Entry, now: Timestamp) -> Result<Record, String> {
        let mut file = self.lock_for_writing()?;
        let tail = tail::read(&mut file).map_err(|e| self.cannot_read(e))?;
        let found = head::read(&self.head_path())?;
        let key = self.load_key()?;
        let assessment = anchor::assess(&tail, &found, key.as_ref());
        if let Some(refusal) = self.refusal(&assessment) {
            return Err(refusal);
        }
        let key = match key {
            Some(key) => key,
            None => Key::load_or_create(self.required_key_path()?)?,
        };
        self.write_record(&mut file, assessment.last.as_ref(), entry, now, &key)
    }

    /// Whether an append would be accepted now; why not, otherwise (said at start-up, before
    /// the analyst tries to act).
    pub fn ready(&self) -> Result<(), String> {
        // Held until the head is read, so the two are from the same moment.
        let mut file = self.lock_for_reading()?;
        let tail = match file.as_mut() {
            Some(file) => tail::read(file).map_err(|e| self.cannot_read(e))?,
            None => tail::Tail::default(),
        };
        let found = head::read(&self.head_path())?;
        let key = self.load_key()?;
        match self.refusal(&anchor::assess(&tail, &found, key.as_ref())) {
            Some(refusal) => Err(refusal),
            None => Ok(()),
        }
    }

    /// Writes `entry` after `last` with the lock held, then the head. A record whose head
    /// cannot be written is taken back, so the two still agree.
    fn write_record(
        &self,
        file: &mut File,
        last: Option<&anchor::Last>,
        entry: Entry,
        now: Timestamp,
        key: &Key,
    ) -> Result<Record, String> {
        let (seq, prev) = match last {
            Some(last) => (last.seq + 1, last.line_hash.clone()),
            None => (1, GENESIS.to_string()),
        };
        let record = Record::seal(seq, now, entry, prev, key)?;
        let line = serde_json::to_string(&record).map_err(|e| e.to_string())?;
        let end = file
            .seek(SeekFrom::End(0))
            .map_err(|e| self.cannot_write(e))?;
        if let Err(e) = file
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| file.sync_data())
        {
            // Leave no partial line behind: nothing was recorded.
            let _ = file.set_len(end).and_then(|()| file.sync_data());
            return Err(self.cannot_write(e));
        }
        if end == 0 {
            // A new journal: its name must reach the disk before a head can name its record.
            sync_dir(parent_dir(&self.path));
        }
        let anchor = Head::sealed(seq, sha256_hex(line.as_bytes()), key);
        if let Err(e) = head::write(&self.head_path(), &anchor) {
            return Err(match file.set_len(end).and_then(|()| file.sync_data()) {
                Ok(()) => {
                    format!("{e}: the journal's head could not be moved, so nothing was recorded")
                }
                Err(_) => format!(
                    "{e}: record {seq} is written but the journal's head could not be moved to it; {}",
                    self.repair_hint()
                ),
            });
        }
        Ok(record)
    }

    /// What refuses an append, in words naming the file and what to do.
    fn refusal(&self, assessment: &anchor::Assessment) -> Option<String> {
        let path = self.path.display();
        if let Some(altered) = &assessment.altered {
            return Some(format!(
                "{path}: {altered}. This is not what a crash leaves: check the journal with `picket audit --verify --journal {path}` and keep it as evidence; move it and {} aside to start a new journal",
                self.head_path().display()
            ));
        }
        if assessment.key_missing {
            return Some(format!(
                "{path}: the journal is signed, but its key {} is missing: restore the key file, or move the journal and {} aside to start a new journal",
                self.key_path()
                    .map_or("(no key directory on this platform)".into(), |p| p
                        .display()
                        .to_string()),
                self.head_path().display()
            ));
        }
        if let Some(fragment) = &assessment.torn {
            return Some(format!(
                "{path}: its last line is torn ({} bytes after the last newline: a write cut short, probably by a crash); nothing is added to the journal until {}",
                fragment.len,
                self.repair_hint()
            ));
        }
        if let Some(seq) = assessment.head_behind {
            return Some(format!(
                "{path}: its head is one record behind (record {seq} has none yet: probably a crash between the two writes); nothing is added to the journal until {}",
                self.repair_hint()
            ));
        }
        None
    }

    fn repair_hint(&self) -> String {
        format!(
            "`picket audit --repair --journal {}` sets it right",
            self.path.display()
        )
    }

    fn required_key_path(&self) -> Result<&Path, String> {
        self.key_path().ok_or_else(|| {
            "no directory for the journal's key on this platform: set PICKET_JOURNAL_KEY".into()
        })
    }

    fn load_key(&self) -> Result<Option<Key>, String> {
        match self.key_path() {
            Some(path) => Key::load(path),
            None => Ok(None),
        }
    }

    /// The journal file, created readable and writable by its owner only, locked exclusively.
    fn lock_for_writing(&self) -> Result<File, String> {
        let dir = parent_dir(&self.path);
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&self.path)
            .map_err(|e| format!("{}: cannot open: {e}", self.path.display()))?;
        file.lock()
            .map_err(|e| format!("{}: cannot lock: {e}", self.path.display()))?;
        Ok(file)
    }

    /// The journal file under a shared lock (no writer in the middle of a record), or `None`
    /// when there is none. Where the file system has no locks, it is read as it is.
    fn lock_for_reading(&self) -> Result<Option<File>, String> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.cannot_read(e)),
        };
        match file.lock_shared() {
            Ok(()) => Ok(Some(file)),
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => Ok(Some(file)),
            Err(e) => Err(format!("{}: cannot lock: {e}", self.path.display())),
        }
    }

    /// The whole file, read under a shared lock (empty when there is none).
    fn read_bytes(&self) -> Result<Vec<u8>, String> {
        let Some(mut file) = self.lock_for_reading()? else {
            return Ok(Vec::new());
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| self.cannot_read(e))?;
        Ok(bytes)
    }

    fn cannot_read(&self, e: std::io::Error) -> String {
        format!("{}: cannot read: {e}", self.path.display())
    }

    fn cannot_write(&self, e: std::io::Error) -> String {
        format!("{}: cannot write: {e}", self.path.display())
    }

    /// Every complete record, in order, and a torn last line if there is one; a complete line
    /// that cannot be read is an error naming it.
    pub fn contents(&self) -> Result<Contents, String> {
        let bytes = self.read_bytes()?;
        let (lines, torn) = split_lines(&bytes);
        let mut records = Vec::with_capacity(lines.len());
        for (n, line) in lines.iter().enumerate() {
            let record = serde_json::from_slice(line).map_err(|e| {
                format!(
                    "{}:{}: not a journal record: {e}",
                    self.path.display(),
                    n + 1
                )
            })?;
            records.push(record);
        }
        Ok(Contents { records, torn })
    }

    /// Every record, in order; a line that cannot be read, or a torn last line, is an error
    /// naming it.
    pub fn read(&self) -> Result<Vec<Record>, String> {
        let contents = self.contents()?;
        match contents.torn {
            Some(torn) => Err(self.torn_message(torn)),
            None => Ok(contents.records),
        }
    }

    /// The words for a torn last line.
    pub fn torn_message(&self, torn: Torn) -> String {
        format!(
            "{}:{}: the last line is torn ({} bytes with no newline: a write cut short, probably by a crash); {}",
            self.path.display(),
            torn.line,
            torn.bytes,
            self.repair_hint()
        )
    }

    /// Intents with no outcome: actions whose result is unknown (picket stopped between the
    /// two). Shown to the analyst, never retried by picket. A torn last line is left out (an
    /// append says so).
    pub fn unfinished(&self) -> Result<Vec<Record>, String> {
        let records = self.contents()?.records;
        let done: std::collections::HashSet<&str> = records
            .iter()
            .filter(|r| matches!(r.entry, Entry::Outcome { .. }))
            .filter_map(|r| r.entry.action_id())
            .collect();
        Ok(records
            .iter()
            .filter(|r| {
                matches!(r.entry, Entry::Intent { .. })
                    && r.entry.action_id().is_some_and(|id| !done.contains(id))
            })
            .cloned()
            .collect())
    }
}

/// The complete lines (without their newlines), and what follows the last newline as a torn
/// line.
fn split_lines(bytes: &[u8]) -> (Vec<&[u8]>, Option<Torn>) {
    let complete = memchr::memrchr(b'\n', bytes).map_or(0, |n| n + 1);
    let lines: Vec<&[u8]> = match complete {
        0 => Vec::new(),
        _ => bytes[..complete - 1].split(|&b| b == b'\n').collect(),
    };
    let torn = (complete < bytes.len()).then(|| Torn {
        line: lines.len() + 1,
        bytes: (bytes.len() - complete) as u64,
    });
    (lines, torn)
}

/// The directory `path` is in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Creates `path`, which must not exist, readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Creates `path` (it must not exist) readable and writable by its owner only, with `bytes`,
/// flushed to the disk.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut file =
        create_private(path).map_err(|e| format!("{}: cannot create: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

/// Flushes a directory's entries (a file created or renamed in it) to the disk; whether it could.
fn sync_dir(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        File::open(dir).and_then(|d| d.sync_all()).is_ok()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        true
    }
}

#[cfg(test)]
mod tests;
