//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::headless::SourceChoice;
pub use crate::output::Format as OutputFormat;
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
}

#[derive(Debug, Subcommand)]
pub enum CommandLine {
    /// Print findings (one sweep, or exported files with --open) and exit.
    Findings(FindingsArgs),
    /// Print log events (CloudTrail files with --open) and exit.
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
    /// List the audit journal of response actions, and verify its hash chain.
    Audit(AuditArgs),
    /// Show or check the configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only records this recent: 90m, 24h, 7d, 1h30m.
    #[arg(long, value_name = "AGE")]
    pub since: Option<String>,
    /// Check the hash chain; exit 1 naming the first broken line.
    #[arg(long)]
    pub verify: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: DoctorFormat,
    /// The journal file (default: journal.jsonl in the platform state directory).
    #[arg(long, value_name = "PATH", env = "PICKET_JOURNAL")]
    pub journal: Option<PathBuf>,
}

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
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Terminal size, COLUMNSxROWS.
    #[arg(long, default_value = "120x40", value_parser = parse_size)]
    pub size: (u16, u16),

    /// Keys to press first, named like tmux send-keys: "/ sev>=high Enter Down".
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
