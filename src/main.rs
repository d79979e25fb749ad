use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use picket::actions::executor::{Backend, DemoBackend, Executor};

use clap::Parser;

use picket::app::{App, keys::parse_sequence};
use picket::aws::plan::{self, Services};
use picket::aws::setup;
use picket::cli::{Cli, CommandLine, ConfigAction};
use picket::config::{self, Config};
use picket::headless;
use picket::launch::{Env, prepare};
use picket::sources::Source;
use picket::sources::demo::{DemoFindings, DemoOrg, DemoTrail};
use picket::sources::file::FileSource;
use picket::theme::ThemeSet;

/// Exit status for usage and configuration errors (as clap uses for bad flags).
const USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env = Env::from_process();
    match &cli.command {
        Some(CommandLine::Config { action }) => config_command(&cli, action),
        Some(CommandLine::Completions { shell }) => {
            let mut script = Vec::new();
            picket::cli::completions(*shell, &mut script);
            print(&String::from_utf8_lossy(&script))
        }
        Some(CommandLine::Man) => {
            let mut page = Vec::new();
            match picket::cli::man(&mut page) {
                Ok(()) => print(&String::from_utf8_lossy(&page)),
                Err(e) => fail(&format!("the man page could not be written: {e}")),
            }
        }
        Some(CommandLine::Audit(args)) => {
            finish(picket::audit::run(args, cli.demo, &mut std::io::stdout()).map(|()| 0))
        }
        Some(CommandLine::Doctor { format }) => match prepare(&cli.common, cli.seed, &env) {
            Ok(launch) => doctor(&launch, *format),
            Err(e) => fail(&e),
        },
        Some(CommandLine::Findings(args)) => {
            if args.open.is_empty() {
                let launch = match prepare(&cli.common, cli.seed, &env) {
                    Ok(l) => l,
                    Err(e) => return fail(&e),
                };
                let services = Services {
                    guardduty: args.source != headless::SourceChoice::Securityhub,
                    securityhub: args.source != headless::SourceChoice::Guardduty,
                    logs: false,
                };
                return live_findings(&launch, services, findings_options(&cli, args));
            }
            let limits = match picket::launch::file_limits(&cli.common) {
                Ok(limits) => limits,
                Err(e) => return fail(&e),
            };
            let loaded = read_files(&args.open, &limits);
            if loaded.failed_files == args.open.len() {
                return ExitCode::from(headless::ALL_FAILED);
            }
            let options = findings_options(&cli, args);
            let directory = picket::model::Directory::default();
            finish(headless::print_findings(
                loaded.findings,
                headless::Records::Each,
                &directory,
                &options,
            ))
        }
        Some(CommandLine::Logs(args)) => {
            let filter = match event_filter(args) {
                Ok(filter) => filter,
                Err(e) => return fail(&e),
            };
            if args.open.is_empty() {
                let launch = match prepare(&cli.common, cli.seed, &env) {
                    Ok(l) => l,
                    Err(e) => return fail(&e),
                };
                return live_logs(launch, args, filter);
            }
            let limits = match picket::launch::file_limits(&cli.common) {
                Ok(limits) => limits,
                Err(e) => return fail(&e),
            };
            let loaded = read_files(&args.open, &limits);
            if loaded.failed_files == args.open.len() {
                return ExitCode::from(headless::ALL_FAILED);
            }
            finish(headless::print_events(
                loaded.events,
                &filter,
                args.format,
                args.limit,
            ))
        }
        Some(CommandLine::Open { paths }) => {
            let launch = match prepare(&cli.common, cli.seed, &env) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            let loaded = read_files(paths, &launch.files);
            if loaded.failed_files == paths.len() {
                return ExitCode::from(headless::ALL_FAILED);
            }
            let mut options = launch.options;
            options.org_label = format!("{} file(s) · {}", paths.len(), loaded.summary());
            options.warnings.extend(loaded.problems.iter().cloned());
            let sources: Vec<Box<dyn Source>> = vec![
                Box::new(FileSource::findings(loaded.findings)),
                Box::new(FileSource::logs(loaded.events)),
            ];
            // Exported files are not AWS: nothing to write back to, so no action key either.
            options.keymap.remove_commands(&[picket::app::Command::Act]);
            let executor = executor(
                true,
                Box::new(DemoBackend::default()),
                Trail::Real,
                &mut options,
            );
            let backends = picket::runtime::Backends {
                executor,
                search: Arc::new(picket::pivot::NoSearch),
                insights: Arc::new(picket::insights::NoInsights(
                    picket::insights::NO_INSIGHTS_IN_DEMO,
                )),
                groups: picket::runtime::GroupChoice {
                    lister: Arc::new(picket::sources::groups::NoGroups),
                    remember_in: None,
                    profile: None,
                },
            };
            run_tui(options, sources, backends)
        }
        Some(CommandLine::Render(args)) => {
            if !cli.demo {
                return fail("picket render needs --demo: it draws the embedded demo organization");
            }
            let launch = match prepare(&cli.common, cli.seed, &env) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            let mut options = launch.options;
            options.org_label = demo_label(launch.seed);
            let keys = parse_sequence(&args.keys);
            let out = picket::render::render(
                options,
                launch.seed,
                args.now,
                args.size,
                &keys,
                args.format,
            );
            print(&out)
        }
        None => {
            let launch = match prepare(&cli.common, cli.seed, &env) {
                Ok(l) => l,
                Err(e) => return fail(&e),
            };
            if cli.demo {
                run_demo(launch)
            } else {
                run_aws(launch)
            }
        }
    }
}

/// Reads files, reporting on stderr what could not be read (one line each).
fn read_files(
    paths: &[std::path::PathBuf],
    limits: &picket::sources::file::Limits,
) -> picket::sources::file::Loaded {
    let loaded = picket::sources::file::read_paths(paths, limits);
    for problem in &loaded.problems {
        say(problem);
    }
    let unlisted = (loaded.skipped + loaded.failed_files).saturating_sub(loaded.problems.len());
    if unlisted > 0 {
        say(format!("… and {unlisted} more problems"));
    }
    if loaded.skipped + loaded.failed_files > 0 {
        say(format!("read {}", loaded.summary()));
    }
    loaded
}

/// How `picket findings` prints, from its arguments.
fn findings_options(cli: &Cli, args: &picket::cli::FindingsArgs) -> headless::FindingsOptions {
    headless::FindingsOptions {
        filter: cli.common.filter.clone().unwrap_or_default(),
        source: args.source,
        format: args.format,
        raw: args.raw,
        limit: args.limit,
    }
}

fn finish(result: Result<u8, (u8, String)>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err((code, message)) => {
            say(message);
            ExitCode::from(code)
        }
    }
}

fn tokio_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new()
        .map_err(|e| fail(&format!("cannot start the async runtime: {e}")))
}

/// The TUI on live AWS sources.
fn run_aws(launch: picket::launch::Launch) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let services = Services {
        guardduty: true,
        securityhub: true,
        logs: true,
    };
    let built = match runtime.block_on(setup::build(&launch.aws, services)) {
        Ok(built) => built,
        Err(e) => return fail(&e),
    };
    let mut options = launch.options;
    options.org_label = built.regions.join(", ");
    drop(runtime);
    let backend =
        picket::aws::actions::AwsBackend::new(Arc::clone(&built.plan), Arc::clone(&built.identity));
    let executor = executor(
        launch.read_only,
        Box::new(backend),
        Trail::Real,
        &mut options,
    );
    let plan = &built.plan;
    let backends = picket::runtime::Backends {
        executor,
        search: Arc::new(picket::aws::logs::AwsLogSearch::new(Arc::clone(plan))),
        insights: Arc::new(picket::aws::insights::AwsInsights::for_plan(plan)),
        groups: picket::runtime::GroupChoice {
            lister: Arc::new(picket::aws::logs::AwsGroups::for_plan(plan)),
            remember_in: picket::sources::groups::default_path(),
            profile: plan.settings.target.profile.clone(),
        },
    };
    run_tui(options, built.sources, backends)
}

/// What `picket logs` keeps, from its arguments; a bad pattern or name is a usage error.
fn event_filter(args: &picket::cli::LogsArgs) -> Result<headless::EventFilter, String> {
    let since = match &args.since {
        Some(age) => Some(picket::model::age::before(
            jiff::Timestamp::now(),
            picket::model::age::parse(age).map_err(|e| format!("--since: {e}"))?,
        )),
        None => None,
    };
    let pattern = match &args.filter_pattern {
        Some(text) => Some(
            picket::pattern::Pattern::parse(text).map_err(|e| format!("--filter-pattern: {e}"))?,
        ),
        None => None,
    };
    let detector = match &args.detect {
        Some(name) => Some(picket::detect::Detector::new(
            picket::detect::select(name).map_err(|e| format!("--detect: {e}"))?,
        )),
        None => None,
    };
    Ok(headless::EventFilter {
        since,
        pattern,
        detector,
    })
}

/// Reads the log groups of every account and region once, through the same sources as the
/// TUI; AWS applies the filter pattern (or a single detection's), picket applies it again.
fn live_logs(
    mut launch: picket::launch::Launch,
    args: &picket::cli::LogsArgs,
    filter: headless::EventFilter,
) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let backfill = match &args.since {
        Some(age) => match picket::model::age::parse(age) {
            Ok(age) => age,
            Err(e) => return fail(&format!("--since: {e}")),
        },
        None => jiff::SignedDuration::from_hours(1),
    };
    let server_pattern = args.filter_pattern.clone().or_else(|| {
        let name = args.detect.as_deref()?;
        let detections = picket::detect::select(name).ok()?;
        match detections[..] {
            [one] => Some(one.pattern.to_string()),
            _ => None,
        }
    });
    if !args.groups.is_empty() {
        launch.aws.log_groups = args.groups.clone();
    }
    launch.aws.logs_window = Some((backfill, server_pattern));
    launch.aws.reading = picket::limits::Reading::SWEEP;
    let services = Services {
        guardduty: false,
        securityhub: false,
        logs: true,
    };
    let built = match runtime.block_on(setup::build(&launch.aws, services)) {
        Ok(built) => built,
        Err(e) => return fail(&e),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let options = headless::EventsOptions {
        filter,
        format: args.format,
        limit: args.limit,
    };
    let mut sweep = headless::EventsSweep::new(&mut out, &mut err, options);
    let everything = runtime.block_on(setup::sweep(built.sources, |batch| sweep.take(batch)));
    ExitCode::from(sweep.finish(everything))
}

/// Checks every account, region and service; 0 when all pass, 1 otherwise.
fn doctor(launch: &picket::launch::Launch, format: picket::cli::DoctorFormat) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let services = Services {
        guardduty: true,
        securityhub: true,
        logs: true,
    };
    let report = runtime.block_on(async {
        let (plan, identity) = plan::plan(&launch.aws, services).await?;
        Ok::<_, String>(picket::aws::doctor::run(plan, identity).await)
    });
    let report = match report {
        Ok(report) => report,
        Err(e) => return fail(&e),
    };
    let text = match format {
        picket::cli::DoctorFormat::Table => picket::aws::doctor::table(&report),
        picket::cli::DoctorFormat::Json => match serde_json::to_string_pretty(&report) {
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

/// One sweep of every source, read to its end and printed as it comes (jsonl) or at the end;
/// exit 3 when none answered, 4 when the output is incomplete.
fn live_findings(
    launch: &picket::launch::Launch,
    services: Services,
    options: headless::FindingsOptions,
) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    // The filter is checked before anything is asked of AWS.
    let mut sweep = match headless::FindingsSweep::new(&mut out, &mut err, options) {
        Ok(sweep) => sweep,
        Err(e) => return fail(&e),
    };
    let mut settings = launch.aws.clone();
    settings.reading = picket::limits::Reading::SWEEP;
    let built = match runtime.block_on(setup::build(&settings, services)) {
        Ok(built) => built,
        Err(e) => return fail(&e),
    };
    let everything = runtime.block_on(setup::sweep(built.sources, |batch| sweep.take(batch)));
    ExitCode::from(sweep.finish(everything))
}

fn demo_label(seed: u64) -> String {
    format!("demo organization · seed {seed}")
}

fn run_demo(launch: picket::launch::Launch) -> ExitCode {
    let mut options = launch.options;
    options.org_label = demo_label(launch.seed);
    let org = DemoOrg::new(launch.seed);
    let mut findings = DemoFindings::new(Arc::clone(&org));
    if !launch.demo_live {
        findings = findings.frozen();
    }
    let backend = DemoBackend::keeping(Arc::clone(&org));
    let sources: Vec<Box<dyn Source>> = vec![
        Box::new(findings),
        Box::new(DemoTrail::new(Arc::clone(&org))),
    ];
    let executor = executor(
        launch.read_only,
        Box::new(backend),
        Trail::Demo,
        &mut options,
    );
    let backends = picket::runtime::Backends {
        executor,
        search: org,
        insights: Arc::new(picket::insights::NoInsights(
            picket::insights::NO_INSIGHTS_IN_DEMO,
        )),
        // The demo's choice is its own: it never replaces a real profile's.
        groups: picket::runtime::GroupChoice {
            lister: Arc::new(picket::sources::groups::DemoGroups),
            remember_in: picket::sources::groups::default_path(),
            profile: Some("picket-demo".into()),
        },
    };
    run_tui(options, sources, backends)
}

/// Which journal actions go to: what is done to the demo organization never enters the real
/// audit trail.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trail {
    Real,
    Demo,
}

/// The executor of response actions, journaling where `picket audit` reads ($PICKET_JOURNAL,
/// else the platform state directory). Actions the journal holds without an outcome (picket
/// stopped in between) are announced, never retried; so is a journal it will not write to.
fn executor(
    read_only: bool,
    backend: Box<dyn Backend>,
    trail: Trail,
    options: &mut picket::app::Options,
) -> Arc<Executor> {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(std::path::PathBuf::from)
    };
    let real = from_env("PICKET_JOURNAL")
        .or_else(picket::journal::default_path)
        .unwrap_or_else(|| std::path::PathBuf::from("picket-journal.jsonl"));
    let journal =
        picket::journal::locate(real, from_env("PICKET_JOURNAL_KEY"), trail == Trail::Demo);
    match journal.unfinished() {
        Ok(open) if !open.is_empty() => options.warnings.push(format!(
            "{} action(s) in the journal have no recorded outcome: outcome unknown — check with `picket audit` and in AWS",
            open.len()
        )),
        Ok(_) => {}
        Err(e) => options.warnings.push(format!("journal: {e}")),
    }
    if !read_only && let Err(refusal) = journal.ready() {
        options.warnings.push(format!(
            "journal: actions are refused until it is set right: {refusal}"
        ));
    }
    Arc::new(Executor::new(
        journal,
        read_only,
        picket::journal::Operator::local(None),
        backend,
    ))
}

fn run_tui(
    options: picket::app::Options,
    sources: Vec<Box<dyn Source>>,
    backends: picket::runtime::Backends,
) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let app = App::new(options, jiff::Timestamp::now());
    match runtime.block_on(picket::runtime::run(app, sources, backends)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            say(format!("terminal error: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn config_command(cli: &Cli, action: &ConfigAction) -> ExitCode {
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

fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`picket … | head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say(e);
            ExitCode::FAILURE
        }
    }
}

/// One message on stderr. Messages quote file names, AWS's words and values from the config,
/// so they are sanitized here, once, for every caller.
fn say(message: impl std::fmt::Display) {
    eprintln!(
        "picket: {}",
        picket::model::SafeText::block(&message.to_string())
    );
}

fn fail(message: &str) -> ExitCode {
    say(message);
    ExitCode::from(USAGE)
}
