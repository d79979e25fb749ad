//! `picket store info|vacuum|reset`: the disk store of the profile (or `--store`, or the
//! demo's with `--demo`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use jiff::Timestamp;

use crate::cli::args::StoreAction;
use crate::cli::report::{fail, print, say};
use crate::store::disk::{Disk, Info};
use crate::ui::text::{age, thousands};

pub fn run(path: Option<&Path>, action: &StoreAction) -> ExitCode {
    let Some(path) = path else {
        return fail("--no-store: there is no store to look at");
    };
    if !path.exists() {
        return print(&format!("no store yet at {}\n", path.display()));
    }
    let disk = match Disk::open(path) {
        Ok(disk) => disk,
        Err(e) => {
            say(e);
            return ExitCode::FAILURE;
        }
    };
    let done = match action {
        StoreAction::Info => disk.info().map(|info| describe(&info, Timestamp::now())),
        StoreAction::Vacuum => {
            let before = disk.info().map(|i| i.bytes).unwrap_or(0);
            disk.vacuum().and_then(|()| disk.info()).map(|after| {
                format!(
                    "vacuumed {}: {} → {}\n",
                    path.display(),
                    mib(before),
                    mib(after.bytes)
                )
            })
        }
        StoreAction::Reset { yes } => {
            let findings = disk.info().map(|i| i.findings).unwrap_or(0);
            if !yes && !confirmed(path, findings) {
                say("reset cancelled: nothing was changed");
                return ExitCode::FAILURE;
            }
            disk.clear().map(|()| {
                format!(
                    "reset {}: {} findings, their marks and seen flags forgotten\n",
                    path.display(),
                    thousands(findings as usize)
                )
            })
        }
    };
    match done {
        Ok(text) => print(&text),
        Err(e) => {
            say(e);
            ExitCode::FAILURE
        }
    }
}

/// Asks on the terminal; without one (a script), only `--yes` resets.
fn confirmed(path: &Path, findings: u64) -> bool {
    if !std::io::stdin().is_terminal() {
        say("reset asks for confirmation on a terminal; pass --yes to reset without asking");
        return false;
    }
    eprint!(
        "Forget the {} findings, source marks and seen flags in {}? Type 'reset' to confirm: ",
        thousands(findings as usize),
        path.display()
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == "reset"
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1_048_576.0)
}

/// The report `picket store info` prints.
pub fn describe(info: &Info, now: Timestamp) -> String {
    let mut out = format!("store     {}\n", info.path.display());
    out.push_str(&format!(
        "size      {} (schema {})\n",
        mib(info.bytes),
        info.schema
    ));
    let kinds: Vec<String> = info
        .by_kind
        .iter()
        .map(|(kind, n)| format!("{kind} {}", thousands(*n as usize)))
        .collect();
    out.push_str(&format!(
        "findings  {}{} · {} unseen\n",
        thousands(info.findings as usize),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({})", kinds.join(" · "))
        },
        thousands(info.unseen as usize)
    ));
    out.push_str(&format!("records   {} packed\n", mib(info.raw_bytes)));
    match info.written_at {
        Some(at) => out.push_str(&format!(
            "written   {} ({} ago)\n",
            at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            age(now, at)
        )),
        None => out.push_str("written   never\n"),
    }
    for mark in &info.marks {
        out.push_str(&format!(
            "mark      {}: read to {}, last full read {}\n",
            crate::model::SafeText::line(&mark.source),
            mark.cursor.strftime("%Y-%m-%d %H:%M:%S UTC"),
            mark.full_read.map_or("never".into(), |t| t
                .strftime("%Y-%m-%d %H:%M:%S UTC")
                .to_string())
        ));
    }
    out
}
