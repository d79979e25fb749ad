//! The TUI on one of its three backend sets: the embedded demo organization, live AWS, or
//! exported files. Each set is the sources that feed the app and the [`Backends`] its effects
//! reach (actions, pivot searches, Logs Insights, log groups); everything else is shared.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use crate::actions::executor::{Backend, Executor};
use crate::app::{App, Options};
use crate::aws::plan::Services;
use crate::aws::setup;
use crate::cli::headless::ALL_FAILED;
use crate::cli::launch::Launch;
use crate::cli::report::{fail, read_files, say, tokio_runtime};
use crate::logs::insights::{NO_INSIGHTS_IN_DEMO, NoInsights};
use crate::runtime::{Backends, GroupChoice};
use crate::sources::Source;
use crate::sources::demo::{self, DemoBackend, DemoFindings, DemoOrg, DemoTrail};
use crate::sources::file::FileSource;
use crate::sources::groups;
use crate::store::disk::Disk;

/// The demo organization: synthetic findings and CloudTrail that move, actions that change
/// them, a journal of its own.
pub fn demo(launch: Launch) -> ExitCode {
    let store = launch.store_path(true);
    let mut options = launch.options;
    options.org_label = demo::label(launch.seed);
    let org = DemoOrg::new(launch.seed);
    let mut findings = DemoFindings::new(Arc::clone(&org));
    if !launch.demo_live {
        findings = findings.frozen();
    }
    let sources: Vec<Box<dyn Source>> = vec![
        Box::new(findings),
        Box::new(DemoTrail::new(Arc::clone(&org)).at_rate(launch.demo_trail_rate)),
    ];
    let backend = DemoBackend::keeping(Arc::clone(&org));
    let backends = Backends {
        executor: executor(
            launch.read_only,
            Box::new(backend),
            Trail::Demo,
            &mut options,
        ),
        search: org,
        insights: Arc::new(NoInsights(NO_INSIGHTS_IN_DEMO)),
        // The demo's choice is its own: it never replaces a real profile's.
        groups: GroupChoice {
            lister: Arc::new(groups::DemoGroups),
            remember_in: groups::default_path(),
            profile: Some("picket-demo".into()),
        },
        config: launch.config,
    };
    done(run(options, sources, backends, store))
}

/// Live AWS: every account and region the launch names; `:profile NAME` starts it again on
/// that profile.
pub fn aws(mut launch: Launch) -> ExitCode {
    loop {
        match aws_once(launch.clone()) {
            Ran::Done(code) => return code,
            Ran::Switch(profile) => {
                say(format!("switching to profile {profile}"));
                launch = launch.on_profile(profile);
            }
        }
    }
}

/// How a run of the TUI ended.
enum Ran {
    Done(ExitCode),
    /// `:profile NAME`: start again on that profile.
    Switch(String),
}

/// The profiles of this machine as `:profile` offers them, production ones marked by the
/// `[org] production` patterns matched against the name and the account.
fn profile_choices(production: &[String]) -> Vec<crate::model::profile::Choice> {
    use crate::query::glob::Glob;
    let globs: Vec<Glob> = production.iter().map(|p| Glob::new(p)).collect();
    crate::aws::profiles::read()
        .into_iter()
        .map(|profile| {
            let name = profile.name.to_lowercase();
            let account = profile.account().unwrap_or_default();
            let production = globs
                .iter()
                .any(|g| g.found_in(&name) || (!account.is_empty() && g.matches(&account)));
            crate::model::profile::Choice {
                profile,
                production,
            }
        })
        .collect()
}

fn aws_once(launch: Launch) -> Ran {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return Ran::Done(code),
    };
    // An MFA code, or an SSO session to start: asked and offered here, on the plain terminal,
    // not as a screen of errors.
    if let Some((profile, line)) =
        runtime.block_on(crate::aws::login::sso_login_needed(&launch.aws.target))
    {
        crate::aws::login::offer_sso_login(&profile, &line);
    }
    let built = match runtime.block_on(setup::build(&launch.aws, Services::ALL)) {
        Ok(built) => built,
        Err(e) => return Ran::Done(fail(&e)),
    };
    drop(runtime);
    let store = launch.store_path(false);
    let mut options = launch.options;
    options.org_label = built.regions.join(", ");
    options.profiles = Some(profile_choices(&launch.aws.org.production));
    let plan = &built.plan;
    let backend =
        crate::aws::actions::AwsBackend::new(Arc::clone(plan), Arc::clone(&built.identity));
    let backends = Backends {
        executor: executor(
            launch.read_only,
            Box::new(backend),
            Trail::Real,
            &mut options,
        ),
        search: Arc::new(crate::aws::logs::AwsLogSearch::new(Arc::clone(plan))),
        insights: Arc::new(crate::aws::insights::AwsInsights::for_plan(plan)),
        groups: GroupChoice {
            lister: Arc::new(crate::aws::logs::AwsGroups::for_plan(plan)),
            remember_in: groups::default_path(),
            profile: plan.settings.target.profile.clone(),
        },
        config: launch.config,
    };
    run(options, built.sources, backends, store)
}

/// A run that cannot switch profiles (the demo, exported files): its exit status.
fn done(ran: Ran) -> ExitCode {
    match ran {
        Ran::Done(code) => code,
        Ran::Switch(_) => ExitCode::SUCCESS,
    }
}

/// Exported files (`picket open`): read once, nothing to write back to, so no action key.
pub fn files(launch: Launch, paths: &[PathBuf]) -> ExitCode {
    let loaded = read_files(paths, &launch.files);
    if loaded.failed_files == paths.len() {
        return ExitCode::from(ALL_FAILED);
    }
    let mut options = launch.options;
    options.org_label = format!("{} file(s) · {}", paths.len(), loaded.summary());
    options.warnings.extend(loaded.problems.iter().cloned());
    options.keymap.remove_commands(&[crate::app::Command::Act]);
    let sources: Vec<Box<dyn Source>> = vec![
        Box::new(FileSource::findings(loaded.findings)),
        Box::new(FileSource::logs(loaded.events)),
    ];
    let backend = Box::new(DemoBackend::default());
    let mut config = launch.config;
    // No action key here, after a `:reload` too.
    config.overrides.read_only = true;
    let backends = Backends {
        executor: executor(true, backend, Trail::Real, &mut options),
        search: Arc::new(crate::logs::pivot::NoSearch),
        insights: Arc::new(NoInsights(NO_INSIGHTS_IN_DEMO)),
        groups: GroupChoice {
            lister: Arc::new(groups::NoGroups),
            remember_in: None,
            profile: None,
        },
        config,
    };
    done(run(options, sources, backends, None))
}

/// Which journal actions go to: what is done to the demo organization never enters the real
/// audit trail.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trail {
    Real,
    Demo,
}

/// The journal changes in AWS are written to: $PICKET_JOURNAL, else the platform state
/// directory; the demo's beside it.
pub fn journal(demo: bool) -> crate::journal::Journal {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let real = from_env("PICKET_JOURNAL")
        .or_else(crate::journal::default_path)
        .unwrap_or_else(|| PathBuf::from("picket-journal.jsonl"));
    crate::journal::locate(real, from_env("PICKET_JOURNAL_KEY"), demo)
}

/// The executor of response actions, journaling where `picket audit` reads ($PICKET_JOURNAL,
/// else the platform state directory). Actions the journal holds without an outcome (picket
/// stopped in between) are announced, never retried; so is a journal it will not write to.
/// What the journal says earlier sessions did to findings is handed to the app, for the
/// detail's triage history.
fn executor(
    read_only: bool,
    backend: Box<dyn Backend>,
    trail: Trail,
    options: &mut Options,
) -> Arc<Executor> {
    let journal = journal(trail == Trail::Demo);
    // A journal that cannot be read is said below (the unfinished actions' check).
    if let Ok(contents) = journal.contents() {
        options.history = crate::app::history::History::from_journal(&contents.records);
    }
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
        crate::journal::Operator::local(None),
        backend,
    ))
}

/// Runs the TUI; with a disk store at `store`, the queue it kept is on screen at once.
fn run(
    mut options: Options,
    sources: Vec<Box<dyn Source>>,
    backends: Backends,
    store: Option<PathBuf>,
) -> Ran {
    let runtime = match tokio_runtime() {
        Ok(rt) => rt,
        Err(code) => return Ran::Done(code),
    };
    let disk = match store.as_deref().map(Disk::open).transpose() {
        Ok(disk) => disk.map(Arc::new),
        Err(refusal) => {
            // picket runs, keeping nothing: the file is left for the analyst to look at.
            options
                .warnings
                .push(format!("{refusal}; this run keeps nothing on disk"));
            None
        }
    };
    let mut app = App::new(options, jiff::Timestamp::now());
    if let Some(disk) = &disk {
        crate::runtime::persist::restore(&mut app, disk);
    }
    match runtime.block_on(crate::runtime::run(app, sources, backends, disk)) {
        Ok(None) => Ran::Done(ExitCode::SUCCESS),
        Ok(Some(profile)) => Ran::Switch(profile),
        Err(e) => {
            say(format!("terminal error: {e}"));
            Ran::Done(ExitCode::FAILURE)
        }
    }
}
