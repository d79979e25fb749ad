//! The composition root: parse the command line, then hand it to the command it names or to
//! the TUI on the backend set it asks for (demo, AWS or files). Everything else lives in the
//! library; `picket::cli` is the command-line surface.

use std::process::ExitCode;

use clap::Parser;

use picket::cli::args::{Cli, CommandLine};
use picket::cli::commands;
use picket::cli::launch::{Env, Launch, prepare};
use picket::cli::report::{fail, finish};
use picket::cli::{audit, tui};

fn main() -> ExitCode {
    picket::runtime::memory::tune_allocator();
    let cli = Cli::parse();
    let env = Env::from_process();
    let launch = || prepare(&cli.common, cli.seed, &env);
    match &cli.command {
        Some(CommandLine::Config { action }) => commands::config(&cli, action),
        Some(CommandLine::Completions { shell }) => commands::completions(*shell),
        Some(CommandLine::Man) => commands::man(),
        Some(CommandLine::Handoff(args)) => launched(launch(), |l| {
            let mut out = std::io::stdout();
            finish(
                picket::cli::handoff::run(&l, args, cli.demo, jiff::Timestamp::now(), &mut out)
                    .map(|()| 0),
            )
        }),
        Some(CommandLine::Audit(args)) => {
            finish(audit::run(args, cli.demo, &mut std::io::stdout()).map(|()| 0))
        }
        Some(CommandLine::Findings(args)) => commands::findings(&cli, args, launch),
        Some(CommandLine::Logs(args)) => commands::logs(&cli, args, launch),
        Some(CommandLine::Render(_)) if !cli.demo => {
            fail("picket render needs --demo: it draws the embedded demo organization")
        }
        Some(CommandLine::Render(args)) => launched(launch(), |l| commands::render(l, args)),
        Some(CommandLine::Doctor { format }) => {
            launched(launch(), |l| commands::doctor(&l, *format, cli.demo))
        }
        Some(CommandLine::Feed { action }) => {
            launched(launch(), |l| picket::cli::feed::run(&l, action))
        }
        Some(CommandLine::Store { action }) => launched(launch(), |l| {
            picket::cli::store::run(l.store_path(cli.demo).as_deref(), action)
        }),
        Some(CommandLine::Open { paths }) => launched(launch(), |l| tui::files(l, paths)),
        None if cli.demo => launched(launch(), tui::demo),
        None => launched(launch(), tui::aws),
    }
}

/// Runs a command that needs the configuration read and the start-up checked.
fn launched(launch: Result<Launch, String>, run: impl FnOnce(Launch) -> ExitCode) -> ExitCode {
    match launch {
        Ok(launch) => run(launch),
        Err(e) => fail(&e),
    }
}
