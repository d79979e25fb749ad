//! `picket audit`: the journal of response actions, listed and verified.

use std::io::Write;

use jiff::Timestamp;

use crate::cli::args::{AuditArgs, DoctorFormat};
use crate::journal::{Cause, Entry, Record, Repaired, Verified};
use crate::model::text::clean_line;

/// Exit status when the journal was altered (or cannot be read as a journal).
pub const BROKEN: u8 = 1;
/// Exit status for a usage error.
pub const USAGE: u8 = 2;
/// Exit status for what a crash left: `--repair` sets it right.
pub const NEEDS_REPAIR: u8 = 3;
/// Exit status when the journal cannot be checked (its key is missing or unreadable).
pub const UNCHECKED: u8 = 4;

/// `picket audit`: `demo` reads the demo organization's journal. Text from the journal is
/// sanitized, in errors too.
pub fn run(args: &AuditArgs, demo: bool, out: &mut dyn Write) -> Result<(), (u8, String)> {
    run_unsanitized(args, demo, out)
        .map_err(|(code, message)| (code, clean_line(&message, 4000).into_owned()))
}

fn run_unsanitized(args: &AuditArgs, demo: bool, out: &mut dyn Write) -> Result<(), (u8, String)> {
    let real = args
        .journal
        .clone()
        .or_else(crate::journal::default_path)
        .ok_or((
            USAGE,
            "no state directory for the journal; pass --journal PATH".to_string(),
        ))?;
    let journal = crate::journal::locate(real, args.key.clone(), demo);
    let path = journal.path().display().to_string();
    if args.verify {
        let verified = journal.verify().map_err(|broken| {
            let code = match broken.cause {
                Cause::Altered => BROKEN,
                Cause::Crash => NEEDS_REPAIR,
                Cause::Unverifiable => UNCHECKED,
            };
            (code, format!("{path}: {broken}"))
        })?;
        return written(writeln!(out, "{path}: {}", verdict(&verified)));
    }
    if args.repair {
        let repaired = journal.repair(Timestamp::now()).map_err(|e| (BROKEN, e))?;
        return written(writeln!(out, "{path}: {}", repair_report(&repaired)));
    }
    let since = match &args.since {
        Some(age) => Some(crate::model::age::before(
            Timestamp::now(),
            crate::model::age::parse(age).map_err(|e| (USAGE, format!("--since: {e}")))?,
        )),
        None => None,
    };
    let contents = journal.contents().map_err(|e| (BROKEN, e))?;
    let records: Vec<Record> = contents
        .records
        .into_iter()
        .filter(|r| since.is_none_or(|t| r.time >= t))
        .collect();
    written(match args.format {
        DoctorFormat::Json => {
            let json =
                serde_json::to_string_pretty(&records).map_err(|e| (BROKEN, e.to_string()))?;
            writeln!(out, "{}", crate::model::text::json_inert(&json))
        }
        DoctorFormat::Table => table(&records, out),
    })?;
    // The records before it are listed; the torn line is said last, on stderr.
    match contents.torn {
        Some(torn) => Err((NEEDS_REPAIR, journal.torn_message(torn))),
        None => Ok(()),
    }
}

fn written(result: std::io::Result<()>) -> Result<(), (u8, String)> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err((BROKEN, e.to_string())),
        _ => Ok(()),
    }
}

/// What `--verify` found, in words that say how far it goes.
fn verdict(verified: &Verified) -> String {
    let n = verified.records;
    let mut words = format!("{n} records, chain intact");
    if n == 0 {
        return words;
    }
    if verified.unsigned == n {
        words.push_str(&format!(
            "; unanchored records 1–{n}: written before picket signed records, they have no MAC and no head, so the chain shows an edit within them but not a rewrite of the whole file or its newest records removed (the next action anchors them)"
        ));
    } else {
        words.push_str(", every signed record's MAC checked, the head names the newest");
        if verified.unsigned > 0 {
            words.push_str(&format!(
                "; records 1–{} predate signing and are covered through the chain of record {}",
                verified.unsigned,
                verified.unsigned + 1
            ));
        }
    }
    if !verified.repairs.is_empty() {
        let seqs: Vec<String> = verified.repairs.iter().map(u64::to_string).collect();
        words.push_str(&format!(
            "; repaired after a crash at record {} (see picket audit)",
            seqs.join(", ")
        ));
    }
    words
}

fn repair_report(repaired: &Repaired) -> String {
    let Some(record) = &repaired.record else {
        return "nothing to repair".into();
    };
    let mut done = Vec::new();
    if let Some(q) = &repaired.quarantined {
        done.push(format!(
            "moved a torn last line ({} bytes, SHA-256 {}) to {}",
            q.bytes,
            q.sha256,
            q.side_file.display()
        ));
    }
    if repaired.reanchored {
        done.push("moved the head, one record behind, to the newest record".into());
    }
    format!("{}; recorded as record {}", done.join("; "), record.seq)
}

/// One line per record; text the analyst or AWS wrote is sanitized.
fn table(records: &[Record], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<5} {:<20} {:<8} {:<10} {:<14} DETAIL",
        "SEQ", "TIME", "KIND", "ACTION ID", "WHO"
    )?;
    for record in records {
        let time = record.time.strftime("%Y-%m-%d %H:%M:%S").to_string();
        let id = short(record.entry.action_id().unwrap_or("-"));
        let (kind, who, detail) = match &record.entry {
            Entry::Intent {
                operator,
                action,
                targets,
                reason,
                ..
            } => {
                let kind = action
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("action");
                // A playbook or a rule is named by its own name too.
                let own = action
                    .pointer("/playbook/name")
                    .or_else(|| action.pointer("/rule/name"))
                    .and_then(|n| n.as_str());
                let name = match own {
                    Some(own) => format!("{kind} '{own}'"),
                    None => kind.to_string(),
                };
                let mut detail = format!("{name} on {} findings", targets.len());
                if let Some(principal) = &operator.principal {
                    detail.push_str(&format!(" as {principal}"));
                }
                if !reason.is_empty() {
                    detail.push_str(&format!(": {reason}"));
                }
                // What it set, and the note it wrote, not just its name.
                let values = crate::actions::values::Values::of(action);
                if !values.set.is_empty() {
                    detail.push_str(&format!(" · set {}", values.joined(", ")));
                }
                if let Some(note) = &values.note {
                    detail.push_str(&format!(" · note \"{note}\""));
                }
                ("intent", operator.user.clone(), detail)
            }
            Entry::Repair {
                found, operator, ..
            } => ("repair", operator.user.clone(), format!("repaired {found}")),
            Entry::Outcome { results, .. } => {
                let ok = results.iter().filter(|r| r.ok).count();
                let failed: Vec<String> = results
                    .iter()
                    .filter(|r| !r.ok)
                    .map(|r| format!("{}: {}", r.finding, r.error.as_deref().unwrap_or("failed")))
                    .collect();
                let mut detail = if failed.is_empty() {
                    format!("{ok} done")
                } else {
                    format!("{ok} done, {} failed ({})", failed.len(), failed.join("; "))
                };
                let details: Vec<&str> =
                    results.iter().filter_map(|r| r.detail.as_deref()).collect();
                if !details.is_empty() {
                    detail.push_str(&format!(" · {}", details.join("; ")));
                }
                ("outcome", String::new(), detail)
            }
        };
        let line = format!(
            "{:<5} {:<20} {:<8} {:<10} {:<14} {}",
            record.seq, time, kind, id, who, detail
        );
        writeln!(out, "{}", clean_line(&line, 1000))?;
    }
    Ok(())
}

fn short(id: &str) -> String {
    id.chars().take(10).collect()
}
