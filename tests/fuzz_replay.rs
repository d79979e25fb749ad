//! The fuzz targets, run short: every target's body (`fuzz/targets.rs`, the same code the
//! libFuzzer binaries run) on its committed seeds (`fuzz/corpus/<target>/`), on every input that
//! once crashed it (`fuzz/regressions/<target>/`), and on seeded random mutations of the seeds.
//! A failure names the input and writes it where `cargo fuzz run <target> <file>` can replay it.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Mutations per target; the seed makes every run try the same inputs.
const MUTATIONS: usize = 2_500;
/// The committed seeds stay small: a corpus is for coverage, not for bulk.
const MAX_CORPUS_BYTES: u64 = 2 << 20;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files of `dir`, sorted by name; none when it does not exist.
fn inputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

fn target(name: &str) -> fn(&[u8]) {
    targets::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no fuzz target named {name}"))
}

/// Runs `input`; a panic is re-raised naming the input, which is saved for replay.
fn run(name: &str, what: &str, input: &[u8]) {
    let body = target(name);
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(input))) {
        let saved = std::env::temp_dir().join(format!("picket-fuzz-{name}-{:016x}", fnv1a(input)));
        let _ = std::fs::write(&saved, input);
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("(no message)");
        panic!(
            "fuzz target {name} failed on {what}: {message}\ninput saved to {}; replay with `cargo fuzz run {name} {}`",
            saved.display(),
            saved.display()
        );
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Fragments that reach the edges the targets guard: nesting, calendar limits, wide and
/// dangerous characters, huge numbers, gzip.
const TOKENS: &[&[u8]] = &[
    b"((((((((((((((((((((((((((((((((((",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":",
    b"9999-12-30T21:59:59Z",
    b"-009999-01-02T02:00:00Z",
    b"253402207199999",
    b"-377705116800000",
    b"99999999999999999999",
    b"5000000d",
    b"1h30m",
    b"\xc3\xa9",
    b"\xe3\x80\x80",
    b"\xe2\x80\xae",
    b"\x1b[2J",
    b"\x00",
    b"\"",
    b"\\u00e9",
    b"...,",
    b" IS ",
    b"$.",
    b"[*]",
    b"%.*%",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
];

/// One mutation of `seed`, perhaps spliced with `other`.
fn mutate(rng: &mut fastrand::Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let at = rng.usize(..=data.len());
        match rng.u8(..7) {
            0 if !data.is_empty() => {
                let i = rng.usize(..data.len());
                data[i] ^= 1 << rng.u8(..8);
            }
            1 => data.insert(at, rng.u8(..)),
            2 if at < data.len() => {
                let end = rng.usize(at..=data.len().min(at + 16));
                data.drain(at..end);
            }
            3 => {
                let token = TOKENS[rng.usize(..TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            4 if !other.is_empty() => {
                let from = rng.usize(..other.len());
                let to = rng.usize(from..=other.len().min(from + 64));
                data.splice(at..at, other[from..to].iter().copied());
            }
            5 if at < data.len() => {
                let end = rng.usize(at..=data.len().min(at + 32));
                let copy = data[at..end].to_vec();
                data.splice(end..end, copy);
            }
            _ => data.truncate(at),
        }
    }
    data
}

fn replay(name: &str) {
    let dir = fuzz_dir();
    let seeds = inputs(&dir.join("corpus").join(name));
    assert!(!seeds.is_empty(), "fuzz/corpus/{name}/ holds no seeds");
    for (path, bytes) in &seeds {
        run(name, &format!("seed {}", path.display()), bytes);
    }
    for (path, bytes) in inputs(&dir.join("regressions").join(name)) {
        run(name, &format!("regression {}", path.display()), &bytes);
    }
    let mut rng = fastrand::Rng::with_seed(fnv1a(name.as_bytes()));
    for n in 0..MUTATIONS {
        let seed = &seeds[rng.usize(..seeds.len())].1;
        let other = &seeds[rng.usize(..seeds.len())].1;
        let input = mutate(&mut rng, seed, other);
        run(name, &format!("mutation {n}"), &input);
    }
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name));
            }
        )*

        #[test]
        fn every_target_is_replayed_and_has_a_corpus() {
            let replayed = [$(stringify!($name)),*];
            let names: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, replayed, "a target without a replay test, or the reverse");
            let mut corpus = std::fs::read_dir(fuzz_dir().join("corpus"))
                .expect("fuzz/corpus")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>();
            corpus.sort();
            let mut sorted = names.clone();
            sorted.sort();
            assert_eq!(corpus, sorted, "fuzz/corpus/ has a directory per target, no more");
        }
    };
}

replay_tests!(
    filter,
    pattern,
    guardduty,
    asff,
    ocsf,
    cloudtrail,
    eventbridge,
    file,
    config,
    theme,
    journal,
);

#[test]
fn the_committed_corpus_stays_small() {
    let mut total = 0;
    for kind in ["corpus", "regressions"] {
        let Ok(dirs) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for dir in dirs {
            for (_, bytes) in inputs(&dir.expect("entry").path()) {
                total += bytes.len() as u64;
            }
        }
    }
    assert!(
        total < MAX_CORPUS_BYTES,
        "the seeds and regressions hold {total} bytes"
    );
}
