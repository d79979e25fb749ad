//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cli::headless::SourceChoice;
pub use crate::cli::output::Format as OutputFormat;
use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "picket",
    version,
    about = "Keyboard-first terminal UI for live AWS security monitoring and triage"
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,

    /// Run on the embedded demo organization (offline, simulated, live).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Seed of the demo organization: the same seed gives the same organization.
    #[arg(long, global = true, value_name = "N")]
    pub seed: Option<u64>,

    #[command(subcommand)]
    pub command: Option<CommandLine>,
}

#[derive(Debug, Args)]
pub struct Common {
    /// Config file (default: $PICKET_CONFIG, else ~/.config/picket/config.toml).
    #[arg(long, global = true, value_name = "PATH", env = "PICKET_CONFIG")]
    pub config: Option<PathBuf>,

    /// Theme: default, light, high-contrast, colorblind, mono, or a user theme.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// Initial filter, in the filter language (see README).
    #[arg(long, global = true, value_name = "QUERY")]
    pub filter: Option<String>,

    /// AWS profile (default: AWS_PROFILE, else the default profile).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Region to watch; repeat or separate with commas; `all` for every commercial region.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Vec<String>,

    /// Send AWS requests here (moto, LocalStack); AWS_ENDPOINT_URL works too.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Make no changes in AWS: action keys disappear and the executor refuses them.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// The disk store (default: store/<profile>.sqlite in the platform state directory; with
    /// --demo, store/demo-<seed>.sqlite).
    #[arg(long, global = true, value_name = "PATH", env = "PICKET_STORE")]
    pub store: Option<PathBuf>,

    /// Keep nothing on disk: every start reads everything again, and nothing is remembered.
    #[arg(long, global = true, conflicts_with = "store")]
    pub no_store: bool,

    /// No bell, desktop notification or title count for new findings matching [alerts] filter.
    #[arg(long, global = true)]
    pub no_alerts: bool,

    /// Presenter mode: account ids and names, OUs, addresses, principals, e-mail, buckets and
    /// hosts shown as stable stand-ins (acct-C, 192.0.2.7) on screen, in copies and output.
    #[arg(long, global = true)]
    pub present: bool,

    /// Print AWS's own words under each failure, after picket's line with the fix.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum CommandLine {
    /// Print findings (one sweep, or exported files with --open) and exit.
    #[command(after_long_help = crate::cli::headless::EXIT_HELP)]
    Findings(FindingsArgs),
    /// Print log events (CloudTrail files with --open) and exit.
    #[command(after_long_help = crate::cli::headless::EXIT_HELP)]
    Logs(LogsArgs),
    /// Triage exported findings and CloudTrail files in the TUI.
    Open {
        /// Files: GuardDuty/Security Hub exports, EventBridge events, OCSF, CloudTrail (.gz too).
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Draw one screen of the app headless and print it.
    Render(RenderArgs),
    /// Check credentials, role assumption, permissions and services for every account and
    /// region; exit 0 when all pass, 1 otherwise.
    Doctor {
        #[arg(long, value_enum, default_value = "table")]
        format: DoctorFormat,
    },
    /// The shift for the next responder: the findings (grouped as incidents), their notes and
    /// dispositions, the actions journaled with their outcomes; Markdown or JSON.
    Handoff(HandoffArgs),
    /// List the audit journal of response actions, verify it, repair what a crash left.
    #[command(after_long_help = AUDIT_HELP)]
    Audit(AuditArgs),
    /// The disk store of findings, source marks and what was seen: its size and state,
    /// compacting it, emptying it.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// The event feed (EventBridge → SQS): create it, or print it as CloudFormation.
    Feed {
        #[command(subcommand)]
        action: FeedAction,
    },
    /// Show or check the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print a shell completion script: `picket completions bash > ~/.local/share/bash-completion/completions/picket`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `picket man > ~/.local/share/man/man1/picket.1`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum FeedAction {
    /// Create the SQS queue (encrypted, writable only by the rules) and the EventBridge rules
    /// for GuardDuty and Security Hub finding events, in every region watched; asks first and
    /// journals what it did. Prints the [feed] queue_url to put in the config.
    Setup {
        /// The queue's name (rules are named after it).
        #[arg(long, default_value = crate::aws::feed_setup::DEFAULT_QUEUE)]
        queue: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Print the same resources as a CloudFormation template, for infrastructure as code.
    Template {
        #[arg(long, default_value = crate::aws::feed_setup::DEFAULT_QUEUE)]
        queue: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreAction {
    /// Where the store is, how big, how many findings, each source's mark.
    Info,
    /// Give back the space of replaced findings (rewrites the file).
    Vacuum,
    /// Forget every finding, mark and seen flag (asks first).
    Reset {
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
}

/// Writes the completion script for `shell`, generated from these definitions.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "picket", out);
}

/// Writes the man page, generated from these definitions (the same text as `--help`).
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(out)
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only records this recent: 90m, 24h, 7d, 1h30m.
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,
    /// Check the chain, every record's MAC and the head; exit 1 naming the first sign of
    /// tampering (see below).
    #[arg(long, conflicts_with = "repair")]
    pub verify: bool,
    /// Set right what a crash left: move a torn last line to a file beside the journal,
    /// re-anchor a head one record behind; the repair is a record of its own.
    #[arg(long)]
    pub repair: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: DoctorFormat,
    /// The journal file (default: journal.jsonl in the platform state directory; with --demo,
    /// journal-demo.jsonl beside it).
    #[arg(long, value_name = "PATH", env = "PICKET_JOURNAL")]
    pub journal: Option<PathBuf>,
    /// The key the journal is signed with (default: journal.key in the platform config
    /// directory).
    #[arg(long, value_name = "PATH", env = "PICKET_JOURNAL_KEY")]
    pub key: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct HandoffArgs {
    /// The window: findings seen and actions journaled this recently (90m, 8h, 1d).
    #[arg(long, value_name = "AGE", default_value = "8h")]
    pub since: String,
    /// Only the findings this filter keeps (the filter language; default: open ones).
    #[arg(long, value_name = "QUERY", default_value = "status:new,notified")]
    pub filter: String,
    /// How to group them: sequence, resource, principal, type or account.
    #[arg(long, value_name = "KEY", default_value = "sequence")]
    pub group: String,
    #[arg(long, value_enum, default_value = "md")]
    pub format: HandoffFormat,
    /// The journal file (default as for `picket audit`).
    #[arg(long, value_name = "PATH", env = "PICKET_JOURNAL")]
    pub journal: Option<PathBuf>,
    /// The journal's key (default as for `picket audit`).
    #[arg(long, value_name = "PATH", env = "PICKET_JOURNAL_KEY")]
    pub key: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum HandoffFormat {
    /// Markdown, for a ticket or a chat.
    Md,
    /// JSON, for tools.
    Json,
}

/// What `picket audit --help` says about what verifying proves.
const AUDIT_HELP: &str = "\
What --verify proves:
  Each line is a record, in sequence, carrying the SHA-256 of the line before it and of itself,
  and an HMAC-SHA256 made with a key kept apart from the journal (journal.key in the config
  directory, created readable by its owner only). A head file beside the journal (journal.head)
  names the newest record under the same key. Without the key, nobody can edit, insert, delete
  or reorder a line, delete the newest records, rewrite the last record even with its hash
  recomputed, or forge the head, without --verify saying so.

What it cannot prove:
  - Whoever holds the key file and the journal can rewrite history and sign it anew.
  - Deleting the journal and its head together leaves nothing to check: only the absence shows.
  - Putting back an older copy of both journal and head (a rollback) verifies as intact.
  - Records written before picket signed records carry no MAC: the first signed record after
    them covers them through the chain; with none after them, only the chain protects them, and
    a rewrite of the whole file cannot be told from the original.
  - A record says what picket sent and what AWS answered, not what AWS did afterwards.

Exit status: 0 intact; 1 altered (a sign of tampering or corruption: keep the files as they are);
2 usage; 3 what a crash leaves (a torn last line, a head one record behind: run --repair);
4 it cannot be checked (the key is missing or unreadable).";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DoctorFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// Read these files instead of AWS.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub open: Vec<PathBuf>,

    #[arg(long, value_enum, default_value = "all")]
    pub source: SourceChoice,

    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,

    /// Print the records as AWS delivered them instead of picket's unified model.
    #[arg(long)]
    pub raw: bool,

    /// Print N findings at most; the output is then incomplete (exit 4) if there were more.
    /// jsonl stops reading at N, the sorted formats print their first N (see --help).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// CloudTrail files (or any file picket reads) instead of AWS.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub open: Vec<PathBuf>,

    /// Log group to read (repeatable; default: [logs] cloudtrail_groups, else those starting
    /// with discover_prefix).
    #[arg(long = "group", value_name = "NAME")]
    pub groups: Vec<String>,

    /// How far back: 90m, 1h, 7d, 1h30m (default 1h from AWS; everything in files).
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,

    /// A CloudWatch Logs filter pattern, applied by AWS and again by picket.
    #[arg(long, value_name = "PATTERN", conflicts_with = "detect")]
    pub filter_pattern: Option<String>,

    /// Only records a CIS detection flags: a name (root-usage…) or `all`.
    #[arg(long, value_name = "NAME")]
    pub detect: Option<String>,

    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,

    /// Print N events at most; the output is then incomplete (exit 4) if there were more.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Terminal size, COLUMNSxROWS.
    #[arg(long, default_value = "120x40", value_parser = parse_size)]
    pub size: (u16, u16),

    /// Keys to press first, named like tmux send-keys and separated by spaces: "/ sev>=high Enter
    /// Down"; `Space` types a space ("/ sev>=high Space -type:Policy* Enter").
    #[arg(long, default_value = "")]
    pub keys: String,

    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// The frozen clock (RFC 3339).
    #[arg(long, default_value = crate::render::DEFAULT_NOW)]
    pub now: jiff::Timestamp,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the full default config, with comments.
    Default,
    /// Print where the config file is read from.
    Path,
    /// Check the config file and report the first problem.
    Check,
}

fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{text}' is not COLUMNSxROWS, as in 120x40"))?;
    let w: u16 = w
        .trim()
        .parse()
        .map_err(|_| format!("'{w}' is not a number of columns"))?;
    let h: u16 = h
        .trim()
        .parse()
        .map_err(|_| format!("'{h}' is not a number of rows"))?;
    if !(20..=1000).contains(&w) || !(5..=500).contains(&h) {
        return Err("size must be between 20x5 and 1000x500".into());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("120x40"), Ok((120, 40)));
        assert!(parse_size("120").is_err());
        assert!(parse_size("5x5").is_err());
        assert!(parse_size("axb").is_err());
    }
}
