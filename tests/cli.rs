//! The binary as a user runs it: config errors stop it before the terminal is touched, the
//! default config round-trips, and render prints screens.

use std::process::{Command, Output};

fn picket(args: &[&str], config: Option<&std::path::Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    cmd.args(args)
        .env_remove("PICKET_CONFIG")
        .env_remove("NO_COLOR");
    if let Some(path) = config {
        cmd.env("PICKET_CONFIG", path);
    }
    cmd.output().expect("picket runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_config_exits_before_touching_the_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "theme = \"default\"\n[findings]\nsort = \"sideways\"\n",
    )
    .expect("write config");
    let out = picket(&["--demo"], Some(&path));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:3:8:", path.display())), "{err}");
    assert!(err.contains("unknown variant `sideways`"), "{err}");
    assert!(out.stdout.is_empty(), "nothing was written to the terminal");
    assert!(
        !err.contains('\u{1b}'),
        "no escape sequence was written: {err:?}"
    );
}

#[test]
fn a_missing_config_that_was_asked_for_is_an_error() {
    let out = picket(&["--demo", "--config", "/nonexistent/picket.toml"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/picket.toml: cannot read"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let out = picket(&["--demo", "--filter", "sev>=hgih"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown severity 'hgih'"),
        "{}",
        stderr(&out)
    );
    let out = picket(&["--demo", "--theme", "neon"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown theme 'neon'"));
    let out = picket(&["--frobnicate"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = picket(&[], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--demo"), "{}", stderr(&out));
}

#[test]
fn config_default_is_a_valid_config() {
    let out = picket(&["config", "default"], None);
    assert!(out.status.success());
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &out.stdout).expect("write config");
    let check = picket(
        &[
            "config",
            "check",
            "--config",
            path.to_str().expect("utf-8 path"),
        ],
        None,
    );
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(String::from_utf8_lossy(&check.stdout).ends_with(": ok\n"));
}

#[test]
fn render_prints_the_requested_screen() {
    let out = picket(
        &[
            "render",
            "--demo",
            "--seed",
            "3",
            "--config",
            "/dev/null",
            "--size",
            "100x30",
            "--keys",
            "2 / sev>=high Enter",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 30);
    assert!(
        text.lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 100)
    );
    assert!(text.contains("sev>=high"));
    let svg = picket(
        &[
            "render",
            "--demo",
            "--config",
            "/dev/null",
            "--format",
            "svg",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&svg.stdout).starts_with("<svg"));
    let ansi = picket(
        &[
            "render",
            "--demo",
            "--config",
            "/dev/null",
            "--format",
            "ansi",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&ansi.stdout).contains("\u{1b}[0;"));
    let again = picket(
        &[
            "render",
            "--demo",
            "--seed",
            "3",
            "--config",
            "/dev/null",
            "--size",
            "100x30",
            "--keys",
            "2 / sev>=high Enter",
        ],
        None,
    );
    assert_eq!(out.stdout, again.stdout, "render is deterministic");
}

#[test]
fn no_color_selects_mono() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_picket"));
    let out = cmd
        .args([
            "render",
            "--demo",
            "--config",
            "/dev/null",
            "--format",
            "ansi",
            "--keys",
            "2",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("picket runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(";38;") && !text.contains(";48;") && !text.contains("[38;"),
        "no colour codes under NO_COLOR"
    );
    assert!(text.contains('‼'), "mono severities read by symbol");
}
