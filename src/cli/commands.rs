//! The commands that print instead of drawing: `findings` and `logs` (live or from files),
//! `doctor`, `render`, `config`, `completions` and `man`.

use std::process::ExitCode;

use crate::aws::plan::{self, Services};
use crate::aws::setup;
use crate::cli::args::{Cli, ConfigAction, DoctorFormat, FindingsArgs, LogsArgs, RenderArgs};
use crate::cli::headless::{self, ALL_FAILED, EventFilter, SourceChoice};
use crate::cli::launch::{self, Launch};
use crate::cli::report::{USAGE, fail, finish, print, read_files, say, tokio_runtime};
use crate::config::{self, Config};
use crate::model::age;
use crate::theme::ThemeSet;

/// `picket findings`: one sweep of live AWS, or the findings of exported files.
pub fn findings(
    cli: &Cli,
    args: &FindingsArgs,
    launch: impl FnOnce() -> Result<Launch, String>,
) -> ExitCode {
    let options = headless::FindingsOptions {
        filter: cli.common.filter.clone().unwrap_or_default(),
        source: args.source,
        format: args.format,
        raw: args.raw,
        limit: args.limit,
        mask: crate::cli::present::mask(cli.common.present),
        verbose: cli.common.verbose,
    };
    if args.open.is_empty() {
        let launch = match launch() {
            Ok(launch) => launch,
            Err(e) => return fail(&e),
        };
        let services = Services {
            guardduty: args.source != SourceChoice::Securityhub,
            securityhub: args.source != SourceChoice::Guardduty,
            logs: false,
        };
        return live_findings(&launch, services, cli.demo, options);
    }
    let loaded = match launch::file_limits(&cli.common) {
        Ok(limits) => read_files(&args.open, &limits),
        Err(e) => return fail(&e),
    };
    if loaded.failed_files == args.open.len() {
        return ExitCode::from(ALL_FAILED);
    }
    if loaded.findings.is_empty() {
        // Records that were all unreadable, or all of the other kind, are not a success; an
        // export that holds no finding at all (an empty list) is, and says so.
        if !loaded.events.is_empty() {
            say(
                "the files hold CloudTrail records, not findings: `picket logs --open` prints them",
            );
            return ExitCode::from(ALL_FAILED);
        }
        if loaded.skipped > 0 {
            say(
                "no finding could be read from the files given (they hold no GuardDuty or Security Hub record)",
            );
            return ExitCode::from(ALL_FAILED);
        }
        say("the files given hold no finding");
    }
    let directory = crate::model::Directory::default();
    finish(headless::print_findings(
        loaded.findings,
        headless::Records::Each,
        &directory,
        &options,
    ))
}

/// One sweep of every source (of AWS, or of the launch's demo organization with `demo`), read to
/// its end and printed as it comes (jsonl) or at the end; exit 3 when none answered, 4 when
/// the output is incomplete.
fn live_findings(
    launch: &Launch,
    services: Services,
    demo: bool,
    options: headless::FindingsOptions,
) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let mut out = crate::cli::present::Output::new(
        std::io::BufWriter::new(stdout.lock()),
        options.mask.clone(),
    );
    let mut err = std::io::stderr();
    // The filter is checked before anything is asked of AWS.
    let mut sweep = match headless::FindingsSweep::new(&mut out, &mut err, options) {
        Ok(sweep) => sweep,
        Err(e) => return fail(&e),
    };
    let sources = if demo {
        demo_sources(launch.seed, crate::sources::Feed::Findings)
    } else {
        let mut settings = launch.aws.clone();
        settings.reading = crate::limits::Reading::SWEEP;
        match runtime.block_on(setup::build(&settings, services)) {
            Ok(built) => built.sources,
            Err(e) => return fail(&e),
        }
    };
    let everything = runtime.block_on(setup::sweep(sources, |batch| sweep.take(batch)));
    ExitCode::from(sweep.finish(everything))
}

/// The demo organization's sources for one headless sweep: its findings as they stand, or the
/// last hour of its CloudTrail stream.
fn demo_sources(seed: u64, feed: crate::sources::Feed) -> Vec<Box<dyn crate::sources::Source>> {
    use crate::sources::demo::{DemoFindings, DemoOrg, DemoTrail};
    let org = DemoOrg::new(seed);
    match feed {
        crate::sources::Feed::Findings => vec![Box::new(DemoFindings::new(org).frozen())],
        crate::sources::Feed::Logs => vec![Box::new(DemoTrail::new(org))],
    }
}

/// `picket logs`: the log groups of every account and region read once, or exported files.
pub fn logs(
    cli: &Cli,
    args: &LogsArgs,
    launch: impl FnOnce() -> Result<Launch, String>,
) -> ExitCode {
    let filter = match event_filter(args) {
        Ok(filter) => filter,
        Err(e) => return fail(&e),
    };
    if args.open.is_empty() {
        return match launch() {
            Ok(launch) => live_logs(launch, args, cli.demo, filter),
            Err(e) => fail(&e),
        };
    }
    let loaded = match launch::file_limits(&cli.common) {
        Ok(limits) => read_files(&args.open, &limits),
        Err(e) => return fail(&e),
    };
    if loaded.failed_files == args.open.len() {
        return ExitCode::from(ALL_FAILED);
    }
    if loaded.events.is_empty() {
        if !loaded.findings.is_empty() {
            say("the files hold findings, not log records: `picket findings --open` prints them");
            return ExitCode::from(ALL_FAILED);
        }
        if loaded.skipped > 0 {
            say("no log record could be read from the files given");
            return ExitCode::from(ALL_FAILED);
        }
        say("the files given hold no log record");
    }
    finish(headless::print_events(
        loaded.events,
        &filter,
        (args.format, args.limit),
        crate::cli::present::mask(cli.common.present),
    ))
}

/// What `picket logs` keeps, from its arguments; a bad pattern or name is a usage error.
fn event_filter(args: &LogsArgs) -> Result<EventFilter, String> {
    let since = match &args.since {
        Some(text) => Some(age::before(
            jiff::Timestamp::now(),
            age::parse(text).map_err(|e| format!("--since: {e}"))?,
        )),
        None => None,
    };
    let pattern = match &args.filter_pattern {
        Some(text) => Some(
            crate::logs::pattern::Pattern::parse(text)
                .map_err(|e| format!("--filter-pattern: {e}"))?,
        ),
        None => None,
    };
    let detector = match &args.detect {
        Some(name) => Some(crate::logs::detect::Detector::new(
            crate::logs::detect::select(name).map_err(|e| format!("--detect: {e}"))?,
        )),
        None => None,
    };
    Ok(EventFilter {
        since,
        pattern,
        detector,
    })
}

/// Reads the log groups of every account and region once, through the same sources as the
/// TUI (or the demo organization's CloudTrail stream, `demo`); AWS applies the filter pattern
/// (or a single detection's), picket applies it again.
fn live_logs(mut launch: Launch, args: &LogsArgs, demo: bool, filter: EventFilter) -> ExitCode {
    let present = launch.options.present;
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let backfill = match &args.since {
        Some(text) => match age::parse(text) {
            Ok(age) => age,
            Err(e) => return fail(&format!("--since: {e}")),
        },
        None => jiff::SignedDuration::from_hours(1),
    };
    let server_pattern = args.filter_pattern.clone().or_else(|| {
        let name = args.detect.as_deref()?;
        let detections = crate::logs::detect::select(name).ok()?;
        match detections[..] {
            [one] => Some(one.pattern.to_string()),
            _ => None,
        }
    });
    if !args.groups.is_empty() {
        launch.aws.log_groups = args.groups.clone();
    }
    launch.aws.logs_window = Some((backfill, server_pattern));
    launch.aws.reading = crate::limits::Reading::SWEEP;
    let sources = if demo {
        demo_sources(launch.seed, crate::sources::Feed::Logs)
    } else {
        match runtime.block_on(setup::build(&launch.aws, Services::LOGS)) {
            Ok(built) => built.sources,
            Err(e) => return fail(&e),
        }
    };
    let mask = crate::cli::present::mask(present);
    let stdout = std::io::stdout();
    let mut out =
        crate::cli::present::Output::new(std::io::BufWriter::new(stdout.lock()), mask.clone());
    let mut err = std::io::stderr();
    let options = headless::EventsOptions {
        filter,
        format: args.format,
        limit: args.limit,
        mask,
        verbose: launch.verbose,
    };
    let mut sweep = headless::EventsSweep::new(&mut out, &mut err, options);
    let everything = runtime.block_on(setup::sweep(sources, |batch| sweep.take(batch)));
    ExitCode::from(sweep.finish(everything))
}

/// `picket doctor`: checks every account, region and service; 0 when all pass, 1 otherwise.
pub fn doctor(launch: &Launch, format: DoctorFormat, demo: bool) -> ExitCode {
    if demo {
        // Nothing to check: every check would pass vacuously, so say so instead of a table.
        return print(
            "the demo organization (--demo) is embedded and reads nothing from AWS: no credentials, \
             roles or services to check. `picket doctor` without --demo checks yours.\n",
        );
    }
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let report = runtime.block_on(async {
        let (plan, identity) = plan::plan(&launch.aws, Services::ALL).await?;
        Ok::<_, String>(crate::aws::doctor::run(plan, identity).await)
    });
    let report = match report {
        Ok(report) => report,
        Err(e) => return fail(&e),
    };
    let text = match format {
        DoctorFormat::Table => crate::aws::doctor::table(&report, launch.verbose),
        DoctorFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => json + "\n",
            Err(e) => return fail(&format!("cannot write the report: {e}")),
        },
    };
    let printed = print(&text);
    if printed != ExitCode::SUCCESS {
        return printed;
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `picket render`: the demo organization drawn off-screen after a sequence of keys.
pub fn render(launch: Launch, args: &RenderArgs) -> ExitCode {
    let mut options = launch.options;
    options.org_label = crate::sources::demo::label(launch.seed);
    let keys = crate::app::keys::parse_sequence(&args.keys);
    print(&crate::render::render(
        options,
        launch.seed,
        args.now,
        args.size,
        &keys,
        args.format,
    ))
}

/// `picket config default|path|check`.
pub fn config(cli: &Cli, action: &ConfigAction) -> ExitCode {
    match action {
        ConfigAction::Default => print(config::DEFAULT_TOML),
        ConfigAction::Path => match config::locate(cli.common.config.as_deref(), None) {
            Some((path, _)) => print(&format!("{}\n", path.display())),
            None => fail("no config directory on this platform; pass --config PATH"),
        },
        ConfigAction::Check => {
            let Some((path, required)) = config::locate(cli.common.config.as_deref(), None) else {
                return fail("no config directory on this platform; pass --config PATH");
            };
            let mut themes = ThemeSet::builtin();
            let problems = config::config_dir()
                .map(|d| themes.load_dir(&d.join("themes")))
                .unwrap_or_default();
            for problem in &problems {
                say(problem);
            }
            match Config::load(&path, required, &themes) {
                Ok(_) if problems.is_empty() => print(&format!("{}: ok\n", path.display())),
                Ok(_) => ExitCode::from(USAGE),
                Err(e) => fail(&e.to_string()),
            }
        }
    }
}

/// `picket completions SHELL` and `picket man`: generated from the argument definitions.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut script = Vec::new();
    crate::cli::args::completions(shell, &mut script);
    print(&String::from_utf8_lossy(&script))
}

pub fn man() -> ExitCode {
    let mut page = Vec::new();
    match crate::cli::args::man(&mut page) {
        Ok(()) => print(&String::from_utf8_lossy(&page)),
        Err(e) => fail(&format!("the man page could not be written: {e}")),
    }
}
