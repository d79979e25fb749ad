//! The CloudTrail stream as a detector: records that arrive in the logs feed and match a CIS
//! detection become alerts in the findings queue, counted per detection, account, region and
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
