//! `picket findings` and `picket logs`: one sweep through the same pipeline as the TUI (the
//! store's de-duplication, the filter language, the sort), printed, then exit. A live sweep
//! reads until AWS has no more and says what it could not print ([`sweep`]).

mod sweep;

use std::io::Write;

use jiff::Timestamp;

use crate::app::FindingsTable;
use crate::cli::output::{self, Format};
use crate::model::{Directory, Finding, LogEvent, SourceKind};
use crate::query::Query;
use crate::store::{FindingStore, SortKey};

pub use sweep::{
    EventsOptions, EventsSweep, FindingsOptions, FindingsSweep, INCOMPLETE, WRITE_FAILED,
};

/// Exit status: 0 printed, 1 the output could not be written, 2 usage error, 3 every source
/// failed, 4 incomplete ([`INCOMPLETE`]).
pub const USAGE: u8 = 2;
pub const ALL_FAILED: u8 = 3;

/// What `--help` says of the output and the exit status of `picket findings` and `picket logs`.
pub const EXIT_HELP: &str = "\
Output:
  From AWS, picket reads until AWS has no more, poll after poll within the request budget,
  and jsonl streams: each record is printed as it is read, once (the first record read of a
  finding: a GuardDuty finding's Security Hub copy is not printed again), so memory stays flat
  however many there are. table, json and csv hold everything to sort it (findings by
  severity, events by time) and merge a GuardDuty finding with its Security Hub copy.
  Findings as json are an object: {\"complete\": bool, \"incomplete\": [why], \"findings\": [...]}.
  --limit N: jsonl stops reading after N; the sorted formats print the first N.

Exit status:
  0  everything was printed
  1  the output could not be written
  2  usage error
  3  every source failed; with --open, no file could be read, every record was unreadable,
     or the files hold the other kind of record
  4  incomplete: --limit cut it short, a source failed or was refused part way, records AWS
     sent could not be read, or log groups were left out. Each is said on stderr as it
     happens, and the last line is `picket: incomplete: N printed; why`.
  Other records in --open files that cannot be read are said on stderr and do not change the
  status.";

/// Which sources `--source` keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceChoice {
    Guardduty,
    Securityhub,
    All,
}

impl SourceChoice {
    fn keeps(self, finding: &Finding) -> bool {
        match self {
            SourceChoice::All => true,
            SourceChoice::Guardduty => finding.sources.contains(SourceKind::GuardDuty),
            SourceChoice::Securityhub => finding.sources.contains(SourceKind::SecurityHub),
        }
    }
}

/// How records with the same finding id are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Records {
    /// One finding per id, the latest record winning (a live sweep, the TUI).
    Merge,
    /// Every record as read (files: an S3 export repeats a finding at each update).
    Each,
}

/// The findings the TUI would show for `filter`, in its order, rebuilt in full.
pub fn select(
    findings: Vec<Finding>,
    records: Records,
    directory: &Directory,
    filter: &str,
    sort: SortKey,
    now: Timestamp,
) -> Result<Vec<Finding>, String> {
    Query::parse(filter).map_err(|e| format!("--filter: {e}"))?;
    let mut store = FindingStore::default();
    for finding in findings {
        match records {
            Records::Merge => {
                store.upsert(finding, now, true);
            }
            Records::Each => {
                store.push(finding, now);
            }
        }
    }
    let mut table = FindingsTable::new(sort);
    table
        .set_filter(filter, &store, directory, now)
        .map_err(|e| format!("--filter: {e}"))?;
    Ok(table
        .rows
        .iter()
        .filter_map(|&ix| store.finding(ix))
        .collect())
}

/// Prints what `select` chose from files, `--limit` first; answers the exit status (0, or
/// [`INCOMPLETE`] when the limit left findings out, said on stderr).
pub fn print_findings(
    findings: Vec<Finding>,
    records: Records,
    directory: &Directory,
    options: &FindingsOptions,
) -> Result<u8, (u8, String)> {
    let kept = findings
        .into_iter()
        .filter(|f| options.source.keeps(f))
        .collect();
    let mut selected = select(
        kept,
        records,
        directory,
        &options.filter,
        SortKey::Severity,
        Timestamp::now(),
    )
    .map_err(|e| (USAGE, e))?;
    let mut missing = Vec::new();
    if let Some(limit) = options.limit
        && selected.len() > limit
    {
        missing.push(format!(
            "--limit {limit}: {} more findings not printed",
            crate::ui::text::thousands(selected.len() - limit)
        ));
        selected.truncate(limit);
    }
    let stdout = std::io::stdout();
    let mut out = crate::cli::present::Output::new(
        std::io::BufWriter::new(stdout.lock()),
        options.mask.clone(),
    );
    if let Some(mask) = &options.mask {
        mask.learn_directory(directory);
    }
    crate::cli::present::learn_findings(options.mask.as_ref(), &selected);
    let name = |id: &str| directory.name_of(id).to_string();
    write_findings(
        &mut out,
        &selected,
        options.format,
        options.raw,
        &name,
        &missing,
    )
    .and_then(|()| out.flush())
    .or_else(ignore_broken_pipe)
    .map_err(|e| (WRITE_FAILED, format!("cannot write: {e}")))?;
    if missing.is_empty() {
        return Ok(0);
    }
    eprintln!(
        "picket: incomplete: {} findings printed; {}",
        crate::ui::text::thousands(selected.len()),
        missing.join("; ")
    );
    Ok(INCOMPLETE)
}

/// Prints findings in `format`; as json, inside an object that says whether they are all
/// (`missing` says why not).
fn write_findings(
    out: &mut dyn Write,
    findings: &[Finding],
    format: Format,
    raw: bool,
    account_name: &dyn Fn(&str) -> String,
    missing: &[String],
) -> std::io::Result<()> {
    if format != Format::Json {
        return output::findings(out, findings, format, raw, account_name);
    }
    let missing = serde_json::to_string(missing).map_err(std::io::Error::other)?;
    write!(
        out,
        "{{\"complete\": {}, \"incomplete\": {missing}, \"findings\": ",
        missing == "[]"
    )?;
    output::findings(out, findings, format, raw, account_name)?;
    writeln!(out, "}}")
}

/// What `picket logs` keeps: events since a time, passing a filter pattern or flagged by
/// detections.
pub struct EventFilter {
    pub since: Option<Timestamp>,
    pub pattern: Option<crate::logs::pattern::Pattern>,
    pub detector: Option<crate::logs::detect::Detector>,
}

impl EventFilter {
    /// Whether the filter keeps `event`.
    pub fn keeps(&self, event: &LogEvent) -> bool {
        !self.select(std::slice::from_ref(event)).is_empty()
    }

    pub fn select<'a>(&self, events: &'a [LogEvent]) -> Vec<output::Matched<'a>> {
        events
            .iter()
            .filter(|e| self.since.is_none_or(|since| e.timestamp >= since))
            .filter_map(|event| {
                let text = event.message.as_delivered();
                if self.pattern.as_ref().is_some_and(|p| !p.matches(&text)) {
                    return None;
                }
                let detections = match &self.detector {
                    Some(detector) => {
                        let found = detector.check(&text);
                        if found.is_empty() {
                            return None;
                        }
                        found
                    }
                    None => Vec::new(),
                };
                Some(output::Matched { event, detections })
            })
            .collect()
    }
}

/// Prints the events the filter keeps, oldest first, `limit` at most; answers the exit
/// status (0, or [`INCOMPLETE`] when the limit left events out, said on stderr).
pub fn print_events(
    mut events: Vec<LogEvent>,
    filter: &EventFilter,
    (format, limit): (Format, Option<usize>),
    mask: Option<std::sync::Arc<crate::mask::Mask>>,
) -> Result<u8, (u8, String)> {
    let stdout = std::io::stdout();
    let mut out =
        crate::cli::present::Output::new(std::io::BufWriter::new(stdout.lock()), mask.clone());
    events.sort_by_key(|e| e.timestamp);
    let mut selected = filter.select(&events);
    let left = limit.map_or(0, |l| selected.len().saturating_sub(l));
    selected.truncate(selected.len() - left);
    crate::cli::present::learn_events(mask.as_ref(), selected.iter().map(|m| m.event));
    output::events(&mut out, &selected, format)
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)
        .map_err(|e| (WRITE_FAILED, format!("cannot write: {e}")))?;
    if left == 0 {
        return Ok(0);
    }
    eprintln!(
        "picket: incomplete: {} events printed; --limit {}: {} more events not printed",
        crate::ui::text::thousands(selected.len()),
        limit.unwrap_or_default(),
        crate::ui::text::thousands(left)
    );
    Ok(INCOMPLETE)
}

/// `picket … | head` closes the pipe early; that is not an error.
fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if closed_pipe(&e) { Ok(()) } else { Err(e) }
}

/// Whether writing failed because the reader went away, also when the JSON writer wrapped the
/// error.
fn closed_pipe(e: &std::io::Error) -> bool {
    let wrapped = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<serde_json::Error>())
        .and_then(serde_json::Error::io_error_kind);
    e.kind() == std::io::ErrorKind::BrokenPipe || wrapped == Some(std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{directory, guardduty};

    #[test]
    fn select_dedupes_filters_and_sorts_like_the_tui() {
        let now: Timestamp = "2026-01-15T12:00:00Z".parse().expect("time");
        let findings = vec![
            guardduty(
                "a",
                "111111111111",
                "Recon:EC2/Portscan",
                2.0,
                "2026-01-15T11:00:00Z",
            ),
            guardduty(
                "b",
                "222222222222",
                "Backdoor:EC2/Spambot",
                8.0,
                "2026-01-15T11:00:00Z",
            ),
            guardduty(
                "a",
                "111111111111",
                "Recon:EC2/Portscan",
                2.0,
                "2026-01-15T11:30:00Z",
            ),
        ];
        let sel = |records, filter: &str| {
            select(
                findings.clone(),
                records,
                &directory(),
                filter,
                SortKey::Severity,
                now,
            )
        };
        let all = sel(Records::Merge, "").expect("valid");
        assert_eq!(
            all.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(
            all[1].last_seen.to_string(),
            "2026-01-15T11:30:00Z",
            "the later record wins"
        );
        assert_eq!(
            sel(Records::Each, "").expect("valid").len(),
            3,
            "every record of a file"
        );
        assert_eq!(
            sel(Records::Merge, "account:prod-*").expect("valid").len(),
            1
        );
        assert!(sel(Records::Merge, "sev>=").is_err());
    }

    #[test]
    fn a_record_borrowing_a_guardduty_id_is_printed_as_its_own_finding() {
        let now: Timestamp = "2026-01-15T12:00:00Z".parse().expect("time");
        let real = guardduty(
            "f1",
            "111111111111",
            "Backdoor:EC2/C&CActivity.B",
            8.0,
            "2026-01-15T11:00:00Z",
        );
        let spoof = crate::model::asff::map_finding(&serde_json::json!({
            "SchemaVersion": "2018-10-08", "AwsAccountId": "111111111111", "Region": "us-east-1",
            "Id": "arn:aws:guardduty:us-east-1:111111111111:detector/d/finding/f1",
            "ProductArn": "arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default",
            "ProductName": "GuardDuty", "Types": ["x"], "Title": "nothing to see",
            "CreatedAt": "2026-01-01T00:00:00Z", "UpdatedAt": "2026-01-15T11:30:00Z",
            "Severity": {"Label": "INFORMATIONAL"}, "Workflow": {"Status": "RESOLVED"}
        }))
        .expect("maps");
        let selected = select(
            vec![real, spoof],
            Records::Merge,
            &directory(),
            "",
            SortKey::Severity,
            now,
        )
        .expect("valid");
        assert_eq!(selected.len(), 2, "two findings, not one merged");
        assert_eq!(
            selected[0].severity.label,
            crate::model::SeverityLabel::High
        );
        assert_eq!(selected[0].workflow, crate::model::Workflow::New);
        assert_eq!(selected[1].title.as_str(), "nothing to see");
    }
}
