//! How a command reports: messages on stderr (sanitized, once, for every caller), text on
//! stdout, exit statuses, and the problems of the files it reads.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::sources::file::{Limits, Loaded};

/// Exit status for usage and configuration errors (as clap uses for bad flags).
pub const USAGE: u8 = 2;

/// Reads files, reporting on stderr what could not be read (one line each).
pub fn read_files(paths: &[PathBuf], limits: &Limits) -> Loaded {
    let loaded = crate::sources::file::read_paths(paths, limits);
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

/// The exit status of a command that answers with one, its message on stderr.
pub fn finish(result: Result<u8, (u8, String)>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err((code, message)) => {
            say(message);
            ExitCode::from(code)
        }
    }
}

pub fn tokio_runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new()
        .map_err(|e| fail(&format!("cannot start the async runtime: {e}")))
}

/// Writes `text` to stdout; a closed pipe (`picket … | head`) is not an error worth a message.
pub fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say(e);
            ExitCode::FAILURE
        }
    }
}

/// One message on stderr. Messages quote file names, AWS's words and values from the config,
/// so they are sanitized here, once, for every caller.
pub fn say(message: impl std::fmt::Display) {
    eprintln!(
        "picket: {}",
        crate::model::SafeText::block(&message.to_string())
    );
}

/// A usage or configuration error: the message, exit 2.
pub fn fail(message: &str) -> ExitCode {
    say(message);
    ExitCode::from(USAGE)
}
