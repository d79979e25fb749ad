//! `picket audit`: the journal of response actions, listed and verified.

use std::io::Write;

use jiff::Timestamp;

use crate::cli::{AuditArgs, DoctorFormat};
use crate::journal::{Entry, Journal, Record};
use crate::model::text::clean_line;

/// Exit status when the chain is broken.
pub const BROKEN: u8 = 1;
/// Exit status for a usage error.
pub const USAGE: u8 = 2;

pub fn run(args: &AuditArgs, out: &mut dyn Write) -> Result<(), (u8, String)> {
    let path = args
        .journal
        .clone()
        .or_else(crate::journal::default_path)
        .ok_or((
            USAGE,
            "no state directory for the journal; pass --journal PATH".to_string(),
        ))?;
    let journal = Journal::at(path);
    if args.verify {
        let count = journal
            .verify()
            .map_err(|broken| (BROKEN, format!("{}: {broken}", journal.path().display())))?;
        let _ = writeln!(
            out,
            "{}: {count} records, chain intact",
            journal.path().display()
        );
        return Ok(());
    }
    let since = match &args.since {
        Some(age) => Some(crate::model::age::before(
            Timestamp::now(),
            crate::model::age::parse(age).map_err(|e| (USAGE, format!("--since: {e}")))?,
        )),
        None => None,
    };
    let records: Vec<Record> = journal
        .read()
        .map_err(|e| (BROKEN, e))?
        .into_iter()
        .filter(|r| since.is_none_or(|t| r.time >= t))
        .collect();
    let written = match args.format {
        DoctorFormat::Json => {
            let json =
                serde_json::to_string_pretty(&records).map_err(|e| (BROKEN, e.to_string()))?;
            writeln!(out, "{json}")
        }
        DoctorFormat::Table => table(&records, out),
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err((BROKEN, e.to_string())),
        _ => Ok(()),
    }
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
        let id = short(record.entry.action_id());
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
                (
                    "intent",
                    operator.user.clone(),
                    match &operator.principal {
                        Some(principal) => format!(
                            "{name} on {} findings as {principal}: {reason}",
                            targets.len()
                        ),
                        None => format!("{name} on {} findings: {reason}", targets.len()),
                    },
                )
            }
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
