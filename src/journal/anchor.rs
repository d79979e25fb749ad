//! Whether the end of the journal is as picket's last write left it: its last record intact and
//! signed, and the head naming it. Decides whether an append may go on, and what `--repair` may
//! set right.

use super::head::Found;
use super::key::Key;
use super::tail::{Fragment, Tail};
use super::{Record, sha256_hex};

/// The newest complete record, which the next one chains to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Last {
    pub seq: u64,
    /// SHA-256 of its line: the next record's `prev`.
    pub line_hash: String,
    /// It carries a MAC: the journal is anchored.
    pub signed: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Assessment {
    pub last: Option<Last>,
    /// A torn last line (what a crash leaves).
    pub torn: Option<Fragment>,
    /// The sequence number of the newest record when the head is one behind it (what a crash
    /// between the two writes leaves).
    pub head_behind: Option<u64>,
    /// The journal is anchored but the key is missing: nothing can be checked or signed.
    pub key_missing: bool,
    /// An end no crash leaves, in words: evidence, never written over.
    pub altered: Option<String>,
}

fn parse(line: &[u8]) -> Result<Record, String> {
    serde_json::from_slice(line).map_err(|e| e.to_string())
}

pub(super) fn assess(tail: &Tail, head: &Found, key: Option<&Key>) -> Assessment {
    let mut assessment = Assessment {
        torn: tail.fragment,
        ..Assessment::default()
    };
    let altered = |mut assessment: Assessment, why: String| {
        assessment.altered = Some(why);
        assessment
    };
    let last = match tail.last.as_deref().map(|line| (parse(line), line)) {
        None => None,
        Some((Err(e), _)) => {
            return altered(
                assessment,
                format!("its last complete line is not a journal record ({e})"),
            );
        }
        Some((Ok(record), line)) => Some((record, sha256_hex(line))),
    };
    if let Some((record, _)) = &last {
        if record.own_hash().ok().as_deref() != Some(record.hash.as_str()) {
            return altered(
                assessment,
                format!(
                    "its last record ({}) does not match its hash: it was edited",
                    record.seq
                ),
            );
        }
        if record.mac.is_some() {
            match key {
                None => assessment.key_missing = true,
                Some(key) if !record.signed_by(key) => {
                    return altered(
                        assessment,
                        format!(
                            "its last record ({}) does not carry a valid MAC: it was rewritten, or the key is not the one the journal was written with",
                            record.seq
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }
    assessment.last = last.map(|(record, line_hash)| Last {
        seq: record.seq,
        line_hash,
        signed: record.mac.is_some(),
    });
    match head {
        Found::Garbled(why) => altered(assessment, format!("its head is {why}")),
        Found::Absent => {
            let Some(last) = &assessment.last else {
                return assessment;
            };
            if !last.signed {
                // Written before picket kept a head: the next append anchors it.
                return assessment;
            }
            // The first signed record's head may not have been written yet; with signed
            // records before it, the head was there and is gone.
            match tail.before_last.as_deref().map(parse) {
                None | Some(Ok(Record { mac: None, .. })) => {
                    assessment.head_behind = Some(last.seq);
                    assessment
                }
                Some(_) => altered(
                    assessment,
                    "its head is missing though its records are signed: it was deleted".into(),
                ),
            }
        }
        Found::Present(head) => {
            let Some(key) = key else {
                assessment.key_missing = true;
                return assessment;
            };
            if !head.authentic(key) {
                return altered(
                    assessment,
                    "its head's MAC does not match: the head was edited or forged, or the key is not the one the journal was written with".into(),
                );
            }
            let Some(last) = assessment.last.clone() else {
                return altered(
                    assessment,
                    format!(
                        "its head anchors record {} but the journal holds no complete record: they were deleted",
                        head.seq
                    ),
                );
            };
            let before_last_hash = tail.before_last.as_deref().map(sha256_hex);
            if head.seq == last.seq && head.line == last.line_hash {
                assessment
            } else if head.seq == last.seq {
                altered(
                    assessment,
                    format!(
                        "its last record ({}) is not the one its head anchors: it was replaced",
                        last.seq
                    ),
                )
            } else if head.seq > last.seq {
                altered(
                    assessment,
                    format!(
                        "its head anchors record {} but the journal ends at record {}: the newest records were deleted",
                        head.seq, last.seq
                    ),
                )
            } else if head.seq + 1 == last.seq
                && last.signed
                && before_last_hash.as_deref() == Some(head.line.as_str())
            {
                assessment.head_behind = Some(last.seq);
                assessment
            } else {
                altered(
                    assessment,
                    format!(
                        "its head anchors record {} but the journal goes on to record {} without it: records were replaced or added without the key",
                        head.seq, last.seq
                    ),
                )
            }
        }
    }
}
