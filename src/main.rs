use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use picket::actions::executor::{Backend, DemoBackend, Executor};

use clap::Parser;

use picket::app::{App, keys::parse_sequence};
use picket::aws::setup::{self, Services};
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
        Some(CommandLine::Audit(args)) => finish(picket::audit::run(args, &mut std::io::stdout())),
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
                let filter = cli.common.filter.clone().unwrap_or_default();
                return live_findings(&launch, services, &filter, args);
            }
            let limits = match picket::launch::file_limits(&cli.common) {
                Ok(limits) => limits,
                Err(e) => return fail(&e),
            };
            let loaded = read_files(&args.open, &limits);
            if loaded.failed_files == args.open.len() {
                return ExitCode::from(headless::ALL_FAILED);
            }
            let filter = cli.common.filter.clone().unwrap_or_default();
            let directory = picket::model::Directory::default();
            finish(headless::print_findings(
                loaded.findings,
                headless::Records::Each,
                &directory,
                &filter,
                args.source,
                args.format,
                args.raw,
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
            finish(headless::print_events(loaded.events, &filter, args.format))
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
            let executor = executor(true, Box::new(DemoBackend::default()), &mut options);
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
        eprintln!("picket: {problem}");
    }
    let unlisted = (loaded.skipped + loaded.failed_files).saturating_sub(loaded.problems.len());
    if unlisted > 0 {
        eprintln!("picket: … and {unlisted} more problems");
    }
    if loaded.skipped + loaded.failed_files > 0 {
        eprintln!("picket: read {}", loaded.summary());
    }
    loaded
}

fn finish(result: Result<(), (u8, String)>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            eprintln!("picket: {message}");
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
    let executor = executor(launch.read_only, Box::new(backend), &mut options);
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
    let services = Services {
        guardduty: false,
        securityhub: false,
        logs: true,
    };
    let built = match runtime.block_on(setup::build(&launch.aws, services)) {
        Ok(built) => built,
        Err(e) => return fail(&e),
    };
    let batches = runtime.block_on(setup::sweep_all(built.sources, jiff::Timestamp::now()));
    let mut events = Vec::new();
    let mut answered = 0;
    for batch in batches {
        let logs = batch
            .health
            .iter()
            .any(|r| r.key.service == picket::model::health::Service::CloudWatchLogs);
        let mut ok = logs;
        ok &= report_failures(&batch.health);
        answered += usize::from(ok);
        events.extend(batch.events);
    }
    if answered == 0 {
        return ExitCode::from(headless::ALL_FAILED);
    }
    finish(headless::print_events(events, &filter, args.format))
}

/// Prints a line on stderr for every source that did not answer; true when all did.
fn report_failures(health: &[picket::model::health::HealthReport]) -> bool {
    let mut all_ok = true;
    for report in health {
        if report.health.state != picket::model::health::HealthState::Ok {
            all_ok = false;
            let message = report
                .health
                .message
                .as_deref()
                .unwrap_or(report.health.state.as_str());
            eprintln!(
                "picket: {} {} {}: {message}",
                report.key.service.name(),
                report.key.region,
                report.key.account_id
            );
        }
    }
    all_ok
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
        let (plan, identity) = setup::plan(&launch.aws, services).await?;
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

/// One sweep of every source, printed; exit 3 when none answered.
fn live_findings(
    launch: &picket::launch::Launch,
    services: Services,
    filter: &str,
    args: &picket::cli::FindingsArgs,
) -> ExitCode {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let built = match runtime.block_on(setup::build(&launch.aws, services)) {
        Ok(built) => built,
        Err(e) => return fail(&e),
    };
    let batches = runtime.block_on(setup::sweep_all(built.sources, jiff::Timestamp::now()));
    let mut findings = Vec::new();
    let mut directory = picket::model::Directory::default();
    let mut answered = 0;
    for batch in batches {
        // The account list names accounts; it does not count as a source of findings.
        let finding_source = batch
            .health
            .iter()
            .all(|r| r.key.service != picket::model::health::Service::Organizations)
            && batch.accounts.is_empty();
        let mut ok = finding_source;
        for account in batch.accounts {
            directory.insert(account);
        }
        ok &= report_failures(&batch.health);
        answered += usize::from(ok);
        findings.extend(batch.findings);
    }
    if answered == 0 {
        return ExitCode::from(headless::ALL_FAILED);
    }
    finish(headless::print_findings(
        findings,
        headless::Records::Merge,
        &directory,
        filter,
        args.source,
        args.format,
        args.raw,
    ))
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
    let executor = executor(launch.read_only, Box::new(backend), &mut options);
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

/// The executor of response actions, journaling to the platform state directory. Actions the
/// journal holds without an outcome (picket stopped in between) are announced, never retried.
fn executor(
    read_only: bool,
    backend: Box<dyn Backend>,
    options: &mut picket::app::Options,
) -> Arc<Executor> {
    let path = picket::journal::default_path()
        .unwrap_or_else(|| std::path::PathBuf::from("picket-journal.jsonl"));
    let journal = picket::journal::Journal::at(path);
    match journal.unfinished() {
        Ok(open) if !open.is_empty() => options.warnings.push(format!(
            "{} action(s) in the journal have no recorded outcome: outcome unknown — check with `picket audit` and in AWS",
            open.len()
        )),
        Ok(_) => {}
        Err(e) => options.warnings.push(format!("journal: {e}")),
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
            eprintln!("picket: terminal error: {e}");
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
                eprintln!("picket: {problem}");
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
            eprintln!("picket: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("picket: {message}");
    ExitCode::from(USAGE)
}
