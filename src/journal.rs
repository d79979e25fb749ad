//! The audit journal: every response action is written down before it reaches AWS (the intent:
//! who, what, on which findings, why) and after (what happened to each target). One JSON record
//! per line in `journal.jsonl` under the platform state directory, readable by the user only.
//!
//! Each record carries the SHA-256 of the line before it (`prev`) and of itself (`hash`), and a
//! sequence number: an edited, deleted or reordered line breaks the chain at that line, and
//! `picket audit --verify` names it. This makes tampering evident, not impossible: whoever can
//! rewrite the whole file can rebuild the chain.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
}

impl Entry {
    pub fn action_id(&self) -> &str {
        match self {
            Entry::Intent { action_id, .. } | Entry::Outcome { action_id, .. } => action_id,
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
    /// SHA-256 of this record with `hash` empty.
    pub hash: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Record {
    fn seal(seq: u64, time: Timestamp, entry: Entry, prev: String) -> Result<Record, String> {
        let mut record = Record {
            seq,
            time,
            entry,
            prev,
            hash: String::new(),
        };
        record.hash = record.own_hash()?;
        Ok(record)
    }

    fn own_hash(&self) -> Result<String, String> {
        let unsealed = Record {
            hash: String::new(),
            ..self.clone()
        };
        let text = serde_json::to_string(&unsealed).map_err(|e| e.to_string())?;
        Ok(sha256_hex(text.as_bytes()))
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

pub struct Journal {
    path: PathBuf,
}

impl Journal {
    pub fn at(path: impl Into<PathBuf>) -> Journal {
        Journal { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record, chained to the last line. Fails rather than writing an unchained
    /// record; the caller must then not act.
    pub fn append(&self, entry: Entry, now: Timestamp) -> Result<Record, String> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        }
        let (seq, prev) = match self.last_line()? {
            Some((n, line)) => (n + 1, sha256_hex(line.as_bytes())),
            None => (1, GENESIS.to_string()),
        };
        let record = Record::seal(seq, now, entry, prev)?;
        let line = serde_json::to_string(&record).map_err(|e| e.to_string())?;
        let mut file = open_append(&self.path)?;
        file.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| format!("{}: cannot write: {e}", self.path.display()))?;
        Ok(record)
    }

    /// The number of lines and the last one, if any.
    fn last_line(&self) -> Result<Option<(u64, String)>, String> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: cannot read: {e}", self.path.display())),
        };
        let mut last = None;
        let mut count = 0;
        for line in BufReader::new(file).lines() {
            let line = line.map_err(|e| format!("{}: cannot read: {e}", self.path.display()))?;
            count += 1;
            last = Some(line);
        }
        Ok(last.map(|l| (count, l)))
    }

    /// Every record, in order; a line that cannot be read is an error naming it.
    pub fn read(&self) -> Result<Vec<Record>, String> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(format!("{}: cannot read: {e}", self.path.display())),
        };
        let mut records = Vec::new();
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| format!("{}: cannot read: {e}", self.path.display()))?;
            let record = serde_json::from_str(&line).map_err(|e| {
                format!(
                    "{}:{}: not a journal record: {e}",
                    self.path.display(),
                    n + 1
                )
            })?;
            records.push(record);
        }
        Ok(records)
    }

    /// Checks the chain; the error names the first line that breaks it.
    pub fn verify(&self) -> Result<usize, Broken> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => {
                return Err(Broken {
                    line: 0,
                    problem: format!("cannot read: {e}"),
                });
            }
        };
        let mut prev = GENESIS.to_string();
        let mut count = 0;
        for (n, line) in text.lines().enumerate() {
            let number = n + 1;
            let broken = |problem: String| Broken {
                line: number,
                problem,
            };
            let record: Record = serde_json::from_str(line)
                .map_err(|e| broken(format!("not a journal record: {e}")))?;
            if record.seq != number as u64 {
                return Err(broken(format!(
                    "sequence {} where {number} was expected: a line before it was deleted or moved",
                    record.seq
                )));
            }
            if record.prev != prev {
                return Err(broken(
                    "does not carry the hash of the line before it: that line was changed, deleted or moved"
                        .into(),
                ));
            }
            let own = record.own_hash().map_err(broken)?;
            if record.hash != own {
                return Err(broken(
                    "its content does not match its hash: it was edited".into(),
                ));
            }
            prev = sha256_hex(line.as_bytes());
            count += 1;
        }
        Ok(count)
    }

    /// Intents with no outcome: actions whose result is unknown (picket stopped between the
    /// two). Shown to the analyst, never retried by picket.
    pub fn unfinished(&self) -> Result<Vec<Record>, String> {
        let records = self.read()?;
        let done: std::collections::HashSet<&str> = records
            .iter()
            .filter(|r| matches!(r.entry, Entry::Outcome { .. }))
            .map(|r| r.entry.action_id())
            .collect();
        Ok(records
            .iter()
            .filter(|r| {
                matches!(r.entry, Entry::Intent { .. }) && !done.contains(r.entry.action_id())
            })
            .cloned()
            .collect())
    }
}

/// Where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// 1-based line number.
    pub line: usize,
    pub problem: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

/// Opens for appending, creating the file readable and writable by its owner only.
fn open_append(path: &Path) -> Result<File, String> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| format!("{}: cannot open: {e}", path.display()))
}

#[cfg(test)]
mod tests;
