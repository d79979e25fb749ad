//! Appends at the same moment, from threads of one process and from separate processes, keep
//! one chain: every record lands, none shares a sequence number or a predecessor.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};

use super::*;

/// Checks the journal holds one intact chain of `expected` records, `per_writer` from each
/// writer (action ids `<writer>-<n>`).
fn one_chain(journal: &Journal, expected: usize, per_writer: usize) {
    let verified = journal.verify().expect("one intact chain");
    assert_eq!(verified.records, expected);
    assert!(verified.anchored);
    let mut by_writer: HashMap<String, usize> = HashMap::new();
    for record in journal.read().expect("read") {
        let id = record.entry.action_id().expect("an action");
        let writer = id.split_once('-').map_or(id, |(w, _)| w);
        *by_writer.entry(writer.to_string()).or_default() += 1;
    }
    assert!(
        by_writer.values().all(|&n| n == per_writer),
        "{by_writer:?}"
    );
}

#[test]
fn threads_appending_at_once_keep_one_chain() {
    const THREADS: usize = 8;
    const EACH: usize = 40;
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    let start = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let (journal, start) = (&journal, &start);
            scope.spawn(move || {
                start.wait();
                for n in 0..EACH {
                    journal
                        .append(intent(&format!("t{thread}-{n}"), "contain"), now())
                        .expect("append");
                }
            });
        }
    });
    one_chain(&journal, THREADS * EACH, EACH);
}

/// Set in a child process: `<journal>|<key>|<writer>|<count>`.
const CHILD: &str = "PICKET_JOURNAL_TEST_CHILD";

#[test]
fn processes_appending_at_once_keep_one_chain() {
    const PROCESSES: usize = 3;
    const EACH: usize = 60;
    if let Ok(spec) = std::env::var(CHILD) {
        return append_as_child(&spec);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = journal_in(dir.path());
    let key = journal.key_path().expect("key").display().to_string();
    // This test again, in other processes, as the writers.
    let this_test = format!(
        "{}::processes_appending_at_once_keep_one_chain",
        module_path!()
            .split_once("::")
            .map_or(module_path!(), |(_, rest)| rest)
    );
    let exe = std::env::current_exe().expect("the test binary");
    let mut children: Vec<_> = (0..PROCESSES)
        .map(|writer| {
            Command::new(&exe)
                .args([&this_test, "--exact", "--test-threads=1", "--nocapture"])
                .env(
                    CHILD,
                    format!("{}|{key}|p{writer}|{EACH}", journal.path().display()),
                )
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a writer starts")
        })
        .collect();
    // Every writer waits for its stdin to close: they start together.
    for child in &mut children {
        drop(child.stdin.take());
    }
    for child in children {
        let out = child.wait_with_output().expect("a writer ends");
        assert!(
            out.status.success(),
            "a writer failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    one_chain(&journal, PROCESSES * EACH, EACH);
}

fn append_as_child(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let [path, key, writer, count] = parts[..] else {
        panic!("{CHILD} is journal|key|writer|count, not {spec}");
    };
    let count: usize = count.parse().expect("a count");
    let journal = Journal::with_key(path, key);
    let mut go = Vec::new();
    std::io::stdin().read_to_end(&mut go).expect("stdin");
    for n in 0..count {
        journal
            .append(intent(&format!("{writer}-{n}"), "contain"), now())
            .expect("append");
    }
}
