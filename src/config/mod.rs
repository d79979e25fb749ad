//! The config file: every key optional, unknown keys rejected, and every mistake reported with
//! the file, line and column before the terminal is touched.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::app::{Keymap, Mode, SavedView};
use crate::query::Query;
use crate::store::SortKey;
use crate::theme::ThemeSet;

pub mod edit;
pub mod live;

pub use live::{ConfigFile, Overrides};

/// The full default config with comments, printed by `picket config default`.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// Largest log buffer accepted (events).
const MAX_LOG_BUFFER: usize = crate::limits::LOG_BUFFER_MAX;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    #[default]
    Utc,
    Local,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub theme: Option<Spanned<String>>,
    pub clock: Clock,
    /// AWS profile (`--profile` wins; the SDK's own chain when neither is set).
    pub profile: Option<String>,
    /// Regions to watch (`--region` wins; `all` for every commercial region).
    pub regions: Vec<String>,
    /// Make no changes in AWS (`--read-only` sets it too).
    pub read_only: bool,
    pub guardduty: GuardDutyConfig,
    pub securityhub: SecurityHubConfig,
    pub polling: PollingConfig,
    pub feed: FeedConfig,
    pub scope: ScopeConfig,
    pub sla: SlaConfig,
    pub alerts: AlertsConfig,
    pub org: crate::aws::org::OrgSettings,
    pub findings: FindingsConfig,
    pub logs: LogsConfig,
    pub demo: DemoConfig,
    pub files: FilesConfig,
    pub views: BTreeMap<String, ViewConfig>,
    pub keys: BTreeMap<Mode, BTreeMap<Spanned<String>, Spanned<String>>>,
    /// Containment playbooks offered in the action menu where they match.
    pub playbooks: Vec<crate::actions::playbook::Playbook>,
}

/// How long a finding of each severity may stay open: an age (`4h`, `7d`) or `none`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaConfig {
    pub critical: Option<Spanned<String>>,
    pub high: Option<Spanned<String>>,
    pub medium: Option<Spanned<String>>,
    pub low: Option<Spanned<String>>,
    pub informational: Option<Spanned<String>>,
}

/// A bell, a desktop notification and a title count for new findings that matter.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// In the filter language; empty turns alerts off.
    pub filter: Spanned<String>,
    /// `HH:MM-HH:MM` (the clock's time zone): no bell nor notification then.
    pub quiet: Option<Spanned<String>>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            filter: Spanned::new(0..0, DEFAULT_ALERT_FILTER.to_string()),
            quiet: None,
        }
    }
}

/// What alerts by default: new high and critical findings.
pub const DEFAULT_ALERT_FILTER: &str = "sev>=high is:new";

/// Which findings picket reads at all.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScopeConfig {
    /// In the filter language, terms AWS can evaluate only ([`crate::store::scope`]).
    pub filter: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FindingsConfig {
    pub sort: SortKey,
    /// The filter in force at start.
    pub filter: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsConfig {
    pub buffer: Spanned<usize>,
    /// CloudTrail log groups to read; empty finds those starting with `discover_prefix`.
    pub cloudtrail_groups: Vec<String>,
    pub discover_prefix: String,
    /// CIS detections run on every CloudTrail record that arrives: names, `all`, or none.
    pub detect: Vec<String>,
    /// Stream with StartLiveTail; false polls FilterLogEvents.
    pub live_tail: bool,
}

impl Default for LogsConfig {
    fn default() -> Self {
        Self {
            buffer: Spanned::new(0..0, crate::app::logs::DEFAULT_CAPACITY),
            cloudtrail_groups: Vec::new(),
            discover_prefix: "aws-cloudtrail-logs".into(),
            detect: vec!["all".into()],
            live_tail: true,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuardDutyConfig {
    /// Show archived findings instead of the active queue.
    pub archived: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityHubConfig {
    pub api: crate::aws::securityhub::Api,
    /// Workflow states read: NEW, NOTIFIED, RESOLVED, SUPPRESSED.
    pub workflow_status: Vec<Spanned<String>>,
    /// Minutes between full re-reads of the active set.
    pub rescan_minutes: u64,
}

impl Default for SecurityHubConfig {
    fn default() -> Self {
        Self {
            api: crate::aws::securityhub::Api::Auto,
            workflow_status: vec![
                Spanned::new(0..0, "NEW".into()),
                Spanned::new(0..0, "NOTIFIED".into()),
            ],
            rescan_minutes: 10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollingConfig {
    pub findings_seconds: u64,
    pub logs_seconds: u64,
    /// AWS requests in flight at once, across every account, region and service.
    pub max_in_flight: usize,
    /// The share of each API's published rate picket uses.
    pub quota_share: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedConfig {
    /// The SQS queue (or queues, one per region) EventBridge delivers finding events to.
    pub queue_url: QueueUrls,
    /// With a feed: hours between full re-reads of the active findings.
    pub reconcile_hours: u64,
}

impl Default for FeedConfig {
    fn default() -> Self {
        Self {
            queue_url: QueueUrls::Many(Vec::new()),
            reconcile_hours: 24,
        }
    }
}

/// One queue URL, or a list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum QueueUrls {
    One(String),
    Many(Vec<String>),
}

impl QueueUrls {
    pub fn urls(&self) -> Vec<String> {
        match self {
            QueueUrls::One(url) => vec![url.clone()],
            QueueUrls::Many(urls) => urls.clone(),
        }
    }
}

impl Default for PollingConfig {
    fn default() -> Self {
        Self {
            findings_seconds: 60,
            logs_seconds: 5,
            max_in_flight: crate::aws::budget::DEFAULT_IN_FLIGHT,
            quota_share: crate::aws::budget::DEFAULT_QUOTA_SHARE,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    pub seed: u64,
    /// New findings arrive and old ones recur; `false` holds the organization still.
    pub live: bool,
    /// CloudTrail events a second in the demo's log stream (a busy organization's tail: up to
    /// 50,000).
    pub trail_per_second: u32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            live: true,
            trail_per_second: 2,
        }
    }
}

/// How much of a file `--open` reads (see [`crate::sources::file::Limits`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilesConfig {
    pub max_bytes: Spanned<u64>,
    pub max_decompressed_bytes: Spanned<u64>,
}

impl Default for FilesConfig {
    fn default() -> Self {
        let limits = crate::sources::file::Limits::DEFAULT;
        Self {
            max_bytes: Spanned::new(0..0, limits.max_bytes),
            max_decompressed_bytes: Spanned::new(0..0, limits.max_decompressed_bytes),
        }
    }
}

impl FilesConfig {
    pub fn limits(&self) -> crate::sources::file::Limits {
        crate::sources::file::Limits {
            max_bytes: *self.max_bytes.get_ref(),
            max_decompressed_bytes: *self.max_decompressed_bytes.get_ref(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewConfig {
    pub filter: Spanned<String>,
    #[serde(default)]
    pub sort: Option<SortKey>,
}

/// A config problem, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a place.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    /// One line, safe for a terminal: the message quotes the file, which can hold anything.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = match self.position {
            Some((line, column)) => {
                format!("{}:{line}:{column}: {}", self.path.display(), self.message)
            }
            None => format!("{}: {}", self.path.display(), self.message),
        };
        f.write_str(&crate::model::text::clean_line(
            &line,
            crate::model::text::MAX_LINE_CHARS,
        ))
    }
}

impl std::error::Error for ConfigError {}

/// 1-based (line, column) of a byte offset, counting columns in characters. An offset inside a
/// character counts as that character's start.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Where byte `offset` of a string's value lies in the file. The value is found in its source
/// (`"…"`, `'…'`, `"""…"""`) when written without escapes; with escapes, offsets in the value no
/// longer match the source, so the string's start is the place.
fn offset_in_source(text: &str, span: Range<usize>, value: &str, offset: usize) -> usize {
    text.get(span.clone())
        .and_then(|source| source.find(value))
        .map_or(span.start, |at| span.start + at + offset.min(value.len()))
}

/// Where the config is read from: `--config`, then `PICKET_CONFIG`, then the platform config
/// directory. The flag says whether the file was asked for (a missing one is then an error).
pub fn locate(flag: Option<&Path>, env: Option<&str>) -> Option<(PathBuf, bool)> {
    if let Some(path) = flag {
        return Some((path.to_path_buf(), true));
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(path), true));
    }
    config_dir().map(|dir| (dir.join("config.toml"), false))
}

/// `~/.config/picket` on Linux, the platform's equivalent elsewhere.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "picket").map(|d| d.config_dir().to_path_buf())
}

/// The config, its options resolved and checked.
pub struct Loaded {
    pub config: Config,
    pub keymap: Keymap,
    pub views: BTreeMap<String, SavedView>,
    /// `[scope] filter`, translated for AWS.
    pub scope: Option<std::sync::Arc<crate::store::scope::Scope>>,
    /// `[sla]`, over the defaults.
    pub sla: crate::model::sla::Sla,
    /// `[alerts]`, checked.
    pub alerts: crate::app::alerts::AlertOptions,
    /// The file as TOML: what `:reload` compares to see what changed.
    pub table: toml::Table,
}

impl Config {
    /// Reads the config at `path`; a missing file that was not asked for gives the defaults.
    pub fn load(path: &Path, required: bool, themes: &ThemeSet) -> Result<Loaded, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => String::new(),
            Err(e) => {
                return Err(ConfigError {
                    path: path.to_path_buf(),
                    position: None,
                    message: format!("cannot read: {e}"),
                });
            }
        };
        Self::parse(&text, path, themes)
    }

    pub fn parse(text: &str, path: &Path, themes: &ThemeSet) -> Result<Loaded, ConfigError> {
        let error = |span: Option<Range<usize>>, message: String| ConfigError {
            path: path.to_path_buf(),
            position: span.map(|s| position(text, s.start)),
            message,
        };
        let config: Config =
            toml::from_str(text).map_err(|e| error(e.span(), e.message().trim().to_string()))?;

        if let Some(theme) = &config.theme
            && themes.get(theme.get_ref()).is_none()
        {
            let names: Vec<_> = themes.names().collect();
            return Err(error(
                Some(theme.span()),
                format!(
                    "unknown theme '{}'; expected one of {}",
                    theme.get_ref(),
                    names.join(", ")
                ),
            ));
        }
        for status in &config.securityhub.workflow_status {
            if crate::model::Workflow::parse(status.get_ref()).is_none() {
                return Err(error(
                    Some(status.span()),
                    format!(
                        "unknown workflow status '{}'; expected NEW, NOTIFIED, RESOLVED or SUPPRESSED",
                        status.get_ref()
                    ),
                ));
            }
        }
        if config.polling.findings_seconds == 0 || config.polling.logs_seconds == 0 {
            return Err(error(
                None,
                "polling intervals must be at least 1 second".into(),
            ));
        }
        let share = config.polling.quota_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(error(
                None,
                format!(
                    "polling.quota_share must be above 0 and at most 1 (a share of each API's rate), not {share}"
                ),
            ));
        }
        if config.feed.reconcile_hours == 0 {
            return Err(error(
                None,
                "feed.reconcile_hours must be at least 1".into(),
            ));
        }
        for url in config.feed.queue_url.urls() {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(error(
                    None,
                    format!(
                        "feed.queue_url: '{url}' is not a queue URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)"
                    ),
                ));
            }
        }
        if config.polling.max_in_flight == 0 {
            return Err(error(
                None,
                "polling.max_in_flight must be at least 1".into(),
            ));
        }
        if config.org.mode == crate::aws::org::Mode::Accounts && config.org.accounts.is_empty() {
            return Err(error(
                None,
                "org.mode = \"accounts\" needs [[org.accounts]] entries (profile or role_arn)"
                    .into(),
            ));
        }
        if let Some(entry) = config
            .org
            .accounts
            .iter()
            .find(|a| a.profile.is_some() == a.role_arn.is_some())
        {
            return Err(error(
                None,
                format!(
                    "org.accounts: '{}' needs exactly one of profile or role_arn",
                    entry.label()
                ),
            ));
        }
        if let Err(e) = crate::aws::expand_regions(&config.regions) {
            return Err(error(None, format!("regions: {e}")));
        }
        for limit in [
            &config.files.max_bytes,
            &config.files.max_decompressed_bytes,
        ] {
            if *limit.get_ref() == 0 {
                return Err(error(
                    Some(limit.span()),
                    "files limits are sizes in bytes, at least 1".into(),
                ));
            }
        }
        let buffer = *config.logs.buffer.get_ref();
        if buffer == 0 || buffer > MAX_LOG_BUFFER {
            return Err(error(
                Some(config.logs.buffer.span()),
                format!("logs.buffer must be between 1 and {MAX_LOG_BUFFER}"),
            ));
        }
        let check_filter = |filter: &Spanned<String>| -> Result<(), ConfigError> {
            Query::parse(filter.get_ref()).map(|_| ()).map_err(|e| {
                let start = offset_in_source(text, filter.span(), filter.get_ref(), e.span.start);
                error(Some(start..start), format!("bad filter: {}", e.message))
            })
        };
        if let Some(filter) = &config.findings.filter {
            check_filter(filter)?;
        }
        let mut views = BTreeMap::new();
        for (name, view) in &config.views {
            check_filter(&view.filter)?;
            views.insert(
                name.clone(),
                SavedView {
                    filter: view.filter.get_ref().clone(),
                    sort: view.sort,
                },
            );
        }
        crate::logs::detect::Detector::named(&config.logs.detect)
            .map_err(|e| error(None, format!("logs.detect: {e}")))?;
        for playbook in &config.playbooks {
            playbook
                .check()
                .map_err(|e| error(None, format!("playbooks: {e}")))?;
        }
        let mut keymap = Keymap::default();
        for (mode, bindings) in &config.keys {
            for (key, command) in bindings {
                keymap
                    .bind(*mode, key.get_ref(), command.get_ref())
                    .map_err(|e| {
                        let span = match e {
                            crate::app::keymap::BindingError::UnknownCommand(_) => command.span(),
                            _ => key.span(),
                        };
                        error(Some(span), e.to_string())
                    })?;
            }
        }
        let scope = match &config.scope.filter {
            Some(filter) if !filter.get_ref().trim().is_empty() => Some(std::sync::Arc::new(
                crate::store::scope::Scope::parse(filter.get_ref())
                    .map_err(|e| error(Some(filter.span()), format!("scope.filter: {e}")))?,
            )),
            _ => None,
        };
        let mut sla = crate::model::sla::Sla::default();
        for (label, value) in [
            (crate::model::SeverityLabel::Critical, &config.sla.critical),
            (crate::model::SeverityLabel::High, &config.sla.high),
            (crate::model::SeverityLabel::Medium, &config.sla.medium),
            (crate::model::SeverityLabel::Low, &config.sla.low),
            (
                crate::model::SeverityLabel::Informational,
                &config.sla.informational,
            ),
        ] {
            let Some(value) = value else { continue };
            let text = value.get_ref().trim();
            let seconds = if text.eq_ignore_ascii_case("none") {
                None
            } else {
                let age = crate::model::age::parse(text).map_err(|e| {
                    error(
                        Some(value.span()),
                        format!("sla.{}: {e}, or \"none\"", label.as_str().to_lowercase()),
                    )
                })?;
                Some(age.as_secs())
            };
            sla = sla.with_target(label, seconds);
        }
        let alert_filter = config.alerts.filter.get_ref().trim();
        let alerts = crate::app::alerts::AlertOptions {
            filter: if alert_filter.is_empty() {
                None
            } else {
                Some(Query::parse(alert_filter).map_err(|e| {
                    error(
                        Some(config.alerts.filter.span()),
                        format!("alerts.filter: {e}"),
                    )
                })?)
            },
            quiet: match &config.alerts.quiet {
                Some(quiet) => Some(
                    crate::app::alerts::Quiet::parse(quiet.get_ref())
                        .map_err(|e| error(Some(quiet.span()), format!("alerts.quiet: {e}")))?,
                ),
                None => None,
            },
        };
        Ok(Loaded {
            config,
            keymap,
            views,
            scope,
            sla,
            alerts,
            // It parsed as a config just above.
            table: toml::from_str(text).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Loaded, ConfigError> {
        Config::parse(text, Path::new("config.toml"), &ThemeSet::builtin())
    }

    fn error(text: &str) -> ConfigError {
        match parse(text) {
            Ok(_) => panic!("{text:?} was accepted"),
            Err(e) => e,
        }
    }

    #[test]
    fn the_shipped_default_is_the_default() {
        let loaded = parse(DEFAULT_TOML).unwrap_or_else(|e| panic!("default config: {e}"));
        let empty = parse("").expect("empty config");
        assert_eq!(loaded.config.clock, empty.config.clock);
        assert_eq!(loaded.config.findings.sort, empty.config.findings.sort);
        assert_eq!(
            loaded.config.logs.buffer.get_ref(),
            empty.config.logs.buffer.get_ref()
        );
        assert_eq!(loaded.config.demo.seed, empty.config.demo.seed);
        assert_eq!(loaded.config.demo.live, empty.config.demo.live);
        assert_eq!(
            loaded.config.files.limits(),
            crate::sources::file::Limits::DEFAULT
        );
        assert_eq!(
            loaded.config.theme.as_ref().map(|t| t.get_ref().as_str()),
            Some("default")
        );
    }

    #[test]
    fn a_full_config_applies() {
        let loaded = parse(
            r#"
theme = "mono"
clock = "local"
[findings]
sort = "last-seen"
filter = "sev>=medium"
[logs]
buffer = 500
[views.crit-prod]
filter = "sev>=high is:prod"
sort = "account"
[keys.findings]
"ctrl-d" = "page_down"
"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.config.clock, Clock::Local);
        assert_eq!(loaded.config.findings.sort, SortKey::LastSeen);
        assert_eq!(loaded.views["crit-prod"].sort, Some(SortKey::Account));
        assert_eq!(
            loaded
                .keymap
                .resolve(Mode::Findings, crate::app::Key::ctrl('d')),
            Some(crate::app::Command::PageDown)
        );
    }

    #[test]
    fn mistakes_name_the_line_column_and_what_was_expected() {
        let e = error("theme = \"default\"\nthme = \"x\"\n");
        assert_eq!(e.position, Some((2, 1)));
        assert!(e.message.contains("unknown field `thme`"), "{}", e.message);
        assert!(e.to_string().starts_with("config.toml:2:1: "));

        let e = error("[findings]\nsort = \"colour\"\n");
        assert_eq!(e.position.map(|p| p.0), Some(2));
        assert!(
            e.message.contains("unknown variant `colour`"),
            "{}",
            e.message
        );

        let e = error("[views.x]\nfilter = \"sev>=hgih\"\n");
        assert_eq!(e.position, Some((2, 16)), "{e}");
        assert!(e.message.contains("unknown severity"));

        let e = error("theme = \"neon\"");
        assert!(e.message.contains("unknown theme 'neon'"));
        assert!(e.message.contains("high-contrast"));

        let e = error("[keys.findings]\nx = \"explode\"\n");
        assert_eq!(e.position, Some((2, 5)));
        let e = error("[keys.sideways]\nx = \"quit\"\n");
        assert!(
            e.message.contains("unknown variant `sideways`"),
            "{}",
            e.message
        );
        let e = error("[logs]\nbuffer = 0\n");
        assert!(e.message.contains("between 1 and"));
        let e = error("[logs]\nbuffer = \"lots\"\n");
        assert!(e.message.contains("invalid type"), "{}", e.message);
        let e = error("theme = ");
        assert_eq!(e.position.map(|p| p.0), Some(1));
        let e = error("[views.y]\nsort = \"type\"\n");
        assert!(
            e.message.contains("missing field `filter`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_scope_is_translated_once_and_a_term_aws_cannot_evaluate_is_refused() {
        let loaded = parse("[scope]\nfilter = \"-product:Inspector sev>=medium\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.scope.map(|s| s.clauses.len()), Some(2));
        assert!(
            parse("[scope]\nfilter = \" \"\n")
                .expect("blank")
                .scope
                .is_none()
        );
        let e = error("[scope]\nfilter = \"sev>=high ou:Prod\"\n");
        assert_eq!(e.position.map(|p| p.0), Some(2));
        assert!(e.message.contains("scope.filter: `ou:Prod`"), "{e}");
    }

    #[test]
    fn sla_targets_override_the_defaults_and_a_bad_one_is_located() {
        use crate::model::SeverityLabel;
        let loaded = parse("[sla]\ncritical = \"2h\"\ninformational = \"none\"\nlow = \"none\"\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.sla.target(SeverityLabel::Critical), Some(7200));
        assert_eq!(
            loaded.sla.target(SeverityLabel::High),
            Some(86_400),
            "the default"
        );
        assert_eq!(loaded.sla.target(SeverityLabel::Low), None);
        let e = error("[sla]\nhigh = \"soon\"\n");
        assert_eq!(e.position.map(|p| p.0), Some(2));
        assert!(e.message.contains("sla.high"), "{e}");
    }

    #[test]
    fn alerts_default_on_turn_off_with_an_empty_filter_and_refuse_bad_values() {
        let default = parse("").expect("empty config");
        assert!(default.alerts.filter.is_some(), "on by default");
        assert!(
            parse("[alerts]\nfilter = \"\"\n")
                .expect("off")
                .alerts
                .filter
                .is_none()
        );
        let quiet = parse("[alerts]\nquiet = \"22:00-07:00\"\n").expect("quiet");
        assert!(quiet.alerts.quiet.is_some_and(|q| q.contains(23 * 60)));
        let e = error("[alerts]\nfilter = \"sev>=\"\n");
        assert!(e.message.contains("alerts.filter"), "{e}");
        let e = error("[alerts]\nquiet = \"late\"\n");
        assert_eq!(e.position.map(|p| p.0), Some(2));
        assert!(e.message.contains("alerts.quiet"), "{e}");
    }

    #[test]
    fn file_limits_are_sizes_in_bytes() {
        let loaded = parse("[files]\nmax_bytes = 1024\nmax_decompressed_bytes = 4096\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            loaded.config.files.limits(),
            crate::sources::file::Limits {
                max_bytes: 1024,
                max_decompressed_bytes: 4096
            }
        );
        let e = error("[files]\nmax_bytes = 0\n");
        assert_eq!(e.position, Some((2, 13)));
        assert!(e.message.contains("at least 1"), "{e}");
        assert!(
            error("[files]\nmax_bytes = -1\n")
                .message
                .contains("invalid value")
        );
        assert!(
            error("[files]\nmax_byte = 1\n")
                .message
                .contains("unknown field")
        );
    }

    #[test]
    fn a_filter_error_inside_escapes_and_wide_characters_is_located_safely() {
        // The error's offset is in the decoded value ("A€€€ colour:red"); in the source, the
        // escape makes it land inside a '€'. The place is then the string's start.
        let e = error("[views.x]\nfilter = \"\\u0041€€€ colour:red\"\n");
        assert_eq!(e.position, Some((2, 10)), "{e}");
        assert!(e.message.contains("unknown field 'colour'"), "{e}");
        // Without escapes the offending term is pointed at, in any kind of string.
        assert_eq!(
            error("[views.x]\nfilter = 'é sev>=hgih'\n").position,
            Some((2, 18))
        );
        assert_eq!(
            error("[views.x]\nfilter = '''sev>=hgih'''\n").position,
            Some((2, 18))
        );
        assert_eq!(position("a€b", 2), (1, 2), "inside '€': its start");
        assert_eq!(position("a€b", 99), (1, 4));
    }

    #[test]
    fn errors_quoting_the_file_cannot_drive_the_terminal() {
        let e = error("[findings]\nsort = \"\\u001b]0;owned\\u0007\"\n");
        let shown = e.to_string();
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
        assert!(shown.contains("␛]0;owned␇"), "{shown}");
        let e = error("[views.x]\nfilter = \"sev>=\\u202ehigh\"\n");
        assert!(!e.to_string().contains('\u{202e}'), "{e}");
    }

    #[test]
    fn missing_files() {
        let themes = ThemeSet::builtin();
        let missing = Path::new("/nonexistent/picket/config.toml");
        assert!(
            Config::load(missing, false, &themes).is_ok(),
            "an absent default file means defaults"
        );
        let e = Config::load(missing, true, &themes)
            .err()
            .expect("a file asked for must exist");
        assert!(e.message.contains("cannot read"));
    }

    #[test]
    fn locate_prefers_flag_then_environment() {
        assert_eq!(
            locate(Some(Path::new("/a.toml")), Some("/b.toml")),
            Some((PathBuf::from("/a.toml"), true))
        );
        assert_eq!(
            locate(None, Some("/b.toml")),
            Some((PathBuf::from("/b.toml"), true))
        );
        assert!(locate(None, Some("")).is_none_or(|(_, required)| !required));
    }
}
