//! Start-up: config, themes and flags resolved into app options, before the terminal is touched.

use std::path::PathBuf;

use crate::app::Options;
use crate::cli::args::Common;
use crate::config::live::live_options;
use crate::config::{self, ConfigFile, Overrides};
use crate::query::Query;
use crate::theme::{ColorDepth, ThemeSet};

#[derive(Clone)]
pub struct Launch {
    pub options: Options,
    /// How to reach AWS, when picket watches it.
    pub aws: crate::aws::plan::Settings,
    pub seed: u64,
    /// No changes in AWS (`--read-only`, `read_only = true`).
    pub read_only: bool,
    /// The demo organization moves (`[demo] live`).
    pub demo_live: bool,
    /// The demo's CloudTrail events a second (`[demo] trail_per_second`).
    pub demo_trail_rate: u32,
    /// How much of a file `--open` reads (`[files]`).
    pub files: crate::sources::file::Limits,
    /// `--store`, or None for the default place; `--no-store`.
    pub store: Option<PathBuf>,
    pub no_store: bool,
    /// `--verbose`: AWS's own words under each failure in the headless commands.
    pub verbose: bool,
    /// The config file, for `:reload` and `:view save`.
    pub config: ConfigFile,
}

impl Launch {
    /// The same launch on another AWS profile (`:profile NAME`): its credentials, its
    /// region where none was named, its disk store; what was said at start is not said again.
    pub fn on_profile(mut self, profile: String) -> Launch {
        self.aws.target.profile = Some(profile.clone());
        self.options.profile = Some(profile);
        self.options.warnings.clear();
        // A store named on the command line belongs to the profile it was named with.
        self.store = None;
        self
    }

    /// The disk store this run keeps: the one named, else one per profile (and endpoint, so a
    /// moto or LocalStack run never mixes with the real account's), else the demo's own.
    pub fn store_path(&self, demo: bool) -> Option<PathBuf> {
        if self.no_store {
            return None;
        }
        if let Some(path) = &self.store {
            return Some(path.clone());
        }
        let name = if demo {
            format!("demo-{}", self.seed)
        } else {
            let target = &self.aws.target;
            let profile = target
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
                .unwrap_or_else(|| "default".into());
            let endpoint = target.endpoint_url.clone().or_else(|| {
                std::env::var("AWS_ENDPOINT_URL")
                    .ok()
                    .filter(|e| !e.is_empty())
            });
            match endpoint {
                Some(url) => format!("{profile}@{}", url.split("://").last().unwrap_or(&url)),
                None => profile,
            }
        };
        crate::store::disk::default_path(&name)
    }
}

/// The environment variables start-up reads, passed in so tests need not touch the process.
pub struct Env {
    pub no_color: bool,
    pub colorterm: Option<String>,
    pub term: Option<String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            // NO_COLOR applies when set to anything non-empty (no-color.org).
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            colorterm: std::env::var("COLORTERM").ok(),
            term: std::env::var("TERM").ok(),
        }
    }
}

/// The themes (built-in, then the user's, with a warning per broken file) and the config.
fn load_config(
    common: &Common,
) -> Result<(ConfigFile, ThemeSet, Vec<String>, config::Loaded), String> {
    let file = ConfigFile::locate(common.config.as_deref());
    let (loaded, themes, warnings) = file.load()?;
    Ok((file, themes, warnings, loaded))
}

/// What `picket findings --open` and `picket logs --open` need of the config: the file limits.
pub fn file_limits(common: &Common) -> Result<crate::sources::file::Limits, String> {
    let (_, _, _, loaded) = load_config(common)?;
    Ok(loaded.config.files.limits())
}

/// Resolves everything; an error is a sentence for stderr, and picket exits without drawing.
pub fn prepare(common: &Common, seed: Option<u64>, env: &Env) -> Result<Launch, String> {
    let (mut file, themes, warnings, loaded) = load_config(common)?;
    let config = &loaded.config;
    file.overrides = Overrides {
        theme: common.theme.clone(),
        no_color: env.no_color,
        no_alerts: common.no_alerts,
        read_only: common.read_only || config.read_only,
    };
    file.started = loaded.table.clone();
    // What `:reload` can change later is resolved the way it will be then.
    let live = live_options(&loaded, themes, warnings, &file.overrides)?;
    let filter = match &common.filter {
        Some(filter) => {
            Query::parse(filter).map_err(|e| format!("--filter: {e}"))?;
            filter.clone()
        }
        None => config
            .findings
            .filter
            .as_ref()
            .map(|f| f.get_ref().clone())
            .unwrap_or_default(),
    };
    let read_only = file.overrides.read_only;
    // The groups the analyst chose last time for this profile, else the configured ones.
    let profile = common.profile.clone().or_else(|| config.profile.clone());
    let remembered = crate::sources::groups::default_path()
        .map(|path| crate::sources::groups::remembered(&path, profile.as_deref()))
        .unwrap_or_default();
    let log_groups = if remembered.is_empty() {
        config.logs.cloudtrail_groups.clone()
    } else {
        remembered
    };
    let options = Options {
        keymap: live.keymap,
        views: live.views,
        themes: live.themes,
        theme: live.theme,
        color_depth: ColorDepth::detect(
            env.no_color,
            env.colorterm.as_deref(),
            env.term.as_deref(),
        ),
        sort: config.findings.sort,
        filter,
        log_capacity: *config.logs.buffer.get_ref(),
        time_zone: live.time_zone,
        warnings: live.warnings,
        org_label: String::new(),
        profile: common.profile.clone().or_else(|| config.profile.clone()),
        playbooks: live.playbooks,
        log_groups: log_groups.clone(),
        detect: live.detect,
        scope: loaded.scope.clone(),
        sla: live.sla,
        alerts: live.alerts,
        present: common.present,
        profiles: None,
        // Read from the journal where the run's executor is made (the TUI's).
        history: Default::default(),
    };
    let regions = if common.region.is_empty() {
        &config.regions
    } else {
        &common.region
    };
    let regions = crate::aws::expand_regions(regions).map_err(|e| format!("--region: {e}"))?;
    // Said once at start, on the overview: read all the same.
    let mut options = options;
    options
        .warnings
        .extend(crate::aws::unknown_regions(&regions));
    let aws = crate::aws::plan::Settings {
        target: crate::aws::Target {
            profile: common.profile.clone().or_else(|| config.profile.clone()),
            regions,
            endpoint_url: common.endpoint_url.clone(),
            no_retries: false,
        },
        guardduty_archived: config.guardduty.archived,
        securityhub_api: config.securityhub.api,
        workflow: config
            .securityhub
            .workflow_status
            .iter()
            .filter_map(|s| crate::model::Workflow::parse(s.get_ref()))
            .collect(),
        rescan: std::time::Duration::from_secs(config.securityhub.rescan_minutes.max(1) * 60),
        findings_every: std::time::Duration::from_secs(config.polling.findings_seconds),
        logs_every: std::time::Duration::from_secs(config.polling.logs_seconds),
        log_groups,
        logs_window: None,
        live_tail: config.logs.live_tail,
        discover_prefix: config.logs.discover_prefix.clone(),
        max_in_flight: config.polling.max_in_flight,
        org: config.org.clone(),
        reading: crate::limits::Reading::LIVE,
        scale: crate::aws::plan::Scale {
            feed: config.feed.queue_url.urls(),
            reconcile: std::time::Duration::from_secs(config.feed.reconcile_hours * 3600),
            quota_share: config.polling.quota_share,
            scope: loaded.scope.clone(),
        },
    };
    Ok(Launch {
        options,
        aws,
        seed: seed.unwrap_or(config.demo.seed),
        read_only,
        demo_live: config.demo.live,
        demo_trail_rate: config.demo.trail_per_second,
        files: config.files.limits(),
        store: common.store.clone(),
        no_store: common.no_store,
        verbose: common.verbose,
        config: file,
    })
}
