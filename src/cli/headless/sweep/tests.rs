use super::*;
use crate::model::SafeText;
use crate::model::fixtures::guardduty;
use crate::model::health::Health;

fn finding(n: usize) -> Finding {
    guardduty(
        &format!("f{n:03}"),
        "111111111111",
        "Recon:EC2/Portscan",
        5.0,
        "2026-01-15T11:00:00Z",
    )
}

fn report(service: Service, state: HealthState, message: Option<&str>) -> HealthReport {
    HealthReport {
        key: HealthKey {
            account_id: SafeText::line("111111111111"),
            region: SafeText::line("us-east-1"),
            service,
        },
        health: Health {
            state,
            last_success: None,
            message: message.map(SafeText::line),
            backlog: None,
            raw: None,
        },
    }
}

fn batch(range: std::ops::Range<usize>, state: HealthState) -> Batch {
    Batch {
        findings: range.map(finding).collect(),
        health: vec![report(Service::GuardDuty, state, None)],
        ..Batch::default()
    }
}

fn options(format: Format, limit: Option<usize>) -> FindingsOptions {
    FindingsOptions {
        filter: String::new(),
        source: SourceChoice::All,
        format,
        raw: false,
        limit,
        mask: None,
        verbose: false,
    }
}

/// Runs batches through a sweep: stdout, stderr, the exit status and whether it asked
/// for more after each batch.
fn run(
    options: FindingsOptions,
    batches: Vec<Batch>,
    everything_read: bool,
) -> (String, String, u8, Vec<bool>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut sweep = FindingsSweep::new(&mut out, &mut err, options).expect("valid filter");
    let go_on = batches.into_iter().map(|b| sweep.take(b)).collect();
    let code = sweep.finish(everything_read);
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (text(out), text(err), code, go_on)
}

#[test]
fn jsonl_prints_each_finding_once_as_it_comes_and_exits_0_when_complete() {
    let (out, err, code, go_on) = run(
        options(Format::Jsonl, None),
        vec![
            batch(0..3, HealthState::Ok),
            batch(2..5, HealthState::Ok),
            batch(0..5, HealthState::Ok),
        ],
        true,
    );
    let ids: Vec<String> = out
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["id"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(ids, ["f000", "f001", "f002", "f003", "f004"], "once each");
    assert_eq!((err.as_str(), code), ("", 0));
    assert_eq!(go_on, [true, true, true]);
}

#[test]
fn the_limit_stops_the_sweep_and_says_the_output_is_incomplete() {
    let (out, err, code, go_on) = run(
        options(Format::Jsonl, Some(4)),
        vec![batch(0..3, HealthState::Ok), batch(3..6, HealthState::Ok)],
        false,
    );
    assert_eq!(out.lines().count(), 4);
    assert_eq!(go_on, [true, false], "reading stops at the limit");
    assert_eq!(code, INCOMPLETE);
    assert!(
        err.contains("picket: incomplete: 4 findings printed; stopped at --limit 4"),
        "{err}"
    );
    // Exactly the limit, everything read: nothing was left out.
    let (_, err, code, _) = run(
        options(Format::Jsonl, Some(3)),
        vec![batch(0..3, HealthState::Ok)],
        true,
    );
    assert_eq!((err.as_str(), code), ("", 0));
}

#[test]
fn a_source_failing_part_way_makes_the_output_incomplete_and_not_enabled_does_not() {
    let failed = Batch {
        health: vec![report(
            Service::GuardDuty,
            HealthState::Throttled,
            Some("guardduty:ListFindings throttled"),
        )],
        ..Batch::default()
    };
    let (out, err, code, _) = run(
        options(Format::Jsonl, None),
        vec![batch(0..2, HealthState::Ok), failed],
        true,
    );
    assert_eq!(out.lines().count(), 2, "what was read is printed");
    assert_eq!(code, INCOMPLETE);
    assert!(
        err.starts_with(
            "picket: guardduty us-east-1 111111111111: guardduty:ListFindings throttled\n"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "incomplete: 2 findings printed; guardduty us-east-1 111111111111 failed (throttled)"
        ),
        "{err}"
    );

    let not_enabled = Batch {
        health: vec![report(
            Service::SecurityHub,
            HealthState::NotEnabled,
            Some("Security Hub is not enabled in us-east-1"),
        )],
        ..Batch::default()
    };
    let (_, err, code, _) = run(
        options(Format::Jsonl, None),
        vec![batch(0..2, HealthState::Ok), not_enabled],
        true,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Security Hub is not enabled"),
        "said, all the same"
    );
}

#[test]
fn what_a_source_left_out_is_said_and_no_answer_at_all_is_status_3() {
    let mut partial = batch(0..1, HealthState::Ok);
    partial.left_out =
        vec!["securityhub us-east-1 111111111111: 2 findings could not be read".into()];
    let (_, err, code, _) = run(options(Format::Jsonl, None), vec![partial], true);
    assert_eq!(code, INCOMPLETE);
    assert!(err.contains("2 findings could not be read"), "{err}");

    let (_, _, code, _) = run(
        options(Format::Jsonl, None),
        vec![batch(0..0, HealthState::AccessDenied)],
        true,
    );
    assert_eq!(code, super::super::ALL_FAILED);
}

#[test]
fn json_holds_sorts_and_marks_whether_it_is_complete() {
    let (out, err, code, _) = run(
        options(Format::Json, Some(3)),
        vec![batch(0..3, HealthState::Ok), batch(2..5, HealthState::Ok)],
        true,
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(v["complete"], false);
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        v["incomplete"][0], "--limit 3: 2 more findings not printed",
        "{v}"
    );
    assert_eq!(code, INCOMPLETE, "{err}");

    let (out, _, code, _) = run(
        options(Format::Json, None),
        vec![batch(0..3, HealthState::Ok), batch(2..5, HealthState::Ok)],
        true,
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(
        (
            v["complete"].clone(),
            v["findings"].as_array().map(Vec::len)
        ),
        (serde_json::Value::Bool(true), Some(5)),
        "merged by id"
    );
    assert_eq!(code, 0);
}

#[test]
fn what_was_left_out_reaches_stderr_without_control_characters() {
    let mut hostile = batch(0..1, HealthState::Ok);
    hostile.left_out = vec!["logs us-east-1 1: group \u{1b}]52;c;evil\u{7} left out".into()];
    let (_, err, code, _) = run(options(Format::Jsonl, None), vec![hostile], true);
    assert_eq!(code, INCOMPLETE);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(err.contains("left out"), "{err}");
}

#[test]
fn a_closed_pipe_stops_the_sweep_quietly() {
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let (mut out, mut err) = (Closed, Vec::new());
    let mut sweep =
        FindingsSweep::new(&mut out, &mut err, options(Format::Jsonl, None)).expect("valid");
    assert!(!sweep.take(batch(0..2, HealthState::Ok)), "stops reading");
    assert_eq!(sweep.finish(false), 0);
    assert!(err.is_empty());
}

#[test]
fn log_events_are_printed_once_and_limited_like_findings() {
    let event = |n: i64| {
        let mut e = LogEvent::new(
            Timestamp::from_second(1_700_000_000 + n).expect("time"),
            "111111111111",
            "us-east-1",
            "trail",
            "stream",
            &format!("{{\"eventName\":\"Call{n}\"}}"),
        );
        e.event_id = Some(SafeText::line(&format!("e{n}")));
        e
    };
    let logs = |range: std::ops::Range<i64>| Batch {
        events: range.map(event).collect(),
        health: vec![report(Service::CloudWatchLogs, HealthState::Ok, None)],
        ..Batch::default()
    };
    let filter = || EventFilter {
        since: None,
        pattern: None,
        detector: None,
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let options = EventsOptions {
        filter: filter(),
        format: Format::Jsonl,
        limit: Some(5),
        mask: None,
        verbose: false,
    };
    let mut sweep = EventsSweep::new(&mut out, &mut err, options);
    assert!(sweep.take(logs(0..3)));
    assert!(!sweep.take(logs(1..6)), "the limit is reached");
    assert_eq!(sweep.finish(false), INCOMPLETE);
    let names: Vec<String> = String::from_utf8(out)
        .expect("utf-8")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            v["message"]["eventName"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["Call0", "Call1", "Call2", "Call3", "Call4"]);
}
