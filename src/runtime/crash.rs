//! A panic is a report, not a mystery. While picket runs, the last messages `update` saw are
//! kept (as short summaries, never the text of findings or pastes); a panic writes them, with
//! the message, the place, a backtrace and the version, to `crashes/` in the state directory
//! and prints the path once the terminal is restored.
//!
//! The ring lives in a thread-local: a panic hook can reach nothing else, and `update` and the
//! drawing run on the runtime's own thread, where the messages are recorded.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::app::Msg;

/// Messages kept for a report.
const KEPT: usize = 64;

thread_local! {
    static RECENT: RefCell<VecDeque<String>> = const { RefCell::new(VecDeque::new()) };
}

/// Notes a message about to reach `update`.
pub fn saw(msg: &Msg) {
    let line = summary(msg);
    RECENT.with(|recent| {
        let mut recent = recent.borrow_mut();
        if recent.len() == KEPT {
            recent.pop_front();
        }
        recent.push_back(line);
    });
}

/// What a message was, without the data it carried.
pub fn summary(msg: &Msg) -> String {
    match msg {
        Msg::Key(key) => format!("key {key}"),
        Msg::Paste(text) => format!("paste of {} characters", text.chars().count()),
        Msg::Resize(w, h) => format!("resize to {w}×{h}"),
        Msg::Tick(now) => format!("tick {now}"),
        Msg::Batch(feed, batch) => format!(
            "{feed:?} batch: {} findings, {} events, {} health reports{}",
            batch.findings.len(),
            batch.events.len(),
            batch.health.len(),
            if batch.initial { ", first sweep" } else { "" }
        ),
        Msg::ActionDone {
            action, outcome, ..
        } => format!(
            "action done: {} ({})",
            action.describe(),
            match outcome {
                Ok(results) => format!("{} results", results.len()),
                Err(_) => "failed".into(),
            }
        ),
        Msg::Groups { result, .. } => format!(
            "log groups listed: {}",
            result
                .as_ref()
                .map_or("failed".into(), |g| g.len().to_string())
        ),
        Msg::Insights(update) => format!(
            "Insights query {}: {} rows{}",
            update.id,
            update.rows.len(),
            if update.done { ", done" } else { "" }
        ),
        Msg::Restored {
            findings,
            skipped,
            outside,
            ..
        } => format!(
            "restored {findings} findings from the store ({skipped} skipped, {outside} outside the scope)"
        ),
        Msg::Stored(entries) => format!("{} findings stored", entries.len()),
        Msg::StoreFailed(_) => "the store could not be written".into(),
        Msg::Ask(question) => format!("question {} asked", question.id),
        Msg::PivotDone { result, .. } => format!(
            "pivot answered: {}",
            result.as_ref().map_or("failed".into(), |found| format!(
                "{} events",
                found.events.len()
            ))
        ),
        Msg::ViewSaved { result, .. } => format!(
            "view saved: {}",
            if result.is_ok() {
                "written"
            } else {
                "not written"
            }
        ),
        Msg::Reloaded(result) => format!(
            "config reloaded: {}",
            if result.is_ok() { "applied" } else { "failed" }
        ),
    }
}

/// The messages seen so far on this thread, oldest first.
pub fn recent() -> Vec<String> {
    RECENT.with(|recent| recent.borrow().iter().cloned().collect())
}

/// The report's text.
pub fn report(info: &std::panic::PanicHookInfo<'_>, recent: &[String]) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into());
    let place = info.location().map_or("unknown".into(), |l| {
        format!("{}:{}:{}", l.file(), l.line(), l.column())
    });
    let thread = std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_string();
    let mut text = format!(
        "picket {} crashed\ntime: {}\nthread: {thread}\nmessage: {message}\nplace: {place}\n\nlast messages, oldest first:\n",
        env!("CARGO_PKG_VERSION"),
        jiff::Timestamp::now(),
    );
    if recent.is_empty() {
        text.push_str("  (none on this thread)\n");
    }
    for line in recent {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str(&format!(
        "\nbacktrace:\n{}\n",
        std::backtrace::Backtrace::force_capture()
    ));
    // The message and the places can quote outside text.
    crate::model::SafeText::block(&text).to_string()
}

/// Where reports go: `crashes/` in the platform state directory.
pub fn default_dir() -> Option<PathBuf> {
    crate::journal::default_path().and_then(|p| p.parent().map(|d| d.join("crashes")))
}

/// Writes `text` as a new report in `dir`, readable by its owner only.
pub fn write(dir: &Path, text: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut path = dir.join(format!("crash-{stamp}-{}.txt", std::process::id()));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("crash-{stamp}-{}-{n}.txt", std::process::id()));
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Key, Msg};

    #[test]
    fn the_ring_keeps_the_latest_messages_without_their_data() {
        for n in 0..KEPT + 5 {
            saw(&Msg::Resize(n as u16, 1));
        }
        saw(&Msg::Paste("secret token".into()));
        saw(&Msg::Key(Key::char('j')));
        let recent = recent();
        assert_eq!(recent.len(), KEPT);
        assert_eq!(recent[KEPT - 1], "key j");
        assert_eq!(recent[KEPT - 2], "paste of 12 characters");
        assert!(!recent.iter().any(|l| l.contains("secret")));
    }

    #[test]
    fn a_report_is_written_for_its_owner_only() {
        let dir = tempfile::tempdir().expect("dir");
        let path = write(dir.path(), "report\n").expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "report\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let second = write(dir.path(), "again\n").expect("written");
        assert_ne!(
            path, second,
            "a second crash in the same second has its own file"
        );
    }
}
