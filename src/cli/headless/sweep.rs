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
use crate::cli::output::{self, Format};
use crate::model::health::{HealthKey, HealthReport, HealthState, Service};
use crate::model::text::{MAX_LINE_CHARS, clean_line};
use crate::model::{Directory, Finding, LogEvent};
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
    /// AWS's own words are printed under each failure.
    verbose: bool,
}

impl Tally {
    fn new(printed_from: &'static [Service], verbose: bool) -> Tally {
        Tally {
            printed_from,
            verbose,
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
            if self.verbose
                && let Some(raw) = &health.raw
            {
                let _ = writeln!(err, "picket:   AWS said: {raw}");
            }
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
    /// Presenter mode (`--present`): what is printed is masked, and learned from first.
    pub mask: Option<std::sync::Arc<crate::mask::Mask>>,
    /// `--verbose`: AWS's own words under each failure.
    pub verbose: bool,
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
        let verbose = options.verbose;
        Ok(FindingsSweep {
            out,
            err,
            options,
            directory: Directory::default(),
            seen: HashSet::new(),
            held: FindingStore::default(),
            printed: 0,
            over_limit: false,
            tally: Tally::new(&[Service::GuardDuty, Service::SecurityHub], verbose),
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
        crate::cli::present::learn_findings(self.options.mask.as_ref(), &kept);
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
            crate::cli::present::learn_findings(self.options.mask.as_ref(), &sorted);
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
    /// Presenter mode (`--present`).
    pub mask: Option<std::sync::Arc<crate::mask::Mask>>,
    /// `--verbose`: AWS's own words under each failure.
    pub verbose: bool,
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
        let verbose = options.verbose;
        EventsSweep {
            out,
            err,
            options,
            seen: HashSet::new(),
            held: Vec::new(),
            printed: 0,
            over_limit: false,
            tally: Tally::new(&[Service::CloudWatchLogs], verbose),
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
        crate::cli::present::learn_events(
            self.options.mask.as_ref(),
            matched.iter().map(|m| m.event),
        );
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
            crate::cli::present::learn_events(
                self.options.mask.as_ref(),
                matched.iter().map(|m| m.event),
            );
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
mod tests;
