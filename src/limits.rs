//! Every limit on what picket reads, keeps or shows, in one place, with what happens when it is
//! reached. None drops data silently: what a poll did not reach is read at the next polls (and
//! the health cell says "N read, more coming" meanwhile), and what a search, a query, a buffer
//! or a headless command leaves out is said on screen or on stderr (`picket findings` and
//! `picket logs` then exit 4). The README's "Limits" table lists the same.
//!
//! Not limits on data, so not here: page and batch sizes the APIs impose (they only split
//! calls), the request budget (`aws::budget`: it paces calls, never skips one), and the demo
//! organization's simulation parameters.

/// Findings one live GuardDuty poll lists; a larger backlog arrives over the next polls.
pub const GUARDDUTY_PER_POLL: usize = 5_000;
/// Findings one live Security Hub poll reads; a larger backlog arrives over the next polls.
pub const SECURITY_HUB_PER_POLL: usize = 20_000;
/// Log events one live FilterLogEvents poll reads over its groups; a group cut short goes on
/// from its nextToken at the next poll, and groups not reached are read then.
pub const LOG_EVENTS_PER_POLL: usize = 10_000;

/// Findings one poll of a headless sweep holds: the sweep polls again at once, so this bounds
/// memory (with [`SWEEP_SOURCES_AT_ONCE`]), not what is printed.
pub const SWEEP_FINDINGS_PER_POLL: usize = 1_000;
/// Log events one poll of a headless sweep holds, likewise.
pub const SWEEP_EVENTS_PER_POLL: usize = 5_000;
/// Sources a headless sweep polls at once.
pub const SWEEP_SOURCES_AT_ONCE: usize = 8;

/// Events a pivot's search reads from the CloudTrail history; the activity screen says when
/// it stopped there.
pub const PIVOT_EVENTS: usize = 10_000;
/// Rows Logs Insights returns for one query (GetQueryResults answers 10,000 at most); a result
/// that long says so above its rows.
pub const INSIGHTS_ROWS: usize = 10_000;
/// How long picket waits for a Logs Insights query, in one-second polls (the service stops a
/// query after 60 minutes); past it the screen says the query was left running.
pub const INSIGHTS_POLLS: u32 = 3_700;

/// Log events the logs screen keeps unless `[logs] buffer` says otherwise; the oldest leave
/// first and the title counts them.
pub const LOG_BUFFER: usize = 100_000;
/// A log batch merged this long after it was read says the stream is behind (events queue up
/// faster than the UI task takes them, and the polling tasks wait for room).
pub const BEHIND_SHOWN: std::time::Duration = std::time::Duration::from_secs(1);
/// Seconds "behind" stays on screen after the last late batch.
pub const BEHIND_KEPT_SECONDS: i64 = 5;
/// The most `[logs] buffer` may be.
pub const LOG_BUFFER_MAX: usize = 10_000_000;
/// Log groups tailed at once (StartLiveTail takes ten): found by prefix (the health cell and
/// `picket logs` say when more start with it) or chosen in the picker.
pub const LOG_GROUPS: usize = 10;
/// Log groups the picker lists for one prefix; it says when more start with it.
pub const GROUPS_LISTED: usize = 50;

/// Problems of unreadable files printed word for word; the rest are counted
/// ("… and N more problems"), and every skipped record is in the summary.
pub const FILE_PROBLEMS: usize = 10;

/// Characters of a one-line text field (titles, names, ids) in picket's model; longer text ends
/// in `…`, and the raw record (`--raw`, the detail's JSON) keeps the whole.
pub const LINE_CHARS: usize = 1024;
/// Characters of a multi-line text field (descriptions, notes), likewise.
pub const BLOCK_CHARS: usize = 16 * 1024;
/// Characters of one line of a record's JSON in the detail view; longer lines end in `…`, and
/// `Y` copies the whole record.
pub const JSON_VIEW_LINE: usize = 4096;

/// Status-bar messages `:messages` lists, newest first; older ones leave.
pub const MESSAGES_KEPT: usize = 100;

/// Candidates Tab offers for one value in the `/` prompt (the values of a field the queue
/// holds); past it the hint row says to type more of the value to narrow them.
pub const COMPLETIONS: usize = 500;

/// Steps of picket's own triage history kept per finding (this session's actions and the
/// journal's); the detail counts the older ones it no longer shows, and `picket audit` lists
/// them all.
pub const HISTORY_PER_FINDING: usize = 20;

/// How much one poll of a source reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerPoll {
    pub guardduty: usize,
    pub security_hub: usize,
    pub log_events: usize,
}

impl PerPoll {
    /// The TUI's polls.
    pub const LIVE: PerPoll = PerPoll {
        guardduty: GUARDDUTY_PER_POLL,
        security_hub: SECURITY_HUB_PER_POLL,
        log_events: LOG_EVENTS_PER_POLL,
    };
    /// A headless sweep's polls.
    pub const SWEEP: PerPoll = PerPoll {
        guardduty: SWEEP_FINDINGS_PER_POLL,
        security_hub: SWEEP_FINDINGS_PER_POLL,
        log_events: SWEEP_EVENTS_PER_POLL,
    };
}

/// How a source reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// A headless sweep: what is there when it starts, each poll going on from where the last
    /// stopped until AWS has no more, with no news after the first poll. Otherwise live: news
    /// first at every poll, a backlog over the next ones.
    pub sweep: bool,
    pub per_poll: PerPoll,
}

impl Reading {
    pub const LIVE: Reading = Reading {
        sweep: false,
        per_poll: PerPoll::LIVE,
    };
    pub const SWEEP: Reading = Reading {
        sweep: true,
        per_poll: PerPoll::SWEEP,
    };
}

impl Default for Reading {
    fn default() -> Self {
        Reading::LIVE
    }
}

/// Largest raw record the disk store reads back (bytes of text). AWS caps an ASFF finding at
/// 240 KB; a larger length in the store is damage, refused before anything is allocated.
pub const STORED_RECORD_BYTES: u32 = 16 * 1024 * 1024;
