//! `picket findings` and `picket logs`: one sweep through the same pipeline as the TUI (the
//! store's de-duplication, the filter language, the sort), printed, then exit.

use std::io::Write;

use jiff::Timestamp;

use crate::app::FindingsTable;
use crate::model::{Directory, Finding, LogEvent, SourceKind};
use crate::output::{self, Format};
use crate::query::Query;
use crate::store::{FindingStore, SortKey};

/// Exit status: 0 printed, 2 usage error, 3 every source failed.
pub const USAGE: u8 = 2;
pub const ALL_FAILED: u8 = 3;

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

/// Prints what `select` chose; the exit status follows the module's convention.
pub fn print_findings(
    findings: Vec<Finding>,
    records: Records,
    directory: &Directory,
    filter: &str,
    source: SourceChoice,
    format: Format,
    raw: bool,
) -> Result<(), (u8, String)> {
    let kept = findings.into_iter().filter(|f| source.keeps(f)).collect();
    let selected = select(
        kept,
        records,
        directory,
        filter,
        SortKey::Severity,
        Timestamp::now(),
    )
    .map_err(|e| (USAGE, e))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let name = |id: &str| directory.name_of(id).to_string();
    output::findings(&mut out, &selected, format, raw, &name)
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)
        .map_err(|e| (1, format!("cannot write: {e}")))
}

/// What `picket logs` keeps: events since a time, passing a filter pattern or flagged by
/// detections.
pub struct EventFilter {
    pub since: Option<Timestamp>,
    pub pattern: Option<crate::pattern::Pattern>,
    pub detector: Option<crate::detect::Detector>,
}

impl EventFilter {
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

/// Prints the events the filter keeps, oldest first.
pub fn print_events(
    mut events: Vec<LogEvent>,
    filter: &EventFilter,
    format: Format,
) -> Result<(), (u8, String)> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    events.sort_by_key(|e| e.timestamp);
    let selected = filter.select(&events);
    output::events(&mut out, &selected, format)
        .and_then(|()| out.flush())
        .or_else(ignore_broken_pipe)
        .map_err(|e| (1, format!("cannot write: {e}")))
}

/// `picket … | head` closes the pipe early; that is not an error.
fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
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
