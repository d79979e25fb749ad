use jiff::Timestamp;

use super::*;
use crate::app::{KeyCode, Mode, Options};
use crate::model::fixtures::{directory, guardduty};
use crate::sources::Batch;
use crate::store::SortKey;

fn now() -> Timestamp {
    "2026-01-15T12:00:00Z".parse().expect("time")
}

fn app() -> App {
    let mut app = App::new(Options::default(), now());
    let batch = Batch {
        findings: vec![
            guardduty(
                "a",
                "111111111111",
                "Recon:EC2/PortProbeUnprotectedPort",
                2.0,
                "2026-01-15T11:00:00Z",
            ),
            guardduty(
                "b",
                "222222222222",
                "Backdoor:EC2/C&CActivity.B",
                8.0,
                "2026-01-15T11:59:00Z",
            ),
            guardduty(
                "c",
                "111111111111",
                "Policy:IAMUser/RootCredentialUsage",
                5.0,
                "2026-01-15T11:30:00Z",
            ),
        ],
        accounts: directory().iter().cloned().collect(),
        initial: true,
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, batch));
    app
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    crate::app::keys::parse_sequence(keys)
        .into_iter()
        .flat_map(|k| update(app, Msg::Key(k)))
        .collect()
}

fn selected_id(app: &App) -> String {
    app.findings
        .table
        .selected_entry()
        .map(|ix| app.store.id(ix).to_string())
        .unwrap_or_default()
}

#[test]
fn a_batch_fills_the_table_sorted_by_severity() {
    let app = app();
    assert_eq!(app.findings.table.rows.len(), 3);
    assert_eq!(selected_id(&app), "b");
    assert_eq!(app.stats.active, 3);
    assert_eq!(app.directory.len(), 2);
}

#[test]
fn navigation_moves_the_selection_within_bounds() {
    let mut app = app();
    press(&mut app, "2 j j j j");
    assert_eq!(app.findings.table.selected, 2);
    press(&mut app, "k");
    assert_eq!(app.findings.table.selected, 1);
    press(&mut app, "g");
    assert_eq!(app.findings.table.selected, 0);
    press(&mut app, "G");
    assert_eq!(app.findings.table.selected, 2);
}

#[test]
fn filter_applies_live_and_errors_stay_in_the_prompt() {
    let mut app = app();
    press(&mut app, "2 / sev>=high");
    assert_eq!(
        app.findings.table.rows.len(),
        1,
        "the filter applies while typing"
    );
    press(&mut app, "BSpace BSpace BSpace BSpace");
    // "sev>=" is incomplete: the error shows, the last good filter stays.
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("prompt closed")
    };
    assert!(prompt.error.is_some());
    press(&mut app, "Enter");
    assert!(
        matches!(app.modal, Some(Modal::Prompt(_))),
        "Enter on an error keeps the prompt open"
    );
    press(&mut app, "medium Enter");
    assert!(app.modal.is_none());
    assert_eq!(app.findings.table.filter_text, "sev>=medium");
    assert_eq!(app.findings.table.rows.len(), 2);
    assert_eq!(app.findings.filter_history, ["sev>=medium"]);
}

#[test]
fn escape_in_the_filter_prompt_restores_the_previous_filter() {
    let mut app = app();
    press(&mut app, "2 / account:sandbox Enter");
    assert_eq!(app.findings.table.rows.len(), 1);
    press(&mut app, "/ BSpace BSpace Escape");
    assert_eq!(app.findings.table.filter_text, "account:sandbox");
    assert_eq!(app.findings.table.rows.len(), 1);
    press(&mut app, "Escape");
    assert_eq!(
        app.findings.table.filter_text, "account:sandbox",
        "Esc goes back, and only back: on the findings screen it keeps the filter"
    );
    press(&mut app, "x");
    assert_eq!(app.findings.table.filter_text, "", "x clears it");
}

#[test]
fn enter_opens_the_detail_and_escape_returns() {
    let mut app = app();
    press(&mut app, "2 Enter");
    let detail = app.detail().expect("detail open");
    assert!(detail.json.lines.iter().any(|l| l.contains("\"type\"")));
    assert_eq!(app.mode(), Mode::Detail);
    press(&mut app, "/ instance Enter");
    let search = app
        .detail()
        .and_then(|d| d.json.search.clone())
        .expect("search");
    assert!(!search.matches.is_empty());
    press(&mut app, "Escape");
    assert!(app.detail().is_none());
    assert_eq!(app.mode(), Mode::Findings);
}

#[test]
fn a_new_sort_puts_the_cursor_on_its_top_row_and_the_detail_opens_on_the_summary() {
    let mut app = app();
    // On the lowest-severity finding, then sorted by the next column (last seen).
    press(&mut app, "2 G");
    assert_eq!(selected_id(&app), "a");
    press(&mut app, "s");
    assert_eq!(app.findings.table.selected, 0);
    assert_eq!(selected_id(&app), "b", "the newest, at the top");
    press(&mut app, "G S");
    assert_eq!(selected_id(&app), "a", "reversed: the oldest at the top");
    press(&mut app, "Enter");
    assert_eq!(
        app.detail().map(|d| d.pane),
        Some(crate::app::Pane::Summary)
    );
    press(&mut app, "Tab");
    assert_eq!(app.detail().map(|d| d.pane), Some(crate::app::Pane::Json));
}

#[test]
fn severity_ties_break_by_last_seen_newest_first() {
    let mut app = App::new(Options::default(), now());
    let finding = |id: &str, last_seen: &str| {
        guardduty(
            id,
            "111111111111",
            "Backdoor:EC2/C&CActivity.B",
            8.0,
            last_seen,
        )
    };
    let batch = Batch {
        findings: vec![
            finding("older", "2026-01-15T09:00:00Z"),
            finding("newest", "2026-01-15T11:00:00Z"),
            finding("middle", "2026-01-15T10:00:00Z"),
        ],
        initial: true,
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, batch));
    press(&mut app, "2");
    let order: Vec<String> = app
        .findings
        .table
        .rows
        .iter()
        .map(|&ix| app.store.id(ix).to_string())
        .collect();
    assert_eq!(order, ["newest", "middle", "older"]);
}

#[test]
fn new_findings_are_unseen_until_selected() {
    let mut app = app();
    press(&mut app, "2");
    let fresh = guardduty(
        "d",
        "111111111111",
        "Trojan:EC2/DNSDataExfiltration",
        3.0,
        "2026-01-15T11:59:59Z",
    );
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: vec![fresh],
                ..Batch::default()
            },
        ),
    );
    let ix = (0..app.store.len() as u32)
        .find(|&ix| app.store.id(ix) == "d")
        .expect("inserted");
    assert!(app.store.is_unseen(ix));
    assert_eq!(app.stats.unseen, 1);
    assert_eq!(
        selected_id(&app),
        "b",
        "the selection stays on the same finding"
    );
    press(&mut app, "j j");
    assert_eq!(selected_id(&app), "d", "severity order: b, c, d, a");
    assert!(!app.store.is_unseen(ix));
}

#[test]
fn recurrences_update_in_place_and_refresh_an_open_detail() {
    let mut app = app();
    press(&mut app, "2 Enter");
    let mut again = guardduty(
        "b",
        "222222222222",
        "Backdoor:EC2/C&CActivity.B",
        8.0,
        "2026-01-15T12:00:00Z",
    );
    again.count = 2;
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: vec![again],
                ..Batch::default()
            },
        ),
    );
    assert_eq!(app.store.len(), 3);
    let detail = app.detail().expect("still open");
    assert_eq!(app.store.summary(detail.entry).map(|s| s.count), Some(2));
    assert!(
        detail
            .json
            .lines
            .iter()
            .any(|l| l.contains("2026-01-15T12:00:00Z"))
    );
}

#[test]
fn copy_effects_carry_the_arn_and_the_json() {
    let mut app = app();
    let effects = press(&mut app, "2 y");
    assert_eq!(
        effects,
        [Effect::Copy("b".into())],
        "GuardDuty fixtures have no ARN: the id is copied"
    );
    let effects = press(&mut app, "Y");
    match effects.as_slice() {
        [Effect::Copy(json)] => assert!(json.contains("\"Backdoor:EC2/C&CActivity.B\"")),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn quitting() {
    let mut app = app();
    assert_eq!(press(&mut app, "q"), [Effect::Quit]);
    let mut app2 = self::app();
    press(&mut app2, "/ abc");
    assert_eq!(
        press(&mut app2, "q"),
        Vec::<Effect>::new(),
        "q types into a prompt"
    );
    assert_eq!(
        update(&mut app2, Msg::Key(Key::ctrl('c'))),
        [Effect::Quit],
        "Ctrl-C always quits"
    );
    assert_eq!(press(&mut app, ": q Enter"), [Effect::Quit]);
}

#[test]
fn tabs_switch_screens_and_only_the_logs_screen_polls_logs() {
    let mut app = app();
    assert!(
        app.wants_logs(),
        "detections read the stream from the start"
    );
    assert!(press(&mut app, "Tab").is_empty());
    assert_eq!(app.tab, Tab::Findings);
    // With detections off, the log feed runs only while its screen is open; its polling tasks
    // stop checking.
    assert_eq!(
        press(&mut app, ": detect Space off Enter"),
        [
            Effect::SetDetections(Vec::new()),
            Effect::SetFeed(Feed::Logs, false)
        ]
    );
    assert_eq!(press(&mut app, "Tab"), [Effect::SetFeed(Feed::Logs, true)]);
    assert_eq!(
        press(&mut app, "BTab"),
        [Effect::SetFeed(Feed::Logs, false)]
    );
    assert_eq!(press(&mut app, "3"), [Effect::SetFeed(Feed::Logs, true)]);
    assert_eq!(press(&mut app, "1"), [Effect::SetFeed(Feed::Logs, false)]);
    assert_eq!(
        press(&mut app, ": detect Space all Enter"),
        [
            Effect::SetDetections(crate::logs::detect::CIS.iter().map(|d| d.name).collect()),
            Effect::SetFeed(Feed::Logs, true)
        ]
    );
    assert!(
        press(&mut app, "3 1").is_empty(),
        "it keeps running for the detections"
    );
}

#[test]
fn command_line_sorts_themes_and_completes() {
    let mut app = app();
    press(&mut app, ": sort Space account Enter");
    assert_eq!(app.findings.table.sort, SortKey::Account);
    press(&mut app, ": sort Space severity Space asc Enter");
    assert_eq!(
        (app.findings.table.sort, app.findings.table.reverse),
        (SortKey::Severity, true)
    );
    press(&mut app, ": theme Space mono Enter");
    assert_eq!(app.look.theme.name, "mono");
    press(&mut app, ": th Tab");
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("prompt closed")
    };
    assert_eq!(prompt.editor.text(), "theme ");
    assert!(prompt.completions.contains(&"colorblind".to_string()));
    press(&mut app, "Escape : bogus Enter");
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("unknown command ':bogus'"))
    );
}

#[test]
fn saved_views_apply_filter_and_sort() {
    let mut options = Options::default();
    options.views.insert(
        "root".into(),
        crate::app::SavedView {
            filter: "type:Policy*".into(),
            sort: Some(SortKey::LastSeen),
        },
    );
    let mut app = App::new(options, now());
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: vec![guardduty(
                    "c",
                    "1",
                    "Policy:IAMUser/RootCredentialUsage",
                    5.0,
                    "2026-01-15T11:30:00Z",
                )],
                ..Batch::default()
            },
        ),
    );
    press(&mut app, ": view Space root Enter");
    assert_eq!(app.tab, Tab::Findings);
    assert_eq!(app.findings.table.filter_text, "type:Policy*");
    assert_eq!(app.findings.table.sort, SortKey::LastSeen);
    press(&mut app, ": view Space nope Enter");
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.level == NoticeLevel::Error)
    );
}

#[test]
fn overview_enter_filters_by_account() {
    let mut app = app();
    // prod-web, the Sandbox OU's heading, sandbox.
    press(&mut app, "j j Enter");
    assert_eq!(app.tab, Tab::Findings);
    assert_eq!(app.findings.table.filter_text, "account:sandbox");
    assert_eq!(app.findings.table.rows.len(), 1);
}

#[test]
fn help_opens_scrolls_and_closes() {
    let mut app = app();
    press(&mut app, "?");
    assert_eq!(app.mode(), Mode::Help);
    press(&mut app, "j j");
    assert!(matches!(app.modal, Some(Modal::Help { scroll: 2 })));
    press(&mut app, "Escape");
    assert!(app.modal.is_none());
}

#[test]
fn ticks_redraw_only_when_the_minute_changes() {
    let mut app = app();
    app.dirty = false;
    update(
        &mut app,
        Msg::Tick("2026-01-15T12:00:30Z".parse().expect("time")),
    );
    assert!(!app.dirty, "nothing on screen shows seconds");
    update(
        &mut app,
        Msg::Tick("2026-01-15T12:01:00Z".parse().expect("time")),
    );
    assert!(app.dirty);
}

#[test]
fn unbound_keys_do_not_redraw() {
    let mut app = app();
    app.dirty = false;
    update(&mut app, Msg::Key(Key::plain(KeyCode::F(7))));
    assert!(!app.dirty);
}

#[test]
fn logs_pause_and_open_a_record() {
    let mut app = app();
    press(&mut app, "3");
    let events = (0..5)
        .map(|i| {
            crate::model::LogEvent::new(
                now(),
                "111111111111",
                "us-east-1",
                "trail",
                "s",
                &format!(
                    r#"{{"eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy","n":{i}}}"#
                ),
            )
        })
        .collect();
    update(
        &mut app,
        Msg::Batch(
            Feed::Logs,
            Batch {
                events,
                ..Batch::default()
            },
        ),
    );
    assert_eq!(app.logs.buffer.len(), 5);
    press(&mut app, "Space k");
    assert!(app.logs.buffer.paused);
    assert_eq!(app.logs.buffer.selected_index(), Some(3));
    press(&mut app, "Enter");
    match app.stack.last() {
        Some(Screen::Record(r)) => assert!(r.title.starts_with("iam:PutUserPolicy")),
        other => panic!("expected a record, got {other:?}"),
    }
}

#[test]
fn paste_goes_into_the_prompt_without_control_characters() {
    let mut app = app();
    press(&mut app, "/");
    update(&mut app, Msg::Paste("sev>=high\n\x1b[31m".into()));
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("prompt closed")
    };
    assert_eq!(prompt.editor.text(), "sev>=high [31m");
}

#[test]
fn a_poll_that_brings_nothing_new_does_not_redraw() {
    let mut app = app();
    let again = Batch {
        findings: vec![guardduty(
            "a",
            "111111111111",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-15T11:00:00Z",
        )],
        accounts: directory().iter().cloned().collect(),
        ..Batch::default()
    };
    app.dirty = false;
    update(&mut app, Msg::Batch(Feed::Findings, again));
    assert!(
        !app.dirty,
        "an unchanged finding and the same accounts change nothing on screen"
    );
    let fresh = guardduty(
        "z",
        "111111111111",
        "Recon:EC2/Portscan",
        5.0,
        "2026-01-15T11:59:00Z",
    );
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: vec![fresh],
                ..Batch::default()
            },
        ),
    );
    assert!(app.dirty);
}

#[test]
fn marks_toggle_range_and_all_and_survive_the_filter() {
    let mut app = app();
    press(&mut app, "2 Space");
    assert_eq!(
        app.findings.marks.len(),
        1,
        "space marks the selected finding"
    );
    assert_eq!(app.findings.table.selected, 1, "and moves down");
    press(&mut app, "k Space");
    assert!(app.findings.marks.is_empty(), "space again unmarks");
    press(&mut app, "G V");
    assert_eq!(
        app.findings.marks.len(),
        3,
        "V marks from the last mark to here"
    );
    press(&mut app, "M");
    assert!(app.findings.marks.is_empty());
    press(&mut app, "/ sev>=medium Enter *");
    assert_eq!(app.findings.marks.len(), 2, "* marks what the filter shows");
    press(&mut app, "x");
    assert_eq!(app.findings.table.rows.len(), 3);
    assert_eq!(
        app.findings.marks.len(),
        2,
        "marks stay when the filter changes"
    );
}

#[test]
fn a_range_mark_on_an_empty_table_marks_nothing() {
    let mut app = app();
    press(&mut app, "2 / account:nobody Enter");
    assert!(app.findings.table.rows.is_empty());
    press(&mut app, "V Space * G g j k");
    assert!(app.findings.marks.is_empty());
    press(&mut app, "x V");
    assert_eq!(
        app.findings.marks.len(),
        1,
        "back on rows, V marks the one selected"
    );
}

#[test]
fn an_account_picket_cannot_place_counts_as_production() {
    let mut app = app();
    let stranger = crate::model::asff::map_finding(&serde_json::json!({
        "SchemaVersion": "2018-10-08", "AwsAccountId": "999999999999", "Region": "us-east-1",
        "Id": "z", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "Types": ["x"], "Title": "t", "CreatedAt": "2026-01-01T00:00:00Z",
        "UpdatedAt": "2026-01-15T11:00:00Z", "Severity": {"Label": "LOW"}
    }))
    .expect("maps");
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: vec![stranger],
                ..Batch::default()
            },
        ),
    );
    press(&mut app, "2 / account:999999999999 Enter Space");
    assert_eq!(
        app.findings.marks_scope,
        (1, true),
        "the status bar warns of production"
    );
    press(&mut app, "a o");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the confirmation is open");
    };
    let super::super::act::Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("at the confirmation: {:?} {:?}", flow.stage, app.notice);
    };
    assert!(plan.production(), "the plan counts it as production");
    assert!(plan.needs_token(), "so it needs the typed token");
}

#[test]
fn a_new_query_stops_the_one_still_running() {
    let mut app = app();
    let first = press(&mut app, ": query Space fields Space @message Enter");
    assert!(first.iter().any(|e| matches!(e, Effect::Insights(_))));
    assert!(!first.iter().any(|e| matches!(e, Effect::StopInsights(_))));
    let second = press(&mut app, ": query Space fields Space eventName Enter");
    assert!(
        second.contains(&Effect::StopInsights(1)),
        "the first query is stopped: {second:?}"
    );
    update(
        &mut app,
        Msg::Insights(crate::logs::insights::InsightsUpdate {
            id: 2,
            status: "Complete".into(),
            done: true,
            ..Default::default()
        }),
    );
    let third = press(&mut app, ": query Space fields Space x Enter");
    assert!(
        !third.iter().any(|e| matches!(e, Effect::StopInsights(_))),
        "a finished query needs no stop"
    );
}

#[test]
fn messages_quote_outside_text_harmlessly() {
    let mut app = app();
    app.notify(
        "AccessDenied: \u{1b}]52;c;eA==\u{7}\u{202e}",
        NoticeLevel::Error,
    );
    let text = &app.notice.as_ref().expect("a notice").text;
    assert!(
        !text.chars().any(crate::model::text::is_dangerous),
        "{text:?}"
    );
    update(
        &mut app,
        Msg::Insights(crate::logs::insights::InsightsUpdate {
            id: 0,
            status: "Running\u{1b}[2J".into(),
            ..Default::default()
        }),
    );
    press(&mut app, ": query Space x Enter");
    update(
        &mut app,
        Msg::Insights(crate::logs::insights::InsightsUpdate {
            id: 1,
            status: "Running\u{1b}[2J".into(),
            rows: vec![vec![("f\u{9b}".into(), "v\u{200b}".into())]],
            error: Some("\u{1b}]0;x\u{7}".into()),
            ..Default::default()
        }),
    );
    let latest = &app.logs.insights().expect("a query").latest;
    let shown = format!("{}{:?}{:?}", latest.status, latest.rows, latest.error);
    assert!(!latest.status.chars().any(crate::model::text::is_dangerous));
    assert!(
        !latest.rows[0][0]
            .0
            .chars()
            .any(crate::model::text::is_dangerous)
            && !latest.rows[0][0]
                .1
                .chars()
                .any(crate::model::text::is_dangerous),
        "{shown}"
    );
}

#[test]
fn log_batches_read_for_groups_no_longer_tailed_are_dropped() {
    let mut app = app();
    let events = |n: u32| -> Vec<crate::model::LogEvent> {
        (0..n)
            .map(|i| {
                let mut e = crate::model::LogEvent::new(now(), "1", "r", "g", "s", "line");
                e.event_id = Some(crate::model::SafeText::line(&format!("e{n}-{i}")));
                e
            })
            .collect()
    };
    let deliver = |app: &mut App, n: u32, generation: u64| {
        update(
            app,
            Msg::Batch(
                Feed::Logs,
                Batch {
                    events: events(n),
                    generation,
                    ..Batch::default()
                },
            ),
        );
    };
    deliver(&mut app, 3, 0);
    assert_eq!(app.logs.buffer.len(), 3);
    press(&mut app, "3 o");
    update(
        &mut app,
        Msg::Groups {
            prefix: String::new(),
            result: Ok(vec!["/new/trail".into()]),
        },
    );
    let effects = press(&mut app, "Space Enter");
    assert!(
        effects.contains(&Effect::SetGroups {
            groups: vec!["/new/trail".into()],
            generation: 1
        }),
        "{effects:?}"
    );
    deliver(&mut app, 4, 0);
    assert_eq!(
        app.logs.buffer.len(),
        3,
        "a poll of the old groups is dropped"
    );
    deliver(&mut app, 5, 1);
    assert_eq!(
        app.logs.buffer.len(),
        8,
        "the new groups' events are taken in"
    );
}

#[test]
fn a_stream_picket_is_behind_on_or_that_the_tail_sampled_says_so_while_it_lasts() {
    let mut app = app();
    press(&mut app, "3");
    let deliver = |app: &mut App, n: u32, lag_ms: u64, sampled: bool| {
        let mut event = crate::model::LogEvent::new(now(), "1", "r", "g", "s", "line");
        event.event_id = Some(crate::model::SafeText::line(&format!("e{n}")));
        update(
            app,
            Msg::Batch(
                Feed::Logs,
                Batch {
                    events: vec![event],
                    lag: Some(std::time::Duration::from_millis(lag_ms)),
                    sampled,
                    ..Batch::default()
                },
            ),
        );
    };
    deliver(&mut app, 1, 200, false);
    let title = |app: &mut App| {
        screen(app)
            .lines()
            .find(|line| line.contains("CloudTrail ·"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(!title(&mut app).contains("behind"), "{}", title(&mut app));
    deliver(&mut app, 2, 3_400, true);
    let shown = title(&mut app);
    assert!(shown.contains("behind by 3.4 s"), "{shown}");
    assert!(shown.contains("sampled by the live tail"), "{shown}");
    // Caught up: said for a few seconds more, then no longer.
    deliver(&mut app, 3, 100, false);
    update(
        &mut app,
        Msg::Tick(now() + jiff::SignedDuration::from_secs(2)),
    );
    assert!(title(&mut app).contains("behind by 3.4 s"));
    update(
        &mut app,
        Msg::Tick(now() + jiff::SignedDuration::from_secs(6)),
    );
    assert!(!title(&mut app).contains("behind"), "{}", title(&mut app));
    update(
        &mut app,
        Msg::Tick(now() + jiff::SignedDuration::from_secs(61)),
    );
    assert!(!title(&mut app).contains("sampled"));
}

/// Draws the app as the terminal would show it, as text.
fn screen(app: &mut App) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("test terminal");
    terminal
        .draw(|frame| crate::ui::draw(frame, app))
        .expect("drawn");
    crate::render::export::text(terminal.backend().buffer())
}

/// A disk store holding the queue of [`app`], written at `written_at`; the directory it
/// lives in, and that app.
fn stored(
    written_at: Timestamp,
) -> (
    std::sync::Arc<crate::store::disk::Disk>,
    tempfile::TempDir,
    App,
) {
    let dir = tempfile::tempdir().expect("temp dir");
    let disk = std::sync::Arc::new(
        crate::store::disk::Disk::open(&dir.path().join("s.sqlite")).expect("opens"),
    );
    let earlier = app();
    let rows: Vec<_> = (0..earlier.store.len() as crate::store::EntryIx)
        .filter_map(|ix| crate::store::disk::Written::of(&earlier.store, ix))
        .collect();
    disk.write(&rows, &[], written_at).expect("written");
    (disk, dir, earlier)
}

#[test]
fn a_restored_queue_shows_its_age_until_a_source_has_caught_up() {
    let (disk, _dir, _) = stored("2026-01-15T09:00:00Z".parse().expect("time"));

    let mut app = App::new(Options::default(), now());
    crate::runtime::persist::restore(&mut app, &disk);
    let text = screen(&mut app);
    assert!(text.contains("3 of 3"), "{text}");
    assert!(text.contains("stored, 3h old"), "{text}");
    // The stored records open like any other.
    press(&mut app, "2");
    press(&mut app, "Enter");
    assert!(
        matches!(app.stack.last(), Some(Screen::Detail(_))),
        "{:?} {:?}",
        app.notice.as_ref().map(|n| &n.text),
        app.tab
    );
    press(&mut app, "Escape");
    // The account list answering changes nothing: it holds no findings.
    let report = |service| crate::model::health::HealthReport {
        key: crate::model::health::HealthKey {
            account_id: crate::model::SafeText::line("111111111111"),
            region: crate::model::SafeText::line("us-east-1"),
            service,
        },
        health: crate::model::health::Health {
            state: crate::model::health::HealthState::Ok,
            last_success: Some(now()),
            message: None,
            backlog: None,
            raw: None,
        },
    };
    let org = Batch {
        health: vec![report(crate::model::health::Service::Organizations)],
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, org));
    assert!(screen(&mut app).contains("stored, 3h old"));
    // A findings source that read to its end: the picture is live again.
    let caught_up = Batch {
        health: vec![report(crate::model::health::Service::SecurityHub)],
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, caught_up));
    assert!(!screen(&mut app).contains("stored, "));
}

#[test]
fn the_scope_holds_for_the_feed_and_the_store_but_a_known_finding_s_change_is_kept() {
    let scope = std::sync::Arc::new(
        crate::store::scope::Scope::parse("-account:222222222222 sev>=medium").expect("scope"),
    );
    // Stored under no scope: three findings, b in the excluded account, a low.
    let (disk, _dir, earlier) = stored(now());
    let options = Options {
        scope: Some(scope),
        ..Options::default()
    };
    let mut app = App::new(options, now());
    crate::runtime::persist::restore(&mut app, &disk);
    let ids = |app: &App| -> Vec<String> {
        (0..app.store.len() as crate::store::EntryIx)
            .map(|ix| app.store.id(ix).into_owned())
            .collect()
    };
    assert_eq!(
        ids(&app),
        ["c"],
        "only c is inside: b's account is out, a is low"
    );
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("2 stored finding(s) outside the scope")),
        "{:?}",
        app.notice
    );
    // Events: one outside (low), one inside, and c lowered below the scope — a change to a
    // finding the queue holds, kept.
    let events = Batch {
        findings: vec![
            guardduty(
                "d",
                "111111111111",
                "Recon:EC2/Portscan",
                2.0,
                "2026-01-15T11:50:00Z",
            ),
            guardduty(
                "e",
                "111111111111",
                "Recon:EC2/Portscan",
                7.5,
                "2026-01-15T11:51:00Z",
            ),
            guardduty(
                "c",
                "111111111111",
                "Policy:IAMUser/RootCredentialUsage",
                2.0,
                "2026-01-15T11:52:00Z",
            ),
        ],
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, events));
    assert_eq!(ids(&app), ["c", "e"]);
    let c = app
        .store
        .find_finding(&earlier.store.finding(2).expect("c"))
        .expect("c");
    assert_eq!(
        app.store.summary(c).map(|s| s.label),
        Some(crate::model::SeverityLabel::Low)
    );
}

#[test]
fn the_services_counts_stand_in_for_the_queue_s_until_it_has_been_read() {
    use crate::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
    let mut app = App::new(Options::default(), now());
    let report = |backlog| HealthReport {
        key: HealthKey {
            account_id: crate::model::SafeText::line("111111111111"),
            region: crate::model::SafeText::line("us-east-1"),
            service: Service::SecurityHub,
        },
        health: Health {
            state: HealthState::Ok,
            last_success: Some(now()),
            message: None,
            backlog,
            raw: None,
        },
    };
    let mut counts = crate::model::counts::ServerCounts {
        source: "securityhub us-east-1".into(),
        service: Some(Service::SecurityHub),
        at: Some(now()),
        totals: [12, 340_000, 0, 660_000, 0],
        ..Default::default()
    };
    counts.add_account("111111111111", crate::model::SeverityLabel::High, 340_000);
    counts.by_type = vec![(
        crate::model::SafeText::line("Software and Configuration Checks"),
        900_000,
    )];
    let first = Batch {
        counts: Some(Box::new(counts)),
        health: vec![report(None)],
        more: true,
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, first));
    let text = screen(&mut app);
    assert!(
        text.contains("Open findings by account · 1,000,012 · server co"),
        "{text}"
    );
    assert!(
        text.contains("Top finding types · server counts, Security Hub as of 12:00"),
        "{text}"
    );
    assert!(text.contains(" 900k · ▇▇"), "{text}");
    assert!(
        text.contains("all accounts         12 340k    0 660k    0 1.0M"),
        "{text}"
    );
    // The reading goes on with a backlog: still the service's counts.
    let reading = Batch {
        findings: vec![guardduty(
            "a",
            "111111111111",
            "Recon:EC2/Portscan",
            8.0,
            "2026-01-15T11:00:00Z",
        )],
        health: vec![report(Some(20_000))],
        more: true,
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, reading));
    assert!(screen(&mut app).contains("server counts"));
    // Read to the end: the queue's own counts.
    let done = Batch {
        health: vec![report(None)],
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, done));
    let text = screen(&mut app);
    assert!(!text.contains("server counts"), "{text}");
    assert!(text.contains("Open findings by account · 1"), "{text}");
}

#[test]
fn new_findings_that_matter_ring_once_per_ten_seconds_and_count_in_the_title_until_seen() {
    let options = Options {
        alerts: crate::app::alerts::AlertOptions {
            filter: Some(
                crate::query::Query::parse(crate::config::DEFAULT_ALERT_FILTER).expect("filter"),
            ),
            quiet: None,
        },
        ..Options::default()
    };
    let mut app = App::new(options, now());
    let baseline = Batch {
        findings: vec![guardduty(
            "old",
            "111111111111",
            "Backdoor:EC2/C&CActivity.B",
            8.0,
            "2026-01-15T11:00:00Z",
        )],
        initial: true,
        ..Batch::default()
    };
    let effects = update(&mut app, Msg::Batch(Feed::Findings, baseline)).effects;
    assert!(effects.is_empty(), "the baseline never alerts: {effects:?}");
    let news = |id: &str, sev: f64| Batch {
        findings: vec![guardduty(
            id,
            "111111111111",
            "Backdoor:EC2/C&CActivity.B",
            sev,
            "2026-01-15T11:59:00Z",
        )],
        ..Batch::default()
    };
    let effects = update(&mut app, Msg::Batch(Feed::Findings, news("n1", 8.0))).effects;
    assert_eq!(
        effects,
        [
            Effect::Notify("picket: Backdoor:EC2/C&CActivity.B on n1".into()),
            Effect::Title(1)
        ]
    );
    // A low one: no alert. Two more highs within ten seconds: the title counts, the bell waits.
    assert!(
        update(&mut app, Msg::Batch(Feed::Findings, news("low", 2.0)))
            .effects
            .is_empty()
    );
    let effects = update(&mut app, Msg::Batch(Feed::Findings, news("n2", 8.0))).effects;
    assert_eq!(effects, [Effect::Title(2)]);
    update(&mut app, Msg::Batch(Feed::Findings, news("n3", 9.0)));
    let later = now() + jiff::SignedDuration::from_secs(11);
    let effects = update(&mut app, Msg::Tick(later)).effects;
    assert_eq!(
        effects,
        [Effect::Notify(
            "picket: 2 new alerts: Backdoor:EC2/C&CActivity.B on n2, …".into()
        )]
    );
    // Seeing them takes them off the title.
    // The queue followed its top: the newest is under the cursor, the others below it.
    let mut seen = press(&mut app, "2");
    for _ in 0..6 {
        seen.extend(press(&mut app, "Down"));
    }
    assert_eq!(seen, [Effect::Title(2), Effect::Title(1), Effect::Title(0)]);
}

#[test]
fn quiet_hours_keep_the_bell_still_but_not_the_title() {
    let options = Options {
        alerts: crate::app::alerts::AlertOptions {
            filter: Some(crate::query::Query::parse("sev>=high").expect("filter")),
            quiet: crate::app::alerts::Quiet::parse("11:00-13:00").ok(),
        },
        ..Options::default()
    };
    let mut app = App::new(options, now());
    let batch = Batch {
        findings: vec![guardduty(
            "n1",
            "111111111111",
            "Backdoor:EC2/C&CActivity.B",
            8.0,
            "2026-01-15T11:59:00Z",
        )],
        ..Batch::default()
    };
    assert_eq!(
        update(&mut app, Msg::Batch(Feed::Findings, batch)).effects,
        [Effect::Title(1)]
    );
}

#[test]
fn what_sources_read_on_after_a_restart_is_counted_not_rung() {
    use crate::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
    let options = Options {
        alerts: crate::app::alerts::AlertOptions {
            filter: Some(crate::query::Query::parse("sev>=high").expect("filter")),
            quiet: None,
        },
        ..Options::default()
    };
    let mut app = App::new(options, now());
    // As after restoring a store written an hour ago.
    app.restored_from = Some(now() - jiff::SignedDuration::from_hours(1));
    let high = |id: &str| {
        guardduty(
            id,
            "111111111111",
            "Backdoor:EC2/C&CActivity.B",
            8.0,
            "2026-01-15T11:59:00Z",
        )
    };
    let caught_up = HealthReport {
        key: HealthKey {
            account_id: crate::model::SafeText::line("111111111111"),
            region: crate::model::SafeText::line("us-east-1"),
            service: Service::GuardDuty,
        },
        health: Health {
            state: HealthState::Ok,
            last_success: Some(now()),
            message: None,
            backlog: None,
            raw: None,
        },
    };
    let reading_on = Batch {
        findings: vec![high("while-stopped-1")],
        more: true,
        ..Batch::default()
    };
    let effects = update(&mut app, Msg::Batch(Feed::Findings, reading_on)).effects;
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Notify(_))),
        "{effects:?}"
    );
    let last = Batch {
        findings: vec![high("while-stopped-2")],
        health: vec![caught_up],
        ..Batch::default()
    };
    let effects = update(&mut app, Msg::Batch(Feed::Findings, last)).effects;
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Notify(_))),
        "{effects:?}"
    );
    assert!(app.restored_from.is_none(), "caught up");
    let news = Batch {
        findings: vec![high("live")],
        ..Batch::default()
    };
    let effects = update(&mut app, Msg::Batch(Feed::Findings, news)).effects;
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Notify(_))),
        "{effects:?}"
    );
}

#[test]
fn a_question_waits_for_an_open_action_then_takes_the_prompt_and_is_answered_once() {
    let mut app = app();
    press(&mut app, "2 Space a");
    assert!(matches!(app.modal, Some(Modal::Action(_))));
    let question = crate::ask::Question {
        id: 7,
        text: "MFA code for arn:aws:iam::111111111111:mfa/alice (profile admin)".into(),
    };
    update(&mut app, Msg::Ask(question));
    assert!(
        matches!(app.modal, Some(Modal::Action(_))),
        "the action being confirmed is not cut off"
    );
    while matches!(app.modal, Some(Modal::Action(_))) {
        press(&mut app, "Esc");
    }
    assert!(
        matches!(
            app.modal,
            Some(Modal::Prompt(crate::app::Prompt {
                kind: PromptKind::Answer(7),
                ..
            }))
        ),
        "{:?}",
        app.modal
    );
    let text = screen(&mut app);
    assert!(
        text.contains("MFA code for arn:aws:iam::111111111111:mfa/alice (profile admin) (Esc"),
        "{text}"
    );
    let effects = press(&mut app, "1 2 3 4 5 6 Enter");
    assert_eq!(
        effects,
        [Effect::Answer {
            id: 7,
            text: Some("123456".into())
        }]
    );
    assert!(app.modal.is_none() && app.questions.is_empty());
    assert!(
        app.command_history.is_empty() && app.findings.filter_history.is_empty(),
        "a code is never remembered"
    );
    // Declined with Esc: answered None, once.
    update(
        &mut app,
        Msg::Ask(crate::ask::Question {
            id: 8,
            text: "again".into(),
        }),
    );
    assert_eq!(
        press(&mut app, "Esc"),
        [Effect::Answer { id: 8, text: None }]
    );
    assert!(app.modal.is_none());
}

#[test]
fn profile_lists_the_machine_s_profiles_and_switches_only_to_one_that_exists() {
    use crate::model::profile::{Choice, parse};
    let mut demo = app();
    press(&mut demo, ": p r o f i l e Enter");
    assert!(
        demo.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("no AWS profile here")),
        "{:?}",
        demo.notice
    );
    let profiles = parse(
        "[profile dev]\nsso_start_url = https://corp.awsapps.com/start\nsso_account_id = 111111111111\n[profile prod-admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nmfa_serial = arn:aws:iam::111111111111:mfa/a\n",
        "",
    );
    let options = Options {
        profile: Some("dev".into()),
        profiles: Some(
            profiles
                .into_iter()
                .map(|profile| Choice {
                    production: profile.name.contains("prod"),
                    profile,
                })
                .collect(),
        ),
        ..Options::default()
    };
    let mut app = App::new(options, now());
    press(&mut app, ": p r o f i l e Enter");
    let Some(Modal::Text { lines, .. }) = &app.modal else {
        panic!("{:?}", app.modal);
    };
    let text = lines.join("\n");
    assert!(
        text.contains("dev ●") && text.contains("111111111111") && text.contains("sso"),
        "{text}"
    );
    assert!(text.contains("https://corp.awsapps.com/start"), "{text}");
    assert!(
        text.contains("prod-admin ⚑") && text.contains("role+mfa"),
        "{text}"
    );
    press(&mut app, "Esc");
    let text = screen(&mut app);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with(" dev")),
        "the tab bar names the profile: {text}"
    );
    assert!(press(&mut app, ": p r o f i l e Space n o p e Enter").is_empty());
    assert!(
        app.notice.as_ref().is_some_and(|n| n.text
            == "no profile 'nope' in ~/.aws/config or ~/.aws/credentials (defined: dev, prod-admin)"),
        "{:?}",
        app.notice
    );
    assert!(press(&mut app, ": p r o f i l e Space d e v Enter").is_empty());
    assert_eq!(
        press(&mut app, ": p r o f i l e Space p r o d - a d m i n Enter"),
        [Effect::SwitchProfile("prod-admin".into())]
    );
}

#[test]
fn a_production_profile_is_marked_in_the_tab_bar() {
    let options = Options {
        profile: Some("prod-admin".into()),
        profiles: Some(vec![crate::model::profile::Choice {
            profile: crate::model::profile::Profile {
                name: "prod-admin".into(),
                ..Default::default()
            },
            production: true,
        }]),
        ..Options::default()
    };
    let mut app = App::new(options, now());
    assert!(app.profile_is_production());
    assert!(screen(&mut app).contains(" prod-admin ⚑"));
}

#[test]
fn detections_worked_out_where_events_were_read_are_used_only_for_the_same_choice() {
    use crate::logs::detect::CIS;
    let start = now() - jiff::SignedDuration::from_mins(5);
    let events = crate::sources::demo::generate_trail(9, 200, start);
    let detector = crate::logs::detect::Detector::named(&["all".to_string()]).expect("all");
    // An event no detection matches, said (by the polling task) to match the first.
    let quiet = events
        .iter()
        .position(|e| detector.check(&e.message.delivered_text()).is_empty())
        .expect("a quiet event");
    let said = |checked: Vec<&'static str>| {
        let mut hits = vec![Vec::new(); 1];
        hits[0].push(&CIS[0]);
        Box::new(crate::sources::Detected { checked, hits })
    };
    let alerts = |checked: Vec<&'static str>| {
        let mut app = App::new(Options::default(), now());
        let batch = Batch {
            events: vec![events[quiet].clone()],
            detected: Some(said(checked)),
            ..Batch::default()
        };
        update(&mut app, Msg::Batch(Feed::Logs, batch));
        app.store.len()
    };
    assert_eq!(
        alerts(detector.names()),
        1,
        "the polling task's answer is taken"
    );
    assert_eq!(
        alerts(vec![CIS[0].name]),
        0,
        "checked against another choice: checked again here"
    );
}

#[test]
fn a_filter_over_the_kept_whole_order_gives_the_rows_a_fresh_sort_gives() {
    let mut app = app();
    // More findings, some sharing severity and time (the index breaks the tie).
    let more: Vec<_> = (0..300)
        .map(|n| {
            guardduty(
                &format!("m{n}"),
                if n % 3 == 0 {
                    "111111111111"
                } else {
                    "222222222222"
                },
                [
                    "Recon:EC2/PortProbeUnprotectedPort",
                    "Backdoor:EC2/C&CActivity.B",
                    "Policy:IAMUser/RootCredentialUsage",
                ][n % 3],
                [2.0, 5.0, 8.0][n % 3],
                if n % 2 == 0 {
                    "2026-01-15T11:00:00Z"
                } else {
                    "2026-01-15T11:30:00Z"
                },
            )
        })
        .collect();
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: more,
                ..Batch::default()
            },
        ),
    );
    for sort in SortKey::ALL {
        for reverse in [false, true] {
            for filter in [
                "",
                "sev>=high",
                "type:Recon*",
                "",
                "-account:111111111111",
                "sev>=medium",
            ] {
                let table = &mut app.findings.table;
                table.sort = sort;
                table.reverse = reverse;
                table
                    .set_filter(filter, &app.store, &app.directory, app.now)
                    .expect("filter");
                let mut fresh = crate::app::FindingsTable::new(sort);
                fresh.reverse = reverse;
                fresh
                    .set_filter(filter, &app.store, &app.directory, app.now)
                    .expect("filter");
                assert_eq!(
                    app.findings.table.rows, fresh.rows,
                    "{sort:?} reverse {reverse} filter {filter:?}"
                );
            }
        }
    }
}

/// A batch of `n` new findings, each seen later than the last, named `new0`, `new1`…
fn arrivals(n: usize) -> Msg {
    let findings = (0..n)
        .map(|i| {
            guardduty(
                &format!("new{i}"),
                "111111111111",
                "UnauthorizedAccess:EC2/SSHBruteForce",
                5.0,
                &format!("2026-01-15T11:59:{:02}Z", 10 + i),
            )
        })
        .collect();
    Msg::Batch(
        Feed::Findings,
        Batch {
            findings,
            ..Batch::default()
        },
    )
}

#[test]
fn the_live_queue_follows_its_top_and_counts_what_lands_above_the_cursor_elsewhere() {
    let mut app = app();
    press(&mut app, "2 s");
    assert_eq!(app.findings.table.sort, SortKey::LastSeen);
    assert_eq!(app.findings.table.selected, 0);
    // The cursor on the first row: the table follows the top, what arrives is shown.
    update(&mut app, arrivals(8));
    assert_eq!(selected_id(&app), "new7", "the newest is on the first row");
    assert_eq!(app.findings.table.offset, 0);
    assert_eq!(app.findings.table.newer, 0);
    assert!(
        app.store
            .is_unseen(app.findings.table.selected_entry().expect("row")),
        "a finding the table moved under the cursor is still news"
    );
    // Further down, the screen holds still and says what landed above.
    update(&mut app, Msg::Resize(120, 9));
    press(&mut app, "G");
    let held = selected_id(&app);
    let offset = app.findings.table.offset;
    assert!(offset > 0);
    update(&mut app, arrivals(10));
    assert_eq!(selected_id(&app), held, "the selection stays");
    assert_eq!(
        app.findings.table.newer, 2,
        "new8, new9 landed above (new0-7 are known)"
    );
    assert_eq!(
        app.findings.table.offset,
        offset + 2,
        "the screen holds still: the same rows"
    );
    let screen = crate::render::export::text(&crate::render::draw_app(&app));
    assert!(screen.contains("▲ 2 newer · g"), "{screen}");
    press(&mut app, "g");
    assert_eq!(app.findings.table.newer, 0, "the top is in view again");
    // `c` marks everything the filter shows as seen: the new count clears.
    assert!(app.stats.unseen > 0);
    press(&mut app, "c");
    assert_eq!(app.stats.unseen, 0);
    assert!(
        app.findings
            .table
            .rows
            .iter()
            .all(|&ix| !app.store.is_unseen(ix))
    );
}

#[test]
fn the_latest_message_wins_the_status_bar_and_messages_lists_them() {
    let mut app = app();
    update(&mut app, Msg::Resize(120, 40));
    press(
        &mut app,
        "2 / -status:resolved Space -status:suppressed Space account:111111111111,222222222222 Space sev>=low Enter",
    );
    app.notify(
        "workflow RESOLVED (false positive): 5 findings done · rule picket-fp-1",
        NoticeLevel::Info,
    );
    let screen = crate::render::export::text(&crate::render::draw_app(&app));
    let status = screen.lines().last().unwrap_or_default().to_string();
    assert!(
        status.contains("workflow RESOLVED (false positive): 5 findings done · rule picket-fp-1"),
        "the message is whole: {status}"
    );
    assert!(status.contains("3 of 3"), "the counts stay: {status}");
    // An error stays past its time until a key is pressed; an info message goes with the clock.
    app.notify("AccessDenied: guardduty:ListFindings", NoticeLevel::Error);
    update(
        &mut app,
        Msg::Tick(now() + jiff::SignedDuration::from_secs(30)),
    );
    assert!(app.notice.is_some(), "nobody has seen it yet");
    press(&mut app, "j");
    assert!(app.notice.is_none(), "the next key dismisses it");
    // `:messages` lists the session's messages, newest first.
    press(&mut app, ": messages Enter");
    let Some(Modal::Text { lines, .. }) = &app.modal else {
        panic!("the messages are listed: {:?}", app.modal);
    };
    assert!(
        lines[0].contains("error") && lines[0].contains("AccessDenied"),
        "{lines:?}"
    );
    assert!(lines[1].contains("5 findings done"), "{lines:?}");
}

/// CloudTrail records at these times, one a time, numbered by `n` in their JSON.
fn trail_batch(times: &[&str]) -> Msg {
    let events = times
        .iter()
        .enumerate()
        .map(|(i, at)| {
            crate::model::LogEvent::new(
                at.parse().expect("time"),
                "111111111111",
                "us-east-1",
                "trail",
                "s",
                &format!(
                    r#"{{"eventSource":"iam.amazonaws.com","eventName":"Call{i}","eventTime":"{at}"}}"#
                ),
            )
        })
        .collect();
    Msg::Batch(
        Feed::Logs,
        Batch {
            events,
            ..Batch::default()
        },
    )
}

#[test]
fn events_over_more_than_a_day_say_their_day_and_newest_first_turns_the_stream() {
    let mut app = app();
    press(&mut app, "3");
    update(
        &mut app,
        trail_batch(&["2026-01-15T11:58:00Z", "2026-01-15T11:59:00Z"]),
    );
    let screen = crate::render::export::text(&crate::render::draw_app(&app));
    assert!(screen.contains(" 11:58:00 "), "{screen}");
    assert!(!screen.contains("01-15 11:58:00"), "one day: times only");
    // A view over two days (a pivot's week, a backfill over midnight) says each line's day.
    let mut app = self::app();
    press(&mut app, "3");
    update(
        &mut app,
        trail_batch(&["2026-01-14T23:10:00Z", "2026-01-15T11:59:00Z"]),
    );
    let screen = crate::render::export::text(&crate::render::draw_app(&app));
    assert!(screen.contains("01-14 23:10:00"), "{screen}");
    assert!(screen.contains("01-15 11:59:00"), "{screen}");
    // Newest first: the newest line on top, and ↓ walks back in time.
    press(&mut app, "S");
    let screen = crate::render::export::text(&crate::render::draw_app(&app));
    let newest = screen.find("Call1").expect("newest shown");
    let oldest = screen.find("Call0").expect("oldest shown");
    assert!(newest < oldest, "{screen}");
    press(&mut app, "j");
    assert!(!app.logs.buffer.following());
    let selected = app.logs.buffer.selected_event().expect("a selection");
    assert_eq!(
        selected.timestamp,
        "2026-01-14T23:10:00Z".parse::<Timestamp>().expect("time"),
        "down is older"
    );
    press(&mut app, "g");
    assert!(
        app.logs.buffer.following(),
        "g goes back to the newest, on top"
    );
}

#[test]
fn the_overview_s_latest_findings_tell_time_as_the_queue_does() {
    let mut app = app();
    // "a" was first seen long ago but seen again just now: the queue's SEEN says <1m.
    let mut again = guardduty(
        "a",
        "111111111111",
        "Recon:EC2/PortProbeUnprotectedPort",
        2.0,
        "2026-01-15T11:59:50Z",
    );
    again.first_seen = "2026-01-01T00:00:00Z".parse().expect("time");
    update(
        &mut app,
        Msg::Batch(
            Feed::Findings,
            Batch {
                findings: vec![again],
                ..Batch::default()
            },
        ),
    );
    assert_eq!(
        app.stats
            .latest
            .first()
            .map(|&ix| app.store.id(ix).to_string()),
        Some("a".to_string()),
        "latest by last seen, like the queue's last-seen order"
    );
    let screen = crate::render::export::text(&crate::render::draw_app(&app));
    let line = screen
        .lines()
        .find(|l| l.contains("Recon:EC2/PortProbe") && l.contains(" <1m "))
        .unwrap_or_default();
    assert!(
        !line.is_empty(),
        "the overview says <1m, as the queue does: {screen}"
    );
}

fn saved(filter: &str, sort: Option<SortKey>) -> crate::app::SavedView {
    crate::app::SavedView {
        filter: filter.into(),
        sort,
    }
}

fn notice(app: &App) -> (String, NoticeLevel) {
    app.notice
        .as_ref()
        .map_or((String::new(), NoticeLevel::Info), |n| {
            (n.text.clone(), n.level)
        })
}

#[test]
fn view_save_asks_the_runtime_to_write_and_the_view_is_usable_once_written() {
    let mut app = app();
    press(&mut app, "2 / sev>=high Enter : sort Space account Enter");
    let effects = press(&mut app, ": view Space save Space crit Enter");
    assert_eq!(
        effects,
        [Effect::SaveView {
            name: "crit".into(),
            view: saved("sev>=high", Some(SortKey::Account)),
            replace: false,
            stamp: "2026-01-15 12:00:00 UTC".into(),
        }]
    );
    assert!(
        !app.look.views.contains_key("crit"),
        "written first, then usable"
    );
    update(
        &mut app,
        Msg::ViewSaved {
            name: "crit".into(),
            view: saved("sev>=high", Some(SortKey::Account)),
            result: Ok("/home/a/.config/picket/config.toml".into()),
        },
    );
    let (text, level) = notice(&app);
    assert_eq!(level, NoticeLevel::Info);
    assert!(
        text.contains(
            "view crit saved to /home/a/.config/picket/config.toml: sev>=high, by account"
        ),
        "{text}"
    );
    press(
        &mut app,
        "/ BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace Enter",
    );
    assert_eq!(app.findings.table.filter_text, "");
    press(&mut app, ": view Space crit Enter");
    assert_eq!(app.findings.table.filter_text, "sev>=high");
    assert_eq!(app.findings.table.rows.len(), 1);
}

#[test]
fn view_save_refuses_a_bad_name_and_replaces_only_with_the_bang() {
    let mut options = Options::default();
    options
        .views
        .insert("crit".into(), saved("sev>=critical", None));
    let mut app = App::new(options, now());
    for bad in ["two.words", "save", "é"] {
        let effects = press(&mut app, &format!(": view Space save Space {bad} Enter"));
        assert!(effects.is_empty(), "{bad}");
        let (text, level) = notice(&app);
        assert_eq!(level, NoticeLevel::Error, "{bad}");
        assert!(text.starts_with("cannot save a view named"), "{text}");
    }
    assert!(press(&mut app, ": view Space save Enter").is_empty());
    assert!(notice(&app).0.starts_with("usage: :view save NAME"));
    assert!(press(&mut app, ": view Space save Space crit Enter").is_empty());
    let (text, level) = notice(&app);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains(":view save! crit replaces it"), "{text}");
    let effects = press(&mut app, ": view Space save! Space crit Enter");
    assert!(
        matches!(effects.as_slice(), [Effect::SaveView { name, replace: true, .. }] if name == "crit"),
        "{effects:?}"
    );
}

#[test]
fn a_view_the_file_cannot_take_is_kept_for_the_session_but_a_clash_is_not() {
    let mut app = app();
    update(
        &mut app,
        Msg::ViewSaved {
            name: "prod".into(),
            view: saved("is:prod", None),
            result: Err(crate::app::views::SaveError::Failed(
                "/ro/config.toml: cannot write: Read-only file system".into(),
            )),
        },
    );
    let (text, level) = notice(&app);
    assert_eq!(level, NoticeLevel::Error);
    assert!(text.contains("kept for this session only"), "{text}");
    assert!(text.contains("Read-only file system"), "{text}");
    assert_eq!(app.look.views.get("prod"), Some(&saved("is:prod", None)));
    update(
        &mut app,
        Msg::ViewSaved {
            name: "other".into(),
            view: saved("", None),
            result: Err(crate::app::views::SaveError::Exists),
        },
    );
    assert!(!app.look.views.contains_key("other"));
    assert!(notice(&app).0.contains(":view save! other replaces it"));
}

#[test]
fn a_bare_view_lists_the_saved_views_with_filter_and_sort() {
    let mut app = app();
    assert!(press(&mut app, ": view Enter").is_empty());
    assert!(app.modal.is_none());
    assert!(notice(&app).0.starts_with("no saved views"));
    app.look
        .views
        .insert("crit".into(), saved("sev>=high", Some(SortKey::Account)));
    app.look.views.insert("everything".into(), saved("", None));
    app.look
        .views
        .insert("odd".into(), saved("title:\u{1b}[31mred", None));
    press(&mut app, ": view Enter");
    let Some(Modal::Text { title, lines, .. }) = &app.modal else {
        panic!("no list: {:?}", app.modal)
    };
    assert_eq!(title, "saved views (3)");
    assert_eq!(lines[0], "VIEW        SORT       FILTER");
    assert_eq!(lines[1], "crit        account    sev>=high");
    assert_eq!(lines[2], "everything  —          (every finding)");
    assert!(!lines[3].contains('\u{1b}'), "{:?}", lines[3]);
    assert!(lines.last().is_some_and(|l| l.contains(":view save NAME")));
    press(&mut app, "Escape");
    assert!(app.modal.is_none());
}

#[test]
fn tab_after_view_offers_save_and_the_view_names() {
    let mut options = Options::default();
    options
        .views
        .insert("crit".into(), saved("sev>=high", None));
    options.views.insert("prod".into(), saved("is:prod", None));
    let mut app = App::new(options, now());
    press(&mut app, ": view Space");
    let completions = |app: &App| match &app.modal {
        Some(Modal::Prompt(prompt)) => prompt.completions.clone(),
        _ => panic!("prompt closed"),
    };
    assert_eq!(completions(&app), ["save", "crit", "prod"]);
    press(&mut app, "s Tab");
    let Some(Modal::Prompt(prompt)) = &app.modal else {
        panic!("prompt closed")
    };
    assert_eq!(prompt.editor.text(), "view save ");
    assert_eq!(completions(&app), ["crit", "prod"]);
}

/// The options a reload brings: the defaults, changed as a test says.
fn live() -> crate::app::LiveOptions {
    let options = Options::default();
    crate::app::LiveOptions {
        keymap: options.keymap,
        views: options.views,
        themes: options.themes,
        theme: options.theme,
        time_zone: options.time_zone,
        detect: options.detect,
        sla: options.sla,
        alerts: options.alerts,
        playbooks: options.playbooks,
        warnings: Vec::new(),
    }
}

fn reloaded(live: crate::app::LiveOptions, restart: &[&str]) -> Msg {
    Msg::Reloaded(Ok(Box::new(crate::app::Reloaded {
        path: "/home/a/.config/picket/config.toml".into(),
        live,
        restart: restart.iter().map(|s| s.to_string()).collect(),
    })))
}

#[test]
fn reload_is_an_effect_and_what_it_reads_replaces_the_live_options() {
    let mut app = app();
    assert_eq!(press(&mut app, ": reload Enter"), [Effect::Reload]);
    assert_eq!(app.look.theme.name, "default");
    assert!(app.wants_logs(), "detections read the stream");
    let mut new = live();
    new.views.insert("crit".into(), saved("sev>=high", None));
    new.theme = "mono".into();
    new.keymap
        .bind(Mode::Findings, "x", "quit")
        .expect("binding");
    new.detect = Vec::new();
    new.sla = new
        .sla
        .with_target(crate::model::SeverityLabel::High, Some(60));
    new.alerts = crate::app::alerts::AlertOptions::default();
    let effects = update(&mut app, reloaded(new, &[]));
    assert_eq!(
        effects,
        [
            Effect::SetDetections(Vec::new()),
            Effect::SetFeed(Feed::Logs, false)
        ]
    );
    assert_eq!(app.look.theme.name, "mono");
    assert_eq!(app.look.views.get("crit"), Some(&saved("sev>=high", None)));
    assert_eq!(
        app.look
            .keymap
            .resolve(Mode::Findings, crate::app::Key::char('x')),
        Some(Command::Quit)
    );
    assert!(app.logs.detector.is_empty());
    assert_eq!(
        app.store.sla.target(crate::model::SeverityLabel::High),
        Some(60)
    );
    assert!(!app.alerts.enabled());
    let (text, level) = notice(&app);
    assert_eq!(level, NoticeLevel::Info);
    assert_eq!(text, "reloaded /home/a/.config/picket/config.toml");
    // The same again changes nothing outside.
    let again = {
        let mut same = live();
        same.views = app.look.views.clone();
        same.theme = "mono".into();
        same.detect = Vec::new();
        same
    };
    assert!(update(&mut app, reloaded(again, &[])).is_empty());
}

#[test]
fn a_reload_names_what_needs_a_restart_and_the_theme_files_it_could_not_read() {
    let mut app = app();
    let mut new = live();
    new.warnings = vec![
        "theme /t/neon.toml: expected `=`".into(),
        "theme /t/x.toml: bad colour".into(),
    ];
    update(&mut app, reloaded(new, &["profile", "scope"]));
    let (text, level) = notice(&app);
    assert_eq!(level, NoticeLevel::Warning);
    assert_eq!(
        text,
        "reloaded /home/a/.config/picket/config.toml · changed, applied at the next start: profile, scope · theme /t/neon.toml: expected `=` (+1 more)"
    );
}

#[test]
fn a_reload_that_failed_changes_nothing_and_says_where_as_at_start() {
    let mut options = Options::default();
    options
        .views
        .insert("crit".into(), saved("sev>=high", None));
    options.theme = "light".into();
    let mut app = App::new(options, now());
    let effects = update(
        &mut app,
        Msg::Reloaded(Err(
            "/home/a/.config/picket/config.toml:3:1: unknown field `thme`".into(),
        )),
    );
    assert!(effects.is_empty());
    let (text, level) = notice(&app);
    assert_eq!(level, NoticeLevel::Error);
    assert!(
        text.starts_with("/home/a/.config/picket/config.toml:3:1: unknown field `thme`"),
        "{text}"
    );
    assert!(text.contains("the running config stays"), "{text}");
    assert_eq!(app.look.theme.name, "light");
    assert!(app.look.views.contains_key("crit"));
    assert!(!app.logs.detector.is_empty());
}

/// A sandbox GuardDuty finding (`gd-1`, HIGH) and a sandbox Security Hub finding (`sh-1`,
/// MEDIUM), each with the identifiers write-back needs, on the findings screen.
fn triage_app(options: Options) -> App {
    let gd = crate::model::guardduty::map_finding(&serde_json::json!({
        "id": "gd-1", "accountId": "222222222222", "region": "us-east-1",
        "arn": "arn:aws:guardduty:us-east-1:222222222222:detector/d1/finding/gd-1",
        "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 8.0, "title": "port probe",
        "createdAt": "2026-01-15T11:00:00Z", "updatedAt": "2026-01-15T11:00:00Z",
        "service": {"detectorId": "d1", "count": 1, "archived": false}
    }))
    .expect("gd");
    let sh = crate::model::asff::map_finding(&serde_json::json!({
        "SchemaVersion": "2018-10-08", "Id": "sh-1",
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "AwsAccountId": "222222222222", "Region": "us-east-1",
        "Types": ["Software and Configuration Checks"], "Title": "public bucket",
        "CreatedAt": "2026-01-15T10:00:00Z", "UpdatedAt": "2026-01-15T10:00:00Z",
        "Severity": {"Label": "MEDIUM"}, "Workflow": {"Status": "NEW"}, "RecordState": "ACTIVE",
        "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::assets"}]
    }))
    .expect("sh");
    let mut app = App::new(options, now());
    let batch = Batch {
        findings: vec![gd, sh],
        accounts: directory().iter().cloned().collect(),
        initial: true,
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, batch));
    press(&mut app, "2");
    app
}

/// Presses `keys`, and answers the action they approved as AWS would (every target done), as
/// the runtime hands the answer back; its plan.
fn act_done(app: &mut App, keys: &str) -> crate::actions::Plan {
    let approved = press(app, keys)
        .into_iter()
        .find_map(|e| match e {
            Effect::Execute(approved) => Some(approved),
            _ => None,
        })
        .unwrap_or_else(|| panic!("an action was approved: {:?}", app.notice));
    let plan = approved.plan.clone();
    update(
        app,
        Msg::ActionDone {
            action: plan.action.clone(),
            entries: approved.entries.clone(),
            operator: "alice".into(),
            outcome: Ok(crate::sources::demo::demo_outcome(&plan)),
        },
    );
    plan
}

fn entry_of(app: &App, id: &str) -> crate::store::EntryIx {
    app.findings
        .table
        .rows
        .iter()
        .copied()
        .find(|&ix| app.store.id(ix) == id)
        .unwrap_or_else(|| panic!("{id} is in the queue"))
}

#[test]
fn a_saved_note_shows_in_the_detail_without_a_poll() {
    let mut app = triage_app(Options::default());
    assert_eq!(selected_id(&app), "gd-1");
    act_done(
        &mut app,
        "a c paged Space the Space owner Enter 1 Enter triage Enter",
    );
    // The cursor moved on to the next finding; back, and open it.
    press(&mut app, "k Enter");
    assert_eq!(
        app.detail().map(|d| d.finding.id.to_string()),
        Some("gd-1".into())
    );
    let text = screen(&mut app);
    assert!(text.contains("─ Triage"), "{text}");
    assert!(
        text.contains("alice (this session) · add note · done"),
        "{text}"
    );
    assert!(text.contains("note: paged the owner"), "{text}");
}

#[test]
fn marks_stay_after_an_action_and_the_next_one_acts_on_them_until_m() {
    let mut app = triage_app(Options::default());
    press(&mut app, "Space Space");
    let marked: Vec<_> = app.findings.marks.iter().copied().collect();
    assert_eq!(marked.len(), 2);
    act_done(&mut app, "a o y");
    assert_eq!(
        app.findings.marks.iter().copied().collect::<Vec<_>>(),
        marked,
        "the marks stay after the action"
    );
    assert!(screen(&mut app).contains("▶ 2 marked"));
    // `.` repeats it on the same marked findings, and `a` opens on them too.
    let again = act_done(&mut app, ". y");
    assert_eq!(again.targets.len(), 2);
    // A note cannot be undone: the count and a reason confirm it.
    let note = act_done(&mut app, "a c checked Enter 2 Enter triage Enter");
    let mut acted: Vec<String> = note.targets.iter().map(|t| t.finding.clone()).collect();
    acted.sort();
    assert_eq!(acted, ["gd-1", "sh-1"]);
    press(&mut app, "M");
    assert!(app.findings.marks.is_empty(), "M clears them");
    assert!(!screen(&mut app).contains("marked"));
}

#[test]
fn the_undo_confirmation_says_undo_and_what_the_action_had_set() {
    let mut app = triage_app(Options::default());
    act_done(&mut app, "a o y");
    press(&mut app, "u");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the undo is confirmed: {:?}", app.notice);
    };
    let crate::app::act::Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("at the confirmation: {:?}", flow.stage);
    };
    let undone = flow.undo_of.as_ref().expect("an undo");
    let title = crate::app::act::undo_title(undone, plan);
    assert_eq!(title, "Undo: set workflow NEW on 1 findings (was NOTIFIED)");
    let text = screen(&mut app);
    assert!(text.contains(&title), "{text}");
    assert!(!text.contains("Confirm: set workflow NEW"), "{text}");
}

#[test]
fn false_positive_and_resolve_is_one_confirmation_per_service_and_u_puts_it_back() {
    use crate::model::Workflow;
    use crate::model::finding::Verification;
    let mut app = triage_app(Options::default());
    let (gd, sh) = (entry_of(&app, "gd-1"), entry_of(&app, "sh-1"));
    press(&mut app, "Space Space a x Enter");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the flow is open: {:?}", app.notice);
    };
    let crate::app::act::Stage::Confirm { plan, .. } = &flow.stage else {
        panic!(
            "one confirmation after the (optional) note: {:?}",
            flow.stage
        );
    };
    let apis: Vec<&str> = plan.calls.iter().map(|c| c.api).collect();
    assert_eq!(
        apis,
        [
            "guardduty:ArchiveFindings",
            "guardduty:UpdateFindingsFeedback",
            "securityhub:BatchUpdateFindings"
        ]
    );
    act_done(&mut app, "y");
    let summary = |app: &App, ix| *app.store.summary(ix).expect("summary");
    assert!(summary(&app, gd).archived);
    assert_eq!(
        (summary(&app, sh).workflow, summary(&app, sh).verification),
        (Workflow::Resolved, Verification::FalsePositive)
    );
    press(&mut app, "u");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the undo is confirmed: {:?}", app.notice);
    };
    let crate::app::act::Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("at the confirmation: {:?}", flow.stage);
    };
    assert_eq!(
        crate::app::act::undo_title(flow.undo_of.as_ref().expect("an undo"), plan),
        "Undo: put back workflow NEW, verification UNKNOWN (GuardDuty: unarchive) on 2 findings (was FALSE_POSITIVE, RESOLVED)"
    );
    act_done(&mut app, "y");
    assert!(!summary(&app, gd).archived);
    assert_eq!(
        (summary(&app, sh).workflow, summary(&app, sh).verification),
        (Workflow::New, Verification::Unknown)
    );
}

#[test]
fn earlier_sessions_actions_from_the_journal_show_in_the_detail() {
    use crate::journal::{Entry, Operator, Record, Target, TargetOutcome};
    let at: Timestamp = "2026-01-14T10:00:00Z".parse().expect("time");
    let record = |seq, entry| Record {
        seq,
        time: at,
        entry,
        prev: String::new(),
        hash: String::new(),
        mac: None,
    };
    let records = vec![
        record(
            1,
            Entry::Intent {
                action_id: "a1".into(),
                operator: Operator {
                    user: "bob".into(),
                    principal: None,
                },
                action: serde_json::json!({"name": "set_workflow", "status": "RESOLVED",
                    "note": "duplicate of INC-7"}),
                targets: vec![Target {
                    finding: "gd-1".into(),
                    account: "222222222222".into(),
                    region: "us-east-1".into(),
                }],
                reason: String::new(),
            },
        ),
        record(
            2,
            Entry::Outcome {
                action_id: "a1".into(),
                results: vec![TargetOutcome {
                    finding: "gd-1".into(),
                    ok: false,
                    error: Some("AccessDenied".into()),
                    request_id: None,
                    detail: None,
                }],
            },
        ),
    ];
    let options = Options {
        history: crate::app::history::History::from_journal(&records),
        ..Options::default()
    };
    let mut app = triage_app(options);
    press(&mut app, "Enter");
    let text = screen(&mut app);
    assert!(
        text.contains("2026-01-14 10:00:00 UTC bob · workflow RESOLVED · failed: AccessDenied"),
        "{text}"
    );
    assert!(text.contains("note: duplicate of INC-7"), "{text}");
}

#[test]
fn a_finding_s_detail_acts_on_the_finding_shown_whatever_is_marked() {
    let mut app = triage_app(Options::default());
    press(&mut app, "Space Space");
    assert_eq!(app.findings.marks.len(), 2);
    // Open the second finding and act from its detail: only it is the target.
    press(&mut app, "j Enter");
    let shown = app.detail().expect("the detail is open").entry;
    press(&mut app, "a");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the action menu is open: {:?}", app.notice);
    };
    assert_eq!(flow.targets, [shown]);
    press(&mut app, "Escape");
    assert!(app.modal.is_none(), "Esc cancels the action");
    press(&mut app, "Escape");
    assert!(
        app.stack.is_empty(),
        "then closes the detail: {:?}",
        app.modal
    );
    // From the queue, the marks are the targets.
    press(&mut app, "a");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the action menu is open: {:?}", app.notice);
    };
    assert_eq!(flow.targets.len(), 2);
}

#[test]
fn an_undo_in_steps_goes_on_with_the_next_step_and_a_cancelled_one_loses_nothing() {
    use crate::model::Workflow;
    let mut app = triage_app(Options::default());
    let (gd, sh) = (entry_of(&app, "gd-1"), entry_of(&app, "sh-1"));
    // sh-1 NOTIFIED first: RESOLVED from NEW and from NOTIFIED takes two steps to put back.
    press(&mut app, "g j");
    act_done(&mut app, "a o y");
    assert_eq!(
        app.store.summary(sh).map(|s| s.workflow),
        Some(Workflow::Notified)
    );
    press(&mut app, "M g Space Space");
    act_done(&mut app, "a r patched Enter y");
    let workflow = |app: &App, ix| app.store.summary(ix).map(|s| s.workflow);
    assert_eq!(workflow(&app, gd), Some(Workflow::Resolved));
    assert_eq!(workflow(&app, sh), Some(Workflow::Resolved));
    assert_eq!(app.findings.undo.len(), 2, "two previous states: two steps");
    // The first step, cancelled: nothing is lost.
    press(&mut app, "u Escape");
    assert_eq!(app.findings.undo.len(), 2);
    // Done step by step: each `u` puts back the next.
    act_done(&mut app, "u y");
    assert_eq!(app.findings.undo.len(), 1, "the other step waits");
    act_done(&mut app, "u y");
    assert_eq!(workflow(&app, gd), Some(Workflow::New));
    assert_eq!(workflow(&app, sh), Some(Workflow::Notified));
}
fn filter_prompt(app: &App) -> &crate::app::Prompt {
    match &app.modal {
        Some(Modal::Prompt(prompt)) if prompt.kind == PromptKind::Filter => prompt,
        other => panic!("no filter prompt: {other:?}"),
    }
}

#[test]
fn tab_in_the_filter_completes_a_field_name_with_its_operator() {
    let mut app = app();
    press(&mut app, "2 / se Tab");
    let prompt = filter_prompt(&app);
    assert_eq!(prompt.editor.text(), "sev>=");
    assert_eq!(prompt.completions, ["sev>=", "severity>="]);
    assert_eq!(prompt.completion_ix, Some(0));
    press(&mut app, "Tab");
    assert_eq!(filter_prompt(&app).editor.text(), "severity>=");
    press(&mut app, "Tab");
    assert_eq!(filter_prompt(&app).editor.text(), "sev>=", "Tab cycles");
    // Typed on, the field takes its value and the filter applies.
    press(&mut app, "high");
    assert_eq!(app.findings.table.filter_text, "sev>=high");
    assert!(filter_prompt(&app).completions.is_empty());
    assert_eq!(app.findings.table.rows.len(), 1);
}

#[test]
fn tab_after_account_offers_the_directory_s_names_then_ids_and_cycles() {
    let mut app = app();
    press(&mut app, "2 / account: Tab");
    let prompt = filter_prompt(&app);
    assert_eq!(
        prompt.completions,
        ["prod-web", "sandbox", "111111111111", "222222222222"]
    );
    assert_eq!(prompt.editor.text(), "account:prod-web");
    assert_eq!(
        app.findings.table.filter_text, "account:prod-web",
        "a completed value filters as typed"
    );
    assert_eq!(app.findings.table.rows.len(), 2);
    press(&mut app, "Tab");
    assert_eq!(filter_prompt(&app).editor.text(), "account:sandbox");
    assert_eq!(app.findings.table.rows.len(), 1);
    press(&mut app, "Tab Tab Tab");
    assert_eq!(
        filter_prompt(&app).editor.text(),
        "account:prod-web",
        "the fifth Tab is the first again"
    );
    // What is typed narrows: a unique value ends its term.
    press(
        &mut app,
        "BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace 22 Tab",
    );
    assert_eq!(filter_prompt(&app).editor.text(), "account:222222222222 ");
    assert!(filter_prompt(&app).completions.is_empty());
    press(&mut app, "Enter");
    assert_eq!(app.findings.table.filter_text, "account:222222222222");
}

#[test]
fn tab_completes_a_negated_term_and_goes_on_to_its_values() {
    let mut app = app();
    press(&mut app, "2 / sev>=low Space -stat Tab");
    let prompt = filter_prompt(&app);
    assert_eq!(prompt.editor.text(), "sev>=low -status:");
    assert_eq!(
        prompt.completions,
        ["new", "notified", "resolved", "suppressed", "archived"],
        "the only field is completed and its values are offered"
    );
    assert_eq!(prompt.completion_ix, None, "none inserted yet");
    press(&mut app, "Tab Tab");
    assert_eq!(
        filter_prompt(&app).editor.text(),
        "sev>=low -status:notified"
    );
    assert_eq!(app.findings.table.filter_text, "sev>=low -status:notified");
    assert_eq!(app.findings.table.rows.len(), 3);
    press(&mut app, "Tab");
    assert_eq!(
        filter_prompt(&app).editor.text(),
        "sev>=low -status:resolved"
    );
}

#[test]
fn tab_completes_values_from_the_store_after_a_comma_and_quotes_them() {
    let mut app = app();
    press(&mut app, "2 / sev:high,cr Tab");
    assert_eq!(filter_prompt(&app).editor.text(), "sev:high,critical ");
    press(&mut app, "type:back Tab");
    assert_eq!(
        filter_prompt(&app).editor.text(),
        "sev:high,critical type:Backdoor:EC2/C&CActivity.B "
    );
    assert_eq!(app.findings.table.rows.len(), 1);
    press(&mut app, "Escape");
    // A name with a space is offered quoted, as the filter reads it.
    let mut directory = crate::model::fixtures::directory();
    directory.insert(crate::model::Account {
        id: crate::model::SafeText::line("333333333333"),
        name: crate::model::SafeText::line("shared \u{1b}[31mservices"),
        ou_path: crate::model::SafeText::line("Shared Services"),
        production: false,
    });
    app.directory = directory;
    press(&mut app, "/ account:sh Tab");
    assert_eq!(
        filter_prompt(&app).editor.text(),
        "account:\"shared ␛[31mservices\" ",
        "sanitized and quoted"
    );
    press(&mut app, "ou: Tab");
    assert_eq!(
        filter_prompt(&app).completions,
        ["Production", "Sandbox", "\"Shared Services\""]
    );
    // A free word has nothing to complete.
    press(&mut app, "Escape / bucket Tab");
    assert_eq!(filter_prompt(&app).editor.text(), "bucket");
    assert!(filter_prompt(&app).completions.is_empty());
}

#[test]
fn enter_on_an_ou_heading_opens_the_findings_of_its_accounts() {
    let mut app = app();
    // prod-web is selected first; above it, the Production OU's heading.
    press(&mut app, "k Enter");
    assert_eq!(app.tab, Tab::Findings);
    assert_eq!(app.findings.table.filter_text, "ou:Production");
    assert_eq!(app.findings.table.rows.len(), 2);
    press(&mut app, "1 j j Enter");
    assert_eq!(app.findings.table.filter_text, "ou:Sandbox");
    assert_eq!(app.findings.table.rows.len(), 1);
}

#[test]
fn the_root_ou_opens_as_its_accounts_ids() {
    let mut app = app();
    // Accounts the directory does not know sit with the root's.
    let batch = Batch {
        findings: vec![
            guardduty(
                "d",
                "333333333333",
                "Recon:EC2/Portscan",
                5.0,
                "2026-01-15T11:10:00Z",
            ),
            guardduty(
                "e",
                "444444444444",
                "Recon:EC2/Portscan",
                2.0,
                "2026-01-15T11:10:00Z",
            ),
        ],
        ..Batch::default()
    };
    update(&mut app, Msg::Batch(Feed::Findings, batch));
    press(&mut app, "g Enter");
    assert_eq!(
        app.findings.table.filter_text,
        "account:333333333333,444444444444"
    );
    assert_eq!(app.findings.table.rows.len(), 2);
    assert_eq!(selected_id(&app), "d");
}

#[test]
fn enter_on_a_severity_cell_opens_that_severity_only() {
    let mut app = app();
    // sandbox's HIGH cell.
    press(&mut app, "j j l l");
    assert_eq!(app.overview.column, Some(1));
    press(&mut app, "Enter");
    assert_eq!(app.findings.table.filter_text, "account:sandbox sev:high");
    assert_eq!(app.findings.table.rows.len(), 1);
    assert_eq!(selected_id(&app), "b");
    // The cell stays as the cursor moves: the Production OU's MEDIUM, then every account's.
    press(&mut app, "1 l g Enter");
    assert_eq!(app.findings.table.filter_text, "ou:Production sev:medium");
    assert_eq!(selected_id(&app), "c");
    press(&mut app, "1 G h Enter");
    assert_eq!(app.findings.table.filter_text, "sev:high");
    assert_eq!(app.findings.table.rows.len(), 1);
    // Left of CRIT is the whole line again: every finding.
    press(&mut app, "1 h h Enter");
    assert_eq!(app.overview.column, None);
    assert_eq!(app.findings.table.filter_text, "");
    assert_eq!(app.findings.table.rows.len(), 3);
}

#[test]
fn the_selected_severity_cell_is_marked_on_the_overview() {
    let mut app = app();
    press(&mut app, "j j l l");
    let text = screen(&mut app);
    let line = text
        .lines()
        .find(|l| l.contains("sandbox") && !l.contains("Sandbox"))
        .unwrap_or_else(|| panic!("no sandbox line:\n{text}"));
    assert!(line.contains("›   1"), "{line}");
    let heading = text
        .lines()
        .find(|l| l.trim_start().starts_with("Production"))
        .unwrap_or_else(|| panic!("no Production heading:\n{text}"));
    assert!(
        heading.contains("·    ·    1    1    ·    2"),
        "the OU's heading sums its accounts: {heading}"
    );
}

#[test]
fn the_help_stops_at_its_last_page_so_a_key_up_after_g_moves_at_once() {
    let mut app = app();
    update(&mut app, Msg::Resize(80, 24));
    let end = crate::app::help::line_count(&app) - layout::help_page(app.size);
    press(&mut app, "? G");
    assert!(matches!(app.modal, Some(Modal::Help { scroll }) if scroll == end));
    press(&mut app, "k");
    assert!(matches!(app.modal, Some(Modal::Help { scroll }) if scroll == end - 1));
    press(&mut app, "j j j");
    assert!(matches!(app.modal, Some(Modal::Help { scroll }) if scroll == end));
}

#[test]
fn the_help_lists_every_symbol_and_every_filter_field_with_its_example() {
    let mut app = app();
    press(&mut app, "? G");
    let mut text = String::new();
    // Read from the top to the end, a page at a time.
    press(&mut app, "g");
    for _ in 0..40 {
        text.push_str(&screen(&mut app));
        press(&mut app, "PgDn");
    }
    for field in crate::query::FIELDS {
        assert!(
            text.contains(field.example),
            "{} is not in the help",
            field.example
        );
    }
    for state in crate::model::health::HealthState::ALL {
        assert!(
            text.contains(&format!(
                "{}             {}",
                state.symbol(),
                state.as_str()
            )),
            "{state:?} is not in the legend"
        );
    }
    for label in crate::model::SeverityLabel::ALL {
        let symbol = &app.look.theme.severity(label).symbol;
        let name = label.as_str().to_ascii_lowercase();
        assert!(
            text.contains(&format!("{symbol}             {name}")),
            "{name} is not in the legend"
        );
    }
    for mark in ["▶", "◐", "●", "▲ N newer", "×N", "⚑", "›12", "G S L O P F"] {
        assert!(text.contains(mark), "{mark} is not in the legend");
    }
}

#[test]
fn presenting_shows_stand_ins_for_the_accounts_and_ous_tab_and_enter_put_in_the_filter() {
    let mut app = app();
    press(&mut app, "P 2 / account: Tab");
    assert_eq!(filter_prompt(&app).editor.text(), "account:prod-web");
    let text = screen(&mut app);
    for name in ["prod-web", "sandbox", "111111111111"] {
        assert!(!text.contains(name), "{name} shown:\n{text}");
    }
    assert!(text.contains("/account:acct-"), "{text}");
    press(&mut app, "Escape 2 / ou: Tab");
    let text = screen(&mut app);
    assert!(!text.contains("Production"), "{text}");
    assert!(text.contains("/ou:ou-"), "{text}");
    press(&mut app, "Escape 1 k Enter");
    assert_eq!(app.findings.table.filter_text, "ou:Production");
    // The status bar's message gone, the filter shows.
    app.notice = None;
    let text = screen(&mut app);
    assert!(!text.contains("Production"), "{text}");
    assert!(text.contains("│ ou:ou-"), "{text}");
}

#[test]
fn a_reload_while_an_action_is_being_chosen_cancels_it_rather_than_keep_stale_playbooks() {
    let mut app = triage_app(Options::default());
    press(&mut app, "a");
    assert!(matches!(app.modal, Some(Modal::Action(_))));
    update(&mut app, reloaded(live(), &[]));
    assert!(app.modal.is_none(), "the choice starts over");
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("cancelled")),
        "{:?}",
        app.notice
    );
    // Drawn after any such message, nothing breaks.
    crate::render::draw_app(&app);
}
