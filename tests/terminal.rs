//! picket in a real terminal (tmux), driven as a person would: it starts, shows findings, takes
//! keys, and leaves the terminal clean on quit and on a panic.
//!
//! Needs tmux: the test setup installs it when missing (apt-get), and fails saying so when it
//! cannot.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

/// tmux, installed by the test setup when missing (apt-get, as root or through sudo); a failed
/// install fails the tests with the command to run by hand.
fn ensure_tmux() {
    static READY: std::sync::Once = std::sync::Once::new();
    READY.call_once(|| {
        let present = || {
            Command::new("tmux")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if present() {
            return;
        }
        eprintln!("tmux is not installed: installing it with apt-get for the terminal tests");
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0"));
        let apt = |args: &[&str]| {
            let mut cmd = if root {
                Command::new("apt-get")
            } else {
                let mut sudo = Command::new("sudo");
                sudo.arg("-n").arg("apt-get");
                sudo
            };
            cmd.args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success())
        };
        let installed = apt(&["install", "-y", "-qq", "tmux"])
            || (apt(&["update", "-qq"]) && apt(&["install", "-y", "-qq", "tmux"]));
        assert!(
            installed && present(),
            "tmux is required for the terminal tests and could not be installed: run apt-get install tmux"
        );
    });
}

struct Session {
    name: String,
}

impl Session {
    fn start(command: &str, size: (u16, u16)) -> Session {
        ensure_tmux();
        let name = format!("picket-test-{}-{}", std::process::id(), rand_suffix());
        // Sessions start one at a time: tests run in parallel, and two `new-session`s that both
        // find no tmux server each start one, and one of them fails.
        static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let starting = STARTING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A plain shell first, so the pane outlives picket and shows what it left behind. A
        // server that is exiting as its last session closes (another test's) refuses the
        // client once ("server exited unexpectedly"): asked again, a new server starts.
        let start = || {
            Command::new("tmux")
                .args([
                    "new-session",
                    "-d",
                    "-s",
                    &name,
                    "-x",
                    &size.0.to_string(),
                    "-y",
                    &size.1.to_string(),
                ])
                .args([
                    "env",
                    "-u",
                    "NO_COLOR",
                    "PS1=$ ",
                    "TERM=xterm-256color",
                    "bash",
                    "--norc",
                    "--noprofile",
                ])
                .output()
                .expect("tmux starts")
        };
        let mut output = start();
        for _ in 0..2 {
            if output.status.success()
                || !String::from_utf8_lossy(&output.stderr).contains("server exited unexpectedly")
            {
                break;
            }
            output = start();
        }
        drop(starting);
        assert!(
            output.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let session = Session { name };
        session.keys_literal(command);
        session.keys(&["Enter"]);
        session
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    fn keys_literal(&self, text: &str) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name, "-l", text])
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits (polling the pane, up to 30 s) until `check` holds; panics with the screen if not.
    /// Generous: a debug build of picket in each of five sessions at once on two cores reads
    /// the demo's CloudTrail backfill before its findings, which has taken over 10 s.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Instant::now().elapsed().as_nanos() as u64);
    h.finish() % 1_000_000
}

fn picket_command(extra: &str) -> String {
    format!(
        "{} --demo --seed 7 --config /dev/null --no-store {extra}; echo EXITED:$?",
        env!("CARGO_BIN_EXE_picket")
    )
}

#[test]
fn a_new_user_session_at_120x40() {
    let s = Session::start(&picket_command(""), (120, 40));
    s.wait_for("the overview with findings", |t| {
        t.contains("Open findings by account") && t.contains("prod-")
    });
    s.keys(&["2"]);
    s.wait_for("the findings table", |t| {
        t.contains("SEV↓") && t.contains("CRIT")
    });
    s.keys(&["/"]);
    s.keys_literal("sev>=high");
    s.keys(&["Enter"]);
    let screen = s.wait_for("the filter applied", |t| t.contains("│ sev>=high"));
    let rows: Vec<&str> = screen
        .lines()
        .skip(2)
        .take(30)
        .filter(|l| l.len() > 10)
        .collect();
    assert!(!rows.is_empty());
    for row in &rows {
        assert!(
            row.contains("CRIT") || row.contains("HIGH"),
            "a row below high after sev>=high: {row}"
        );
    }
    s.keys(&["Enter"]);
    s.wait_for("the detail with raw JSON", |t| {
        t.contains("Raw JSON") && (t.contains("\"accountId\"") || t.contains("\"AwsAccountId\""))
    });
    // Escape and the next key go separately: sent together they read as Alt+key, as they would
    // from a person who typed them within a few milliseconds.
    s.keys(&["Escape"]);
    s.wait_for("the detail to close", |t| t.contains("SEV↓"));
    s.keys(&["?"]);
    s.wait_for("the help", |t| {
        t.contains("Keys ·") && t.contains("Esc closes") && t.contains("copy the finding's ARN")
    });
    s.keys(&["Escape"]);
    s.wait_for("the help to close", |t| !t.contains("Esc closes"));
    s.keys(&["q"]);
    let screen = s.wait_for("picket to exit", |t| t.contains("EXITED:0"));
    assert!(
        !screen.contains("SEV↓"),
        "the alternate screen is gone:\n{screen}"
    );
}

#[test]
fn usable_at_80x24_and_follows_resizes() {
    let s = Session::start(&picket_command(""), (80, 24));
    s.keys(&["2"]);
    let screen = s.wait_for("the findings table", |t| t.contains("SEV↓"));
    assert!(
        screen
            .lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 80)
    );
    let status = Command::new("tmux")
        .args(["resize-window", "-t", &s.name, "-x", "130", "-y", "30"])
        .status()
        .expect("resize");
    assert!(status.success());
    // The columns 80 had no room for come back (the source's, the resource's).
    s.wait_for("the wider layout", |t| {
        t.contains(" SRC ") && t.contains("RESOURCE")
    });
    s.keys(&["C-c"]);
    s.wait_for("Ctrl-C to quit", |t| t.contains("EXITED:0"));
}

#[test]
fn new_findings_keep_arriving() {
    let s = Session::start(&picket_command(""), (120, 40));
    s.keys(&["2"]);
    let count = |t: &str| -> Option<usize> {
        let line = t.lines().last()?;
        let of = line.find(" of ")?;
        let digits: String = line[of + 4..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(|c| *c != ',')
            .collect();
        digits.parse().ok()
    };
    let first = s.wait_for("the first findings", |t| {
        t.contains("CRIT") && count(t).is_some_and(|n| n > 0)
    });
    let start = count(&first).expect("a total in the status bar");
    s.wait_for("a new finding to arrive", |t| {
        count(t).is_some_and(|n| n > start) || t.contains(" new)")
    });
    s.keys(&["q"]);
    s.wait_for("exit", |t| t.contains("EXITED:0"));
}

#[test]
fn the_terminal_is_restored_after_a_panic() {
    let state = tempfile::tempdir().expect("temp dir");
    let command = format!(
        "PICKET_DEBUG_PANIC=1 RUST_BACKTRACE=0 XDG_STATE_HOME={} {}",
        state.path().display(),
        picket_command("")
    );
    let s = Session::start(&command, (100, 30));
    let screen = s.wait_for("the process to end", |t| {
        t.lines().any(|l| l.starts_with("EXITED:"))
    });
    assert!(
        screen.lines().any(|l| l.starts_with("EXITED:101")),
        "a panic exits with 101:\n{screen}"
    );
    assert!(
        screen.contains("panicked"),
        "the panic message is readable:\n{screen}"
    );
    assert!(
        !screen.contains("Open findings by account"),
        "the alternate screen is gone:\n{screen}"
    );
    assert!(
        screen.contains("crash report written to"),
        "the report's path is printed:\n{screen}"
    );
    let reports: Vec<_> = std::fs::read_dir(state.path().join("picket/crashes"))
        .expect("a crash directory")
        .flatten()
        .collect();
    assert_eq!(reports.len(), 1, "one report");
    let report = std::fs::read_to_string(reports[0].path()).expect("readable");
    for part in [
        "picket 0.1.0 crashed",
        "message: PICKET_DEBUG_PANIC is set",
        "place: src/runtime/mod.rs:",
        "last messages, oldest first:\n  resize to 100×30",
        "backtrace:",
    ] {
        assert!(report.contains(part), "{part:?} in the report:\n{report}");
    }
    // Cooked mode is back: a typed command runs and echoes normally.
    s.keys_literal("echo still-$((40+2))");
    s.keys(&["Enter"]);
    s.wait_for("the shell to work", |t| t.contains("still-42"));
}

#[test]
fn demo_actions_go_to_the_demo_journal_never_the_real_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (state, config) = (dir.path().join("state"), dir.path().join("config"));
    let places = format!(
        "env -u PICKET_JOURNAL -u PICKET_JOURNAL_KEY XDG_STATE_HOME={} XDG_CONFIG_HOME={}",
        state.display(),
        config.display()
    );
    let s = Session::start(&format!("{places} {}", picket_command("")), (120, 40));
    s.keys(&["2"]);
    s.wait_for("the findings table", |t| t.contains("SEV↓"));
    s.keys(&["/"]);
    s.keys_literal("account:sandbox-alice");
    s.keys(&["Enter"]);
    s.wait_for("the filter applied", |t| {
        t.contains("│ account:sandbox-alice")
    });
    s.keys(&["a"]);
    s.wait_for("the action menu", |t| t.contains("Act on 1 findings"));
    s.keys(&["o"]);
    s.wait_for("the confirmation", |t| {
        t.contains("Confirm: set workflow NOTIFIED")
    });
    s.keys(&["y"]);
    // The row changes once the outcome is back, which is journaled before.
    s.wait_for("the action done", |t| {
        t.lines()
            .any(|l| l.contains("AdminRole") && l.contains("NOTIFIED"))
    });
    s.keys(&["q"]);
    s.wait_for("picket to exit", |t| t.contains("EXITED:0"));

    let journals = state.join("picket");
    assert!(
        !journals.join("journal.jsonl").exists(),
        "the real journal is untouched"
    );
    let demo = picket::journal::Journal::with_key(
        journals.join("journal-demo.jsonl"),
        config.join("picket/journal.key"),
    );
    let verified = demo.verify().expect("the demo journal verifies");
    assert_eq!(verified.records, 2, "the intent and its outcome");
    assert!(verified.anchored);

    let audit = |demo: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
        cmd.arg("audit")
            .env_remove("PICKET_JOURNAL")
            .env_remove("PICKET_JOURNAL_KEY")
            .env("XDG_STATE_HOME", &state)
            .env("XDG_CONFIG_HOME", &config);
        if demo {
            cmd.arg("--demo");
        }
        let out = cmd.output().expect("picket audit runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listed = audit(true);
    assert!(listed.contains("set_workflow"), "{listed}");
    assert!(listed.contains("1 done"), "{listed}");
    let real = audit(false);
    assert_eq!(
        real.lines().count(),
        1,
        "the real journal has nothing: {real}"
    );
}

/// picket on live AWS as a new user starts it: a temp home whose AWS config is `aws_config`,
/// no other credentials, `extra` flags; the shell's PATH starts with `bin` (a stand-in AWS CLI).
fn new_user_command(home: &std::path::Path, aws_config: &str, extra: &str) -> String {
    std::fs::write(home.join("aws-config"), aws_config).expect("AWS config");
    std::fs::write(home.join("picket.toml"), "[securityhub]\napi = \"cspm\"\n").expect("config");
    format!(
        "env -i PATH={bin}:/usr/bin:/bin TERM=xterm-256color HOME={home} AWS_CONFIG_FILE={home}/aws-config AWS_SHARED_CREDENTIALS_FILE={home}/aws-credentials AWS_EC2_METADATA_DISABLED=true {picket} --config {home}/picket.toml --no-store --region us-east-1 {extra}; echo EXITED:$?",
        bin = home.join("bin").display(),
        home = home.display(),
        picket = env!("CARGO_BIN_EXE_picket"),
    )
}

/// The overview of a new user whose setup fails says why, with the fix, in place of empty grids.
fn overview_says(command: &str, line: &str) {
    let s = Session::start(command, (120, 40));
    let screen = s.wait_for(line, |t| {
        t.contains("Nothing read yet")
            && t.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(line)
    });
    assert!(screen.contains("picket doctor"), "{screen}");
    s.keys(&["q"]);
    s.wait_for("picket to exit", |t| t.contains("EXITED:0"));
}

#[test]
fn a_new_user_without_a_working_setup_reads_why_on_the_overview() {
    let home = tempfile::tempdir().expect("home");
    // No credentials at all.
    overview_says(
        &new_user_command(home.path(), "", ""),
        "no AWS credentials found (looked in:",
    );
    // A profile that does not exist.
    overview_says(
        &new_user_command(home.path(), "[profile dev]\n", "--profile prod"),
        "profile 'prod' does not exist in ~/.aws/config or ~/.aws/credentials (defined: dev)",
    );
    // An SSO profile with an empty token cache: the login is offered before the TUI; declined,
    // picket starts and says what to run.
    let sso = "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
    let s = Session::start(
        &new_user_command(home.path(), sso, "--profile sso"),
        (120, 40),
    );
    s.wait_for("the login offer", |t| {
        t.contains("run `aws sso login --profile sso") && t.contains("now? [Y/n]")
    });
    s.keys(&["n", "Enter"]);
    s.wait_for("the overview saying what to run", |t| {
        t.contains("Nothing read yet") && t.contains("run `aws sso login --profile sso`")
    });
    s.keys(&["q"]);
    s.wait_for("picket to exit", |t| t.contains("EXITED:0"));
}

#[test]
fn an_sso_login_accepted_runs_the_aws_cli_device_code_flow_before_the_tui() {
    let home = tempfile::tempdir().expect("home");
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    let aws = bin.join("aws");
    std::fs::write(
        &aws,
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo aws-cli/2.31.4 Python/3.13; exit 0; fi\necho \"stand-in aws: $*\" > \"$HOME/aws-ran\"\necho 'Then enter the code: ABCD-EFGH'\nsleep 2\n",
    )
    .expect("stand-in aws");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let sso = "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n";
    let s = Session::start(
        &new_user_command(home.path(), sso, "--profile sso"),
        (120, 40),
    );
    s.wait_for("the login offer", |t| t.contains("now? [Y/n]"));
    s.keys(&["Enter"]);
    s.wait_for("the device code, before the TUI", |t| {
        t.contains("Then enter the code: ABCD-EFGH")
    });
    // The stand-in made no token: picket starts and says so.
    s.wait_for("the TUI", |t| t.contains("Nothing read yet"));
    let ran = std::fs::read_to_string(home.path().join("aws-ran")).expect("the AWS CLI ran");
    assert_eq!(
        ran.trim(),
        "stand-in aws: sso login --profile sso --use-device-code"
    );
    s.keys(&["q"]);
    s.wait_for("picket to exit", |t| t.contains("EXITED:0"));
}

#[test]
fn a_skewed_clock_reads_as_such_on_the_overview() {
    let runtime = common::endpoint_runtime();
    let server = runtime.block_on(common::faults::FaultServer::start());
    server.fail_after(
        common::faults::Op::CallerIdentity,
        0,
        common::faults::Fault::Said(
            403,
            "SignatureDoesNotMatch",
            "Signature expired: 20261201T000000Z is now earlier than 20261201T001600Z (20261201T003100Z - 15 min.)",
        ),
    );
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        home.path().join("aws-credentials"),
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .expect("credentials");
    overview_says(
        &new_user_command(home.path(), "", &format!("--endpoint-url {}", server.url())),
        "this machine's clock is off by 31 min",
    );
}

#[test]
fn an_mfa_code_is_asked_for_on_the_terminal_before_the_tui() {
    let runtime = common::endpoint_runtime();
    let server = runtime.block_on(common::faults::FaultServer::start());
    let home = tempfile::tempdir().expect("home");
    std::fs::write(
        home.path().join("aws-credentials"),
        "[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
    )
    .expect("credentials");
    let config = "[profile admin]\nrole_arn = arn:aws:iam::444455556666:role/Admin\nsource_profile = keys\nmfa_serial = arn:aws:iam::111122223333:mfa/alice\n[profile keys]\n";
    let s = Session::start(
        &new_user_command(
            home.path(),
            config,
            &format!("--profile admin --endpoint-url {}", server.url()),
        ),
        (120, 40),
    );
    s.wait_for("the MFA prompt on the plain terminal", |t| {
        t.contains("picket: MFA code for arn:aws:iam::111122223333:mfa/alice (profile admin):")
    });
    s.keys_literal("654321");
    s.keys(&["Enter"]);
    s.wait_for("the TUI reading as the role", |t| {
        t.contains("admin · 111122223333 · arn:aws:iam::111122223333:user/a")
    });
    let asked: Vec<String> = server
        .bodies(common::faults::Op::AssumeRole)
        .iter()
        .filter_map(|b| b.as_str().map(str::to_string))
        .collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("TokenCode=654321"), "{}", asked[0]);
    s.keys(&["q"]);
    s.wait_for("picket to exit", |t| t.contains("EXITED:0"));
}
