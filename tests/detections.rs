//! The CloudTrail stream as a detector: records that arrive in the logs feed and match a CIS
//! detection become alerts in the findings queue, counted per detection, account and
//! principal; `:detect` changes what is detected.

use picket::app::{App, Msg, Options, update};
use picket::model::{LogEvent, SourceKind};
use picket::sources::{Batch, Feed};

fn event(n: u32, identity: &str, name: &str) -> LogEvent {
    let message = serde_json::json!({
        "eventVersion": "1.08", "eventTime": format!("2026-01-15T09:0{n}:00Z"),
        "eventSource": "iam.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
        "eventType": "AwsApiCall", "recipientAccountId": "111122223333",
        "eventID": format!("e-{n}"), "sourceIPAddress": "198.51.100.7",
        "userIdentity": {"type": identity, "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"}
    })
    .to_string();
    let mut e = LogEvent::new(
        "2026-01-15T09:00:00Z".parse().expect("time"),
        "111122223333",
        "us-east-1",
        "trail",
        "111122223333_CloudTrail_us-east-1",
        &message,
    );
    e.event_id = Some(picket::model::SafeText::line(&format!("e-{n}")));
    e
}

fn logs(app: &mut App, events: Vec<LogEvent>) {
    let batch = Batch {
        events,
        ..Batch::default()
    };
    update(app, Msg::Batch(Feed::Logs, batch));
}

fn alerts(app: &App) -> Vec<picket::model::Finding> {
    (0..app.store.len() as u32)
        .filter_map(|ix| app.store.finding(ix))
        .filter(|f| f.sources.contains(SourceKind::Detection))
        .collect()
}

#[test]
fn matching_records_raise_one_counted_alert_per_principal() {
    let mut app = App::new(
        Options::default(),
        "2026-01-15T09:10:00Z".parse().expect("time"),
    );
    logs(
        &mut app,
        vec![
            event(1, "Root", "ListUsers"),
            event(2, "IAMUser", "ListUsers"),
            event(3, "Root", "GetAccountSummary"),
        ],
    );
    let found = alerts(&app);
    assert_eq!(found.len(), 1, "two root records, one alert: {found:#?}");
    let alert = &found[0];
    assert_eq!(alert.count, 2);
    assert_eq!(alert.product.as_str(), "picket detection");
    assert_eq!(
        alert
            .compliance
            .as_ref()
            .and_then(|c| c.control_id.as_deref()),
        Some("CloudWatch.1")
    );
    assert_eq!(alert.account_id.as_str(), "111122223333");
    assert!(
        alert
            .types
            .iter()
            .any(|t| t.as_str() == "TTPs/Privilege Escalation/T1078.004"),
        "the detection's ATT&CK tactic and technique: {:?}",
        alert.types
    );
    assert!(
        alert
            .title
            .as_str()
            .starts_with("root account used: iam:GetAccountSummary")
    );
    let raw = alert.raw.parse().expect("the alert's record");
    assert!(
        raw["ProductFields"]["picket/record"]
            .as_str()
            .is_some_and(|r| r.contains("GetAccountSummary")),
        "the matching record travels with the alert"
    );
    // The same records again (an overlapping poll) count nothing twice.
    logs(&mut app, vec![event(3, "Root", "GetAccountSummary")]);
    assert_eq!(alerts(&app)[0].count, 2);
    // The queue filters them like any finding.
    update(
        &mut app,
        Msg::Key(picket::app::keys::parse_sequence("2").remove(0)),
    );
    app.findings
        .table
        .set_filter(
            "source:detection control:CloudWatch.1 tactic:privilege-escalation",
            &app.store,
            &app.directory,
            app.now,
        )
        .expect("filter");
    assert_eq!(app.findings.table.rows.len(), 1);
}

#[test]
fn detect_off_and_by_name() {
    let mut app = App::new(
        Options::default(),
        "2026-01-15T09:10:00Z".parse().expect("time"),
    );
    // Typed on the `:` line, as an analyst would.
    let command = |app: &mut App, line: &str| {
        let keys = format!(
            ": {} Enter",
            line.split(' ').collect::<Vec<_>>().join(" Space ")
        );
        for key in picket::app::keys::parse_sequence(&keys) {
            update(app, Msg::Key(key));
        }
    };
    command(&mut app, "detect off");
    logs(&mut app, vec![event(1, "Root", "ListUsers")]);
    assert!(alerts(&app).is_empty(), "nothing is detected when off");
    command(&mut app, "detect iam-policy-changes");
    logs(
        &mut app,
        vec![
            event(2, "Root", "ListUsers"),
            event(3, "IAMUser", "PutUserPolicy"),
        ],
    );
    let found = alerts(&app);
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]
            .compliance
            .as_ref()
            .and_then(|c| c.control_id.as_deref()),
        Some("CloudWatch.4")
    );
}

#[test]
fn an_alert_in_the_queue_is_raised_again_once_a_tick_however_often_it_matches() {
    let start: jiff::Timestamp = "2026-01-15T09:10:00Z".parse().expect("time");
    let mut app = App::new(Options::default(), start);
    logs(&mut app, vec![event(1, "Root", "ListUsers")]);
    assert_eq!(alerts(&app)[0].count, 1, "a new alert goes in at once");
    let version = app.store.version();
    // Two more batches within the same second match the same alert: counted, not rebuilt.
    logs(&mut app, vec![event(2, "Root", "ListUsers")]);
    logs(&mut app, vec![event(3, "Root", "GetAccountSummary")]);
    assert_eq!(app.store.version(), version, "the queue holds still");
    assert_eq!(alerts(&app)[0].count, 1);
    // The clock ticks: the alert goes in once, with every match counted and the latest record.
    update(
        &mut app,
        Msg::Tick(start + jiff::SignedDuration::from_secs(1)),
    );
    let found = alerts(&app);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].count, 3);
    assert!(
        found[0]
            .title
            .as_str()
            .starts_with("root account used: iam:GetAccountSummary"),
        "{}",
        found[0].title.as_str()
    );
    assert!(app.logs.pending_alerts.is_empty());
    // A quiet second later, a match goes in at once again.
    update(
        &mut app,
        Msg::Tick(start + jiff::SignedDuration::from_secs(2)),
    );
    let version = app.store.version();
    logs(&mut app, vec![event(4, "Root", "ListUsers")]);
    assert_ne!(app.store.version(), version);
    assert_eq!(alerts(&app)[0].count, 4);
}

/// A CloudTrail record at `time` by `who` (an IAM user's name, or `root`) from `ip`.
fn call(time: &str, who: &str, ip: &str, name: &str) -> LogEvent {
    let identity = if who == "root" {
        serde_json::json!({"type": "Root", "arn": "arn:aws:iam::111122223333:root", "accountId": "111122223333"})
    } else {
        serde_json::json!({"type": "IAMUser", "userName": who, "accountId": "111122223333",
            "arn": format!("arn:aws:iam::111122223333:user/{who}")})
    };
    let message = serde_json::json!({
        "eventVersion": "1.08", "eventTime": time, "eventSource": "iam.amazonaws.com",
        "eventName": name, "awsRegion": "us-east-1", "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333", "eventID": format!("{time}-{who}-{name}"),
        "sourceIPAddress": ip, "userIdentity": identity
    })
    .to_string();
    let mut e = LogEvent::new(
        time.parse().expect("time"),
        "111122223333",
        "us-east-1",
        "trail",
        "111122223333_CloudTrail_us-east-1",
        &message,
    );
    e.event_id = Some(picket::model::SafeText::line(&format!(
        "{time}-{who}-{name}"
    )));
    e
}

fn alerting() -> picket::app::Options {
    picket::app::Options {
        alerts: picket::app::alerts::AlertOptions {
            filter: Some(picket::query::Query::parse("source:detection is:new").expect("filter")),
            quiet: None,
        },
        ..Options::default()
    }
}

#[test]
fn repeated_matches_fold_into_one_row_that_counts_them_and_lists_the_latest() {
    let start: jiff::Timestamp = "2026-01-15T09:00:00Z".parse().expect("time");
    let mut app = App::new(Options::default(), start);
    // Seven root calls over two batches and a tick, from three addresses; one by alice.
    logs(
        &mut app,
        vec![
            call("2026-01-15T09:01:00Z", "root", "198.51.100.1", "ListUsers"),
            call(
                "2026-01-15T09:02:00Z",
                "root",
                "198.51.100.2",
                "GetAccountSummary",
            ),
            call(
                "2026-01-15T09:02:30Z",
                "alice",
                "198.51.100.9",
                "PutUserPolicy",
            ),
            call("2026-01-15T09:03:00Z", "root", "198.51.100.1", "ListRoles"),
        ],
    );
    update(
        &mut app,
        Msg::Tick(start + jiff::SignedDuration::from_secs(1)),
    );
    logs(
        &mut app,
        (4..8)
            .map(|n| {
                call(
                    &format!("2026-01-15T09:0{n}:00Z"),
                    "root",
                    "203.0.113.7",
                    "CreateAccessKey",
                )
            })
            .collect(),
    );
    let root: Vec<_> = alerts(&app)
        .into_iter()
        .filter(|a| a.title.as_str().starts_with("root account used"))
        .collect();
    assert_eq!(root.len(), 1, "one row for root in the account: {root:#?}");
    let alert = &root[0];
    assert_eq!(alert.count, 7);
    assert_eq!(alert.first_seen.to_string(), "2026-01-15T09:01:00Z");
    assert_eq!(alert.last_seen.to_string(), "2026-01-15T09:07:00Z");
    let listed: Vec<(String, &str, Option<&str>)> = alert
        .matches
        .iter()
        .map(|m| (m.at.to_string(), m.event.as_str(), m.source_ip.as_deref()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "2026-01-15T09:07:00Z".into(),
                "iam:CreateAccessKey",
                Some("203.0.113.7")
            ),
            (
                "2026-01-15T09:06:00Z".into(),
                "iam:CreateAccessKey",
                Some("203.0.113.7")
            ),
            (
                "2026-01-15T09:05:00Z".into(),
                "iam:CreateAccessKey",
                Some("203.0.113.7")
            ),
            (
                "2026-01-15T09:04:00Z".into(),
                "iam:CreateAccessKey",
                Some("203.0.113.7")
            ),
            (
                "2026-01-15T09:03:00Z".into(),
                "iam:ListRoles",
                Some("198.51.100.1")
            ),
        ],
        "the latest five, newest first"
    );
    // The queue: one row per detection, account and principal.
    update(
        &mut app,
        Msg::Key(picket::app::keys::parse_sequence("2").remove(0)),
    );
    app.findings
        .table
        .set_filter("source:detection", &app.store, &app.directory, app.now)
        .expect("filter");
    assert_eq!(
        app.findings.table.rows.len(),
        2,
        "root's use of the account, alice's policy change"
    );
}

#[test]
fn the_backfill_stays_out_of_the_latest_findings_and_never_rings() {
    let start: jiff::Timestamp = "2026-01-15T09:30:00Z".parse().expect("time");
    let mut app = App::new(alerting(), start);
    let unseen = |app: &App| {
        (0..app.store.len() as u32)
            .filter(|&ix| app.store.is_unseen(ix))
            .count()
    };
    // The log sources' first read: the CloudTrail of the minutes before picket started, with
    // root's use of the account — and one record after the start that is the
    // same alert's (the first match decides).
    let effects = update(
        &mut app,
        Msg::Batch(
            Feed::Logs,
            Batch {
                events: vec![
                    call("2026-01-15T09:16:00Z", "root", "198.51.100.1", "ListUsers"),
                    call(
                        "2026-01-15T09:29:00Z",
                        "alice",
                        "198.51.100.9",
                        "PutUserPolicy",
                    ),
                    call("2026-01-15T09:30:00Z", "root", "198.51.100.1", "ListRoles"),
                ],
                ..Batch::default()
            },
        ),
    )
    .effects;
    assert_eq!(alerts(&app).len(), 2, "in the queue all the same");
    assert!(
        app.stats.latest.is_empty(),
        "the baseline is not the latest: {:?}",
        app.stats.latest
    );
    assert_eq!(unseen(&app), 0);
    assert!(
        !effects.iter().any(|e| matches!(
            e,
            picket::app::Effect::Notify(_) | picket::app::Effect::Title(_)
        )),
        "{effects:?}"
    );
    // Root's next call is an update of the baseline's alert, not a new finding.
    update(
        &mut app,
        Msg::Tick(start + jiff::SignedDuration::from_secs(60)),
    );
    logs(
        &mut app,
        vec![call(
            "2026-01-15T09:31:00Z",
            "root",
            "198.51.100.1",
            "ListRoles",
        )],
    );
    assert!(app.stats.latest.is_empty());
    // A detection first matched since the start is news: latest, unseen, rung.
    let effects = update(
        &mut app,
        Msg::Batch(
            Feed::Logs,
            Batch {
                events: vec![call(
                    "2026-01-15T09:31:30Z",
                    "bob",
                    "203.0.113.7",
                    "AttachUserPolicy",
                )],
                ..Batch::default()
            },
        ),
    )
    .effects;
    let latest: Vec<String> = app
        .stats
        .latest
        .iter()
        .map(|&ix| app.store.title(ix).to_string())
        .collect();
    assert_eq!(latest, ["IAM policy changed: iam:AttachUserPolicy by bob"]);
    assert_eq!(unseen(&app), 1);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, picket::app::Effect::Title(1))),
        "{effects:?}"
    );
}

#[test]
fn a_restart_counts_on_from_the_stored_alert_without_counting_its_records_again() {
    let first_run: jiff::Timestamp = "2026-01-15T09:10:00Z".parse().expect("time");
    let mut app = App::new(Options::default(), first_run);
    let root = |minute: u32| {
        call(
            &format!("2026-01-15T09:{minute:02}:00Z"),
            "root",
            "198.51.100.1",
            "ListUsers",
        )
    };
    logs(&mut app, (1..=3).map(root).collect());
    let stored = alerts(&app).remove(0);
    assert_eq!(stored.count, 3);
    // The next run starts from the disk store, and its backfill reads minutes 2 to 5 again.
    let mut again = App::new(
        Options::default(),
        "2026-01-15T09:20:00Z".parse().expect("time"),
    );
    again
        .store
        .upsert(stored, "2026-01-15T09:20:00Z".parse().expect("time"), true);
    logs(&mut again, (2..=5).map(root).collect());
    let found = alerts(&again);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].count, 5, "minutes 1 to 5, each once");
    assert_eq!(found[0].first_seen.to_string(), "2026-01-15T09:01:00Z");
    assert_eq!(found[0].last_seen.to_string(), "2026-01-15T09:05:00Z");
    let times: Vec<String> = found[0].matches.iter().map(|m| m.at.to_string()).collect();
    assert_eq!(
        times,
        [
            "2026-01-15T09:05:00Z",
            "2026-01-15T09:04:00Z",
            "2026-01-15T09:03:00Z",
            "2026-01-15T09:02:00Z",
            "2026-01-15T09:01:00Z"
        ]
    );
}

#[test]
fn an_alert_matched_again_keeps_its_triage_and_reopens_only_once_resolved() {
    use picket::model::Workflow;
    use picket::store::Change;
    let start: jiff::Timestamp = "2026-01-15T09:10:00Z".parse().expect("time");
    let mut app = App::new(Options::default(), start);
    let tick = |app: &mut App, s: i64| {
        update(app, Msg::Tick(start + jiff::SignedDuration::from_secs(s)));
    };
    logs(&mut app, vec![event(1, "Root", "ListUsers")]);
    let ix = (0..app.store.len() as u32)
        .find(|&ix| app.store.id(ix).starts_with("picket/detection/"))
        .expect("the alert is queued");
    let workflow = |app: &App| app.store.summary(ix).map(|s| s.workflow);
    // The analyst took it on: NOTIFIED survives the next match.
    app.store.apply(ix, Change::Workflow(Workflow::Notified));
    tick(&mut app, 2);
    logs(&mut app, vec![event(2, "Root", "ListUsers")]);
    tick(&mut app, 3);
    assert_eq!(alerts(&app)[0].count, 2);
    assert_eq!(workflow(&app), Some(Workflow::Notified));
    // Suppressed stays suppressed.
    app.store.apply(ix, Change::Workflow(Workflow::Suppressed));
    logs(&mut app, vec![event(3, "Root", "ListUsers")]);
    tick(&mut app, 4);
    assert_eq!(workflow(&app), Some(Workflow::Suppressed));
    // Resolved, then the principal does it again: open again.
    app.store.apply(ix, Change::Workflow(Workflow::Resolved));
    logs(&mut app, vec![event(4, "Root", "ListUsers")]);
    tick(&mut app, 5);
    assert_eq!(alerts(&app)[0].count, 4);
    assert_eq!(workflow(&app), Some(Workflow::New));
}
