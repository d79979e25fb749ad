//! The head: a small file beside the journal naming its newest record (sequence number and the
//! SHA-256 of its line) under a MAC. The chain alone cannot show that its newest records were
//! removed, or that the last one was rewritten with its hash recomputed; the head can, and
//! without the key it cannot be made to agree with such a journal.
//!
//! It is written after the record it names, by replacing the file whole (a temporary file,
//! flushed, renamed over it), so a crash leaves the old head or the new one, never half of one:
//! the head is then at most one record behind the journal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::key::{Key, Purpose};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Head {
    /// Sequence number of the newest record.
    pub seq: u64,
    /// SHA-256 of its line, as written.
    pub line: String,
    /// HMAC-SHA256 of the two, with the journal's key.
    pub mac: String,
}

impl Head {
    fn signed_text(seq: u64, line: &str) -> String {
        format!("{seq}\n{line}")
    }

    pub fn sealed(seq: u64, line: String, key: &Key) -> Head {
        let mac = key.sign(Purpose::Head, Head::signed_text(seq, &line).as_bytes());
        Head { seq, line, mac }
    }

    pub fn authentic(&self, key: &Key) -> bool {
        key.verifies(
            Purpose::Head,
            Head::signed_text(self.seq, &self.line).as_bytes(),
            &self.mac,
        )
    }
}

/// The head of the journal at `journal`: `journal.head` for `journal.jsonl`.
pub fn path_for(journal: &Path) -> PathBuf {
    if journal.extension().is_some_and(|e| e == "head") {
        let mut name = journal.as_os_str().to_os_string();
        name.push(".head");
        PathBuf::from(name)
    } else {
        journal.with_extension("head")
    }
}

/// What was found where the head should be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Found {
    Absent,
    Present(Head),
    /// Something that is not a head: the reason, in words.
    Garbled(String),
}

pub(super) fn read(path: &Path) -> Result<Found, String> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    Ok(match serde_json::from_slice(&text) {
        Ok(head) => Found::Present(head),
        Err(e) => Found::Garbled(format!("not a journal head ({e})")),
    })
}

/// Replaces the head whole; on an error the old head is still in place. Called with the
/// journal's lock held, so the temporary name is the writer's own.
pub(super) fn write(path: &Path, head: &Head) -> Result<(), String> {
    let mut temporary = path.as_os_str().to_os_string();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let text = serde_json::to_string(head).map_err(|e| e.to_string())?;
    // A temporary file a crash left behind is stale: this writer holds the lock.
    match std::fs::remove_file(&temporary) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: cannot remove: {e}", temporary.display())),
    }
    super::write_private(&temporary, format!("{text}\n").as_bytes())?;
    if let Err(e) = std::fs::rename(&temporary, path) {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("{}: cannot replace: {e}", path.display()));
    }
    // Should the directory not reach the disk, a crash leaves the old head: one record behind,
    // which `--repair` sets right.
    super::sync_dir(super::parent_dir(path));
    Ok(())
}
