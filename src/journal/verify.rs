//! `picket audit --verify`: the chain line by line (sequence, link to the line before, own hash),
//! every record's MAC, and the head against the end of the journal.

use super::anchor;
use super::head::{self, Found};
use super::key::Key;
use super::tail::{Fragment, Tail};
use super::{Entry, GENESIS, Journal, Record, sha256_hex, split_lines};

/// An intact journal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    pub records: usize,
    /// Records 1 to this one carry no MAC: written before picket signed records. A signed record
    /// after them covers them through the chain; with none, only the chain protects them.
    pub unsigned: usize,
    /// The head names the newest record.
    pub anchored: bool,
    /// Sequence numbers of `--repair` records.
    pub repairs: Vec<u64>,
}

/// What most likely made the journal fail to verify, which decides what to do about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Changed, deleted, reordered or corrupted: not what picket leaves, even when it crashes.
    /// Evidence, to be kept as it is.
    Altered,
    /// What a crash leaves (a torn last line, a head one record behind): `--repair` sets it
    /// right.
    Crash,
    /// It cannot be checked: the key is missing, or a file cannot be read.
    Unverifiable,
}

/// Where, and why, the journal fails to verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// 1-based line number; 0 when it is not one line's (the head, the key).
    pub line: usize,
    pub problem: String,
    pub cause: Cause,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.problem),
            line => write!(f, "line {line}: {}", self.problem),
        }
    }
}

impl Journal {
    /// Checks the chain, each record's MAC and the head; the error names the first problem, a
    /// sign of tampering before one a crash explains.
    pub fn verify(&self) -> Result<Verified, Broken> {
        let unverifiable = |problem: String| Broken {
            line: 0,
            problem,
            cause: Cause::Unverifiable,
        };
        // The head is read under the journal's lock, so the two are from the same moment.
        let Some(mut file) = self.lock_for_reading().map_err(unverifiable)? else {
            return match head::read(&self.head_path()).map_err(unverifiable)? {
                Found::Absent => Ok(Verified::default()),
                _ => Err(Broken {
                    line: 0,
                    problem: format!(
                        "the journal is gone but its head {} is there: it was deleted",
                        self.head_path().display()
                    ),
                    cause: Cause::Altered,
                }),
            };
        };
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes)
            .map_err(|e| unverifiable(format!("cannot read: {e}")))?;
        let found = head::read(&self.head_path()).map_err(unverifiable)?;
        let (lines, torn) = split_lines(&bytes);
        let key = self.load_key();
        let usable_key = key.as_ref().ok().and_then(Option::as_ref);
        let walked = walk(&lines, usable_key)?;
        let no_key = || match &key {
            Err(e) => e.clone(),
            Ok(_) => format!(
                "the key {} is missing",
                self.key_path()
                    .map_or("(no key directory on this platform)".into(), |p| p
                        .display()
                        .to_string())
            ),
        };
        if let Some(line) = walked.unchecked_from {
            return Err(unverifiable(format!(
                "the chain is intact through record {}, but records from line {line} on are signed and {}: their MACs and the head are unchecked",
                lines.len(),
                no_key()
            )));
        }
        let tail = Tail {
            last: lines.last().map(|l| l.to_vec()),
            before_last: lines.len().checked_sub(2).map(|i| lines[i].to_vec()),
            fragment: torn.map(|t| Fragment {
                offset: (bytes.len() as u64) - t.bytes,
                len: t.bytes,
            }),
        };
        let assessment = anchor::assess(&tail, &found, usable_key);
        if let Some(altered) = assessment.altered {
            return Err(Broken {
                line: 0,
                problem: altered,
                cause: Cause::Altered,
            });
        }
        if assessment.key_missing {
            return Err(unverifiable(format!(
                "the chain is intact through record {}, but {}: the head is unchecked",
                lines.len(),
                no_key()
            )));
        }
        let mut crash = Vec::new();
        if let Some(seq) = assessment.head_behind {
            crash.push(format!(
                "the head is one record behind: record {seq} has none, probably a crash between writing it and its head"
            ));
        }
        if let Some(torn) = torn {
            crash.push(format!(
                "line {} is torn: {} bytes with no newline, a write cut short, probably by a crash",
                torn.line, torn.bytes
            ));
        }
        if !crash.is_empty() {
            return Err(Broken {
                line: 0,
                problem: format!("{}; {}", crash.join("; "), self.repair_hint()),
                cause: Cause::Crash,
            });
        }
        Ok(Verified {
            records: lines.len(),
            unsigned: walked.unsigned,
            anchored: !lines.is_empty() && matches!(found, Found::Present(_)),
            repairs: walked.repairs,
        })
    }
}

/// Every line in order: a record, in sequence, linked to the line before, matching its hash and
/// (with the key) its MAC; once records are signed, every later one is.
fn walk(lines: &[&[u8]], key: Option<&Key>) -> Result<Walked, Broken> {
    let mut walked = Walked::default();
    let mut first_signed = None;
    let mut prev = GENESIS.to_string();
    for (n, line) in lines.iter().enumerate() {
        let number = n + 1;
        let broken = |problem: String| Broken {
            line: number,
            problem,
            cause: Cause::Altered,
        };
        let record: Record = serde_json::from_slice(line)
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
        match (&record.mac, key) {
            (Some(_), Some(key)) => {
                if !record.signed_by(key) {
                    return Err(broken(
                            "its MAC does not match: it was rewritten with its hash recomputed, or the key is not the one the journal was written with"
                                .into(),
                        ));
                }
            }
            (Some(_), _) => {
                walked.unchecked_from.get_or_insert(number);
            }
            (None, _) if first_signed.is_some() => {
                return Err(broken(
                    "it carries no MAC though the records before it do: it was rewritten".into(),
                ));
            }
            (None, _) => {}
        }
        if record.mac.is_some() {
            first_signed.get_or_insert(number);
        }
        if matches!(record.entry, Entry::Repair { .. }) {
            walked.repairs.push(record.seq);
        }
        prev = sha256_hex(line);
    }
    walked.unsigned = first_signed.map_or(lines.len(), |first| first - 1);
    Ok(walked)
}

#[derive(Default)]
struct Walked {
    unsigned: usize,
    repairs: Vec<u64>,
    /// The first signed line whose MAC could not be checked (no key).
    unchecked_from: Option<usize>,
}
