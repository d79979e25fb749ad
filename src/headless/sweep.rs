//! A live sweep printed as it is read: `picket findings` and `picket logs` from AWS.
//!
//! `jsonl` streams: each batch is filtered as it arrives and printed at once, so memory stays
//! flat however many findings there are. What was printed is remembered as a 128-bit hash of
//! its identity, not kept, so a finding or event read twice (a page read again after a refused
//! token) is printed once. `table`, `json` and `csv` hold what the filter kept (the store
//! compresses it) to sort it at the end.
//!
//! Whether the output is complete is tracked as the batches come: a source that fails (a
//! service not enabled is an answer, not a failure), what a source reports left out, `--limit`
//! reached with more to read. Each is said on stderr as it happens, and a last line sums up;
//! the exit status is then [`INCOMPLETE`] ([`super::ALL_FAILED`] when no source answered).

use std::collections::HashSet;
use std::io::{self, Write};

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use super::{EventFilter, Records, SourceChoice, USAGE, closed_pipe, ignore_broken_pipe, select};
use crate::model::health::{HealthKey, HealthReport, HealthState, Service};
use crate::model::text::{MAX_LINE_CHARS, clean_line};
use crate::model::{Directory, Finding, LogEvent};
use crate::output::{self, Format};
use crate::query::Query;
use crate::sources::Batch;
use crate::store::{FindingStore, SortKey};
use crate::ui::text::thousands;

/// Exit status of a sweep whose output is not everything there was.
pub const INCOMPLETE: u8 = 4;
/// Exit status when the output could not be written.
pub const WRITE_FAILED: u8 = 1;

/// A 128-bit hash of what identifies a record: a false match (which would drop a record) is
/// as likely as guessing a random UUID.
fn identity(parts: &[&str]) -> u128 {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(first)
}

/// Who answered and what is missing, as the batches say it.
struct Tally {
    /// The services whose sources are what is printed (GuardDuty and Security Hub, or Logs).
    printed_from: &'static [Service],
    answered: HashSet<HealthKey>,
    failed: HashSet<HealthKey>,
    /// Why the output is not complete, one sentence each.
    missing: Vec<String>,
}

impl Tally {
    fn new(printed_from: &'static [Service]) -> Tally {
        Tally {
            printed_from,
            answered: HashSet::new(),
            failed: HashSet::new(),
            missing: Vec::new(),
        }
    }

    /// Takes a batch's health and what it left out, saying on stderr what went wrong.
    fn take(&mut self, health: &[HealthReport], left_out: Vec<String>, err: &mut dyn Write) {
        for HealthReport { key, health } in health {
            let counts = self.printed_from.contains(&key.service);
            if health.state == HealthState::Ok {
                if counts {
                    self.answered.insert(key.clone());
                }
                continue;
            }
            let message = health.message.as_deref().unwrap_or(health.state.as_str());
            let _ = writeln!(
                err,
                "picket: {} {} {}: {message}",
                key.service.name(),
                key.region,
                key.account_id
            );
            // Not enabled is an answer: there is nothing there to print.
            if counts && health.state != HealthState::NotEnabled && self.failed.insert(key.clone())
            {
                self.missing.push(format!(
                    "{} {} {} failed ({})",
                    key.service.name(),
                    key.region,
                    key.account_id,
                    health.state
                ));
            }
        }
        for line in left_out {
            // It can name what AWS named (log groups): nothing of it may drive the terminal.
            let line = clean_line(&line, MAX_LINE_CHARS).into_owned();
            let _ = writeln!(err, "picket: {line}");
            self.missing.push(line);
        }
    }

    /// The exit status, and the last line on stderr when the output is short of anything.
    fn verdict(&self, printed: usize, noun: &str, err: &mut dyn Write) -> u8 {
        if self.answered.is_empty() {
            return super::ALL_FAILED;
        }
        if self.missing.is_empty() {
            return 0;
        }
        let _ = writeln!(
            err,
            "picket: incomplete: {} {noun} printed; {}",
            thousands(printed),
            self.missing.join("; ")
        );
        INCOMPLETE
    }
}

/// How `picket findings` prints a sweep.
#[derive(Clone, Debug)]
pub struct FindingsOptions {
    pub filter: String,
    pub source: SourceChoice,
    pub format: Format,
    pub raw: bool,
    pub limit: Option<usize>,
}

/// `picket findings` over a live sweep: give it each batch, then finish.
pub struct FindingsSweep<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    options: FindingsOptions,
    directory: Directory,
    /// jsonl: identities of the findings already printed.
    seen: HashSet<u128>,
    /// The sorted formats: every finding read, merged by identity, to filter and sort at the
    /// end (the store keeps raw records compressed).
    held: FindingStore,
    /// jsonl: findings printed so far.
    printed: usize,
    /// jsonl: `--limit` left findings of a batch unprinted.
    over_limit: bool,
    tally: Tally,
    /// Writing failed: nothing more is read.
    broken: Option<io::Error>,
}

impl<'a> FindingsSweep<'a> {
    /// Fails (a usage error) when the filter does not parse.
    pub fn new(
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        options: FindingsOptions,
    ) -> Result<FindingsSweep<'a>, String> {
        Query::parse(&options.filter).map_err(|e| format!("--filter: {e}"))?;
        Ok(FindingsSweep {
            out,
            err,
            options,
            directory: Directory::default(),
            seen: HashSet::new(),
            held: FindingStore::default(),
            printed: 0,
            over_limit: false,
            tally: Tally::new(&[Service::GuardDuty, Service::SecurityHub]),
            broken: None,
        })
    }

    fn streams(&self) -> bool {
        self.options.format == Format::Jsonl
    }

    /// Takes one batch; answers whether to go on reading.
    pub fn take(&mut self, batch: Batch) -> bool {
        for account in batch.accounts {
            self.directory.insert(account);
        }
        self.tally.take(&batch.health, batch.left_out, self.err);
        let source = self.options.source;
        let findings = batch.findings.into_iter().filter(|f| source.keeps(f));
        let now = Timestamp::now();
        if !self.streams() {
            for finding in findings {
                self.held.upsert(finding, now, true);
            }
            return true;
        }
        let fresh: Vec<Finding> = findings
            .filter(|f| self.seen.insert(identity(&[&f.scope, &f.id])))
            .collect();
        if fresh.is_empty() {
            return true;
        }
        let selected = select(
            fresh,
            Records::Merge,
            &self.directory,
            &self.options.filter,
            SortKey::Severity,
            now,
        );
        // The filter was checked before the sweep began.
        let Ok(mut kept) = selected else {
            return false;
        };
        let room = self
            .options
            .limit
            .map_or(usize::MAX, |l| l.saturating_sub(self.printed));
        if kept.len() > room {
            kept.truncate(room);
            self.over_limit = true;
        }
        self.printed += kept.len();
        let directory = &self.directory;
        let name = |id: &str| directory.name_of(id).to_string();
        let written = output::findings(self.out, &kept, Format::Jsonl, self.options.raw, &name)
            .and_then(|()| self.out.flush());
        if let Err(e) = written {
            self.broken = Some(e);
            return false;
        }
        self.options.limit.is_none_or(|l| self.printed < l)
    }

    /// Prints what the sorted formats held, says what is missing; answers the exit status.
    /// `everything_read`: the sweep read every source to its end.
    pub fn finish(mut self, everything_read: bool) -> u8 {
        if let Some(e) = self.broken.take() {
            return write_failed(&e, self.err);
        }
        let printed = if self.streams() {
            if let Some(limit) = self.options.limit
                && self.printed >= limit
                && (self.over_limit || !everything_read)
            {
                self.tally
                    .missing
                    .push(format!("stopped at --limit {limit} with more to read"));
            }
            self.printed
        } else {
            let store = std::mem::take(&mut self.held);
            let mut table = crate::app::FindingsTable::new(SortKey::Severity);
            let filtered = table.set_filter(
                &self.options.filter,
                &store,
                &self.directory,
                Timestamp::now(),
            );
            if let Err(e) = filtered {
                let _ = writeln!(self.err, "picket: --filter: {e}");
                return USAGE;
            }
            let mut rows = table.rows;
            if let Some(limit) = self.options.limit
                && rows.len() > limit
            {
                self.tally.missing.push(format!(
                    "--limit {limit}: {} more findings not printed",
                    thousands(rows.len() - limit)
                ));
                rows.truncate(limit);
            }
            let sorted: Vec<Finding> = rows.iter().filter_map(|&ix| store.finding(ix)).collect();
            drop(store);
            let directory = &self.directory;
            let name = |id: &str| directory.name_of(id).to_string();
            let written = super::write_findings(
                self.out,
                &sorted,
                self.options.format,
                self.options.raw,
                &name,
                &self.tally.missing,
            )
            .and_then(|()| self.out.flush())
            .or_else(ignore_broken_pipe);
            if let Err(e) = written {
                return write_failed(&e, self.err);
            }
            sorted.len()
        };
        self.tally.verdict(printed, "findings", self.err)
    }
}

/// A closed pipe (`picket … | head`) is not an error; any other failure to write is.
fn write_failed(e: &io::Error, err: &mut dyn Write) -> u8 {
    if closed_pipe(e) {
        return 0;
    }
    let _ = writeln!(err, "picket: cannot write: {e}");
    WRITE_FAILED
}

/// How `picket logs` prints a sweep.
pub struct EventsOptions {
    pub filter: EventFilter,
    pub format: Format,
    pub limit: Option<usize>,
}

/// `picket logs` over a live sweep: give it each batch, then finish.
pub struct EventsSweep<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    options: EventsOptions,
    /// Identities of the events already taken.
    seen: HashSet<u128>,
    /// The sorted formats: the events the filter kept, to sort at the end.
    held: Vec<LogEvent>,
    /// jsonl: events printed so far.
    printed: usize,
    over_limit: bool,
    tally: Tally,
    broken: Option<io::Error>,
}

impl<'a> EventsSweep<'a> {
    pub fn new(
        out: &'a mut dyn Write,
        err: &'a mut dyn Write,
        options: EventsOptions,
    ) -> EventsSweep<'a> {
        EventsSweep {
            out,
            err,
            options,
            seen: HashSet::new(),
            held: Vec::new(),
            printed: 0,
            over_limit: false,
            tally: Tally::new(&[Service::CloudWatchLogs]),
            broken: None,
        }
    }

    fn streams(&self) -> bool {
        self.options.format == Format::Jsonl
    }

    /// Takes one batch; answers whether to go on reading.
    pub fn take(&mut self, batch: Batch) -> bool {
        self.tally.take(&batch.health, batch.left_out, self.err);
        let filter = &self.options.filter;
        let seen = &mut self.seen;
        let mut kept: Vec<LogEvent> = batch
            .events
            .into_iter()
            .filter(|e| filter.keeps(e) && seen.insert(event_identity(e)))
            .collect();
        kept.sort_by_key(|e| e.timestamp);
        if !self.streams() {
            self.held.append(&mut kept);
            return true;
        }
        let room = self
            .options
            .limit
            .map_or(usize::MAX, |l| l.saturating_sub(self.printed));
        if kept.len() > room {
            kept.truncate(room);
            self.over_limit = true;
        }
        self.printed += kept.len();
        let matched = self.options.filter.select(&kept);
        let written =
            output::events(self.out, &matched, Format::Jsonl).and_then(|()| self.out.flush());
        if let Err(e) = written {
            self.broken = Some(e);
            return false;
        }
        self.options.limit.is_none_or(|l| self.printed < l)
    }

    /// Prints what the sorted formats held, says what is missing; answers the exit status.
    pub fn finish(mut self, everything_read: bool) -> u8 {
        if let Some(e) = self.broken.take() {
            return write_failed(&e, self.err);
        }
        let printed = if self.streams() {
            if let Some(limit) = self.options.limit
                && self.printed >= limit
                && (self.over_limit || !everything_read)
            {
                self.tally
                    .missing
                    .push(format!("stopped at --limit {limit} with more to read"));
            }
            self.printed
        } else {
            let mut held = std::mem::take(&mut self.held);
            held.sort_by_key(|e| e.timestamp);
            if let Some(limit) = self.options.limit
                && held.len() > limit
            {
                self.tally.missing.push(format!(
                    "--limit {limit}: {} more events not printed",
                    thousands(held.len() - limit)
                ));
                held.truncate(limit);
            }
            let matched = self.options.filter.select(&held);
            let written = output::events(self.out, &matched, self.options.format)
                .and_then(|()| self.out.flush())
                .or_else(ignore_broken_pipe);
            if let Err(e) = written {
                return write_failed(&e, self.err);
            }
            held.len()
        };
        self.tally.verdict(printed, "events", self.err)
    }
}

/// What identifies a log event: CloudWatch's event id within its group, else where and when
/// it was written and what it says.
fn event_identity(event: &LogEvent) -> u128 {
    match event.event_id.as_deref() {
        Some(id) => identity(&[&event.account_id, &event.region, &event.group, id]),
        None => {
            let at = event.timestamp.as_millisecond().to_string();
            let message = event.message.as_delivered();
            identity(&[&event.group, &event.stream, &at, &message])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SafeText;
    use crate::model::fixtures::guardduty;
    use crate::model::health::Health;

    fn finding(n: usize) -> Finding {
        guardduty(
            &format!("f{n:03}"),
            "111111111111",
            "Recon:EC2/Portscan",
            5.0,
            "2026-01-15T11:00:00Z",
        )
    }

    fn report(service: Service, state: HealthState, message: Option<&str>) -> HealthReport {
        HealthReport {
            key: HealthKey {
                account_id: SafeText::line("111111111111"),
                region: SafeText::line("us-east-1"),
                service,
            },
            health: Health {
                state,
                last_success: None,
                message: message.map(SafeText::line),
                backlog: None,
            },
        }
    }

    fn batch(range: std::ops::Range<usize>, state: HealthState) -> Batch {
        Batch {
            findings: range.map(finding).collect(),
            health: vec![report(Service::GuardDuty, state, None)],
            ..Batch::default()
        }
    }

    fn options(format: Format, limit: Option<usize>) -> FindingsOptions {
        FindingsOptions {
            filter: String::new(),
            source: SourceChoice::All,
            format,
            raw: false,
            limit,
        }
    }

    /// Runs batches through a sweep: stdout, stderr, the exit status and whether it asked
    /// for more after each batch.
    fn run(
        options: FindingsOptions,
        batches: Vec<Batch>,
        everything_read: bool,
    ) -> (String, String, u8, Vec<bool>) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut sweep = FindingsSweep::new(&mut out, &mut err, options).expect("valid filter");
        let go_on = batches.into_iter().map(|b| sweep.take(b)).collect();
        let code = sweep.finish(everything_read);
        let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
        (text(out), text(err), code, go_on)
    }

    #[test]
    fn jsonl_prints_each_finding_once_as_it_comes_and_exits_0_when_complete() {
        let (out, err, code, go_on) = run(
            options(Format::Jsonl, None),
            vec![
                batch(0..3, HealthState::Ok),
                batch(2..5, HealthState::Ok),
                batch(0..5, HealthState::Ok),
            ],
            true,
        );
        let ids: Vec<String> = out
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json line");
                v["id"].as_str().unwrap_or_default().to_string()
            })
            .collect();
        assert_eq!(ids, ["f000", "f001", "f002", "f003", "f004"], "once each");
        assert_eq!((err.as_str(), code), ("", 0));
        assert_eq!(go_on, [true, true, true]);
    }

    #[test]
    fn the_limit_stops_the_sweep_and_says_the_output_is_incomplete() {
        let (out, err, code, go_on) = run(
            options(Format::Jsonl, Some(4)),
            vec![batch(0..3, HealthState::Ok), batch(3..6, HealthState::Ok)],
            false,
        );
        assert_eq!(out.lines().count(), 4);
        assert_eq!(go_on, [true, false], "reading stops at the limit");
        assert_eq!(code, INCOMPLETE);
        assert!(
            err.contains("picket: incomplete: 4 findings printed; stopped at --limit 4"),
            "{err}"
        );
        // Exactly the limit, everything read: nothing was left out.
        let (_, err, code, _) = run(
            options(Format::Jsonl, Some(3)),
            vec![batch(0..3, HealthState::Ok)],
            true,
        );
        assert_eq!((err.as_str(), code), ("", 0));
    }

    #[test]
    fn a_source_failing_part_way_makes_the_output_incomplete_and_not_enabled_does_not() {
        let failed = Batch {
            health: vec![report(
                Service::GuardDuty,
                HealthState::Throttled,
                Some("guardduty:ListFindings throttled"),
            )],
            ..Batch::default()
        };
        let (out, err, code, _) = run(
            options(Format::Jsonl, None),
            vec![batch(0..2, HealthState::Ok), failed],
            true,
        );
        assert_eq!(out.lines().count(), 2, "what was read is printed");
        assert_eq!(code, INCOMPLETE);
        assert!(
            err.starts_with(
                "picket: guardduty us-east-1 111111111111: guardduty:ListFindings throttled\n"
            ),
            "{err}"
        );
        assert!(
            err.contains("incomplete: 2 findings printed; guardduty us-east-1 111111111111 failed (throttled)"),
            "{err}"
        );

        let not_enabled = Batch {
            health: vec![report(
                Service::SecurityHub,
                HealthState::NotEnabled,
                Some("Security Hub is not enabled in us-east-1"),
            )],
            ..Batch::default()
        };
        let (_, err, code, _) = run(
            options(Format::Jsonl, None),
            vec![batch(0..2, HealthState::Ok), not_enabled],
            true,
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            err.contains("Security Hub is not enabled"),
            "said, all the same"
        );
    }

    #[test]
    fn what_a_source_left_out_is_said_and_no_answer_at_all_is_status_3() {
        let mut partial = batch(0..1, HealthState::Ok);
        partial.left_out =
            vec!["securityhub us-east-1 111111111111: 2 findings could not be read".into()];
        let (_, err, code, _) = run(options(Format::Jsonl, None), vec![partial], true);
        assert_eq!(code, INCOMPLETE);
        assert!(err.contains("2 findings could not be read"), "{err}");

        let (_, _, code, _) = run(
            options(Format::Jsonl, None),
            vec![batch(0..0, HealthState::AccessDenied)],
            true,
        );
        assert_eq!(code, super::super::ALL_FAILED);
    }

    #[test]
    fn json_holds_sorts_and_marks_whether_it_is_complete() {
        let (out, err, code, _) = run(
            options(Format::Json, Some(3)),
            vec![batch(0..3, HealthState::Ok), batch(2..5, HealthState::Ok)],
            true,
        );
        let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(v["complete"], false);
        assert_eq!(v["findings"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            v["incomplete"][0], "--limit 3: 2 more findings not printed",
            "{v}"
        );
        assert_eq!(code, INCOMPLETE, "{err}");

        let (out, _, code, _) = run(
            options(Format::Json, None),
            vec![batch(0..3, HealthState::Ok), batch(2..5, HealthState::Ok)],
            true,
        );
        let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        assert_eq!(
            (
                v["complete"].clone(),
                v["findings"].as_array().map(Vec::len)
            ),
            (serde_json::Value::Bool(true), Some(5)),
            "merged by id"
        );
        assert_eq!(code, 0);
    }

    #[test]
    fn what_was_left_out_reaches_stderr_without_control_characters() {
        let mut hostile = batch(0..1, HealthState::Ok);
        hostile.left_out = vec!["logs us-east-1 1: group \u{1b}]52;c;evil\u{7} left out".into()];
        let (_, err, code, _) = run(options(Format::Jsonl, None), vec![hostile], true);
        assert_eq!(code, INCOMPLETE);
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
        assert!(err.contains("left out"), "{err}");
    }

    #[test]
    fn a_closed_pipe_stops_the_sweep_quietly() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let (mut out, mut err) = (Closed, Vec::new());
        let mut sweep =
            FindingsSweep::new(&mut out, &mut err, options(Format::Jsonl, None)).expect("valid");
        assert!(!sweep.take(batch(0..2, HealthState::Ok)), "stops reading");
        assert_eq!(sweep.finish(false), 0);
        assert!(err.is_empty());
    }

    #[test]
    fn log_events_are_printed_once_and_limited_like_findings() {
        let event = |n: i64| {
            let mut e = LogEvent::new(
                Timestamp::from_second(1_700_000_000 + n).expect("time"),
                "111111111111",
                "us-east-1",
                "trail",
                "stream",
                &format!("{{\"eventName\":\"Call{n}\"}}"),
            );
            e.event_id = Some(SafeText::line(&format!("e{n}")));
            e
        };
        let logs = |range: std::ops::Range<i64>| Batch {
            events: range.map(event).collect(),
            health: vec![report(Service::CloudWatchLogs, HealthState::Ok, None)],
            ..Batch::default()
        };
        let filter = || EventFilter {
            since: None,
            pattern: None,
            detector: None,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let options = EventsOptions {
            filter: filter(),
            format: Format::Jsonl,
            limit: Some(5),
        };
        let mut sweep = EventsSweep::new(&mut out, &mut err, options);
        assert!(sweep.take(logs(0..3)));
        assert!(!sweep.take(logs(1..6)), "the limit is reached");
        assert_eq!(sweep.finish(false), INCOMPLETE);
        let names: Vec<String> = String::from_utf8(out)
            .expect("utf-8")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("json line");
                v["message"]["eventName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(names, ["Call0", "Call1", "Call2", "Call3", "Call4"]);
    }
}
