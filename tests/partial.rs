//! The screens say when a picture is partial: a source catching up with a backlog shows
//! "N read, more coming" on the status bar, in its Sources cell and the cell's detail, and
//! the count goes back to normal once it is through; a pivot that stopped at its limit, a Logs
//! Insights result at the most the service returns, a log buffer that dropped its oldest
//! events and a group listing with more behind it each say so above their rows. The state
//! travels in messages, as from the runtime; the screens are drawn as the terminal gets them.

mod common;

use jiff::Timestamp;
use picket::app::keys::parse_sequence;
use picket::app::{App, Msg, Options, update};
use picket::model::SafeText;
use picket::model::health::{Health, HealthKey, HealthReport, HealthState, Service};
use picket::render::{Harness, export};
use picket::sources::{Batch, Feed};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn draw(app: &App) -> String {
    let (w, h) = app.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal
        .draw(|frame| picket::ui::draw(frame, app))
        .expect("drawn");
    export::text(terminal.backend().buffer())
}

fn securityhub(backlog: Option<u64>, now: Timestamp) -> Batch {
    Batch {
        health: vec![HealthReport {
            key: HealthKey {
                account_id: SafeText::line("111122223333"),
                region: SafeText::line("us-east-1"),
                service: Service::SecurityHub,
            },
            health: Health {
                state: HealthState::Ok,
                last_success: Some(now),
                message: None,
                backlog,
                raw: None,
            },
        }],
        more: backlog.is_some(),
        ..Batch::default()
    }
}

#[test]
fn a_source_catching_up_says_how_much_it_read_and_that_more_is_coming() {
    let now = common::now();
    let mut app = App::new(Options::default(), now);
    update(&mut app, Msg::Resize(120, 30));
    update(
        &mut app,
        Msg::Batch(Feed::Findings, securityhub(Some(20_000), now)),
    );
    let findings = draw(&app);
    let status = findings.lines().last().unwrap_or_default();
    assert!(
        status.contains("20,000 read, more coming"),
        "the status bar: {status}"
    );
    for key in parse_sequence("4 Enter") {
        update(&mut app, Msg::Key(key));
    }
    let sources = draw(&app);
    assert!(
        sources.contains("S● 20k read…"),
        "the Sources cell:\n{sources}"
    );
    assert!(
        sources.contains("20,000 read, more coming"),
        "the cell's detail:\n{sources}"
    );

    update(&mut app, Msg::Batch(Feed::Findings, securityhub(None, now)));
    let through = draw(&app);
    assert!(!through.contains("more coming"), "through:\n{through}");
    assert!(!through.contains("read…"), "through:\n{through}");
}

#[test]
fn a_pivot_that_stopped_at_its_limit_says_so_above_its_rows() {
    let mut demo = Harness::new(Options::default(), 7, common::now(), (200, 40));
    demo.keys(&parse_sequence("2 / type:*IAMUser* Enter L"));
    let finding = demo
        .app
        .logs
        .pivot()
        .expect("the pivot is open")
        .request
        .finding
        .clone();
    let said = "the search stopped at 10,000 events (the limit); more in the window are not shown";
    update(
        &mut demo.app,
        Msg::PivotDone {
            finding,
            result: Ok(picket::logs::pivot::Found {
                events: Vec::new(),
                left_out: Some(said.into()),
            }),
        },
    );
    let screen = export::text(&demo.draw());
    let title = screen
        .lines()
        .find(|l| l.contains("Activity"))
        .expect("the pivot's title");
    assert!(title.contains(said), "{title}");
}

#[test]
fn an_insights_result_at_the_most_the_service_returns_says_so() {
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence(
        "3 : query Space fields Space eventName Enter",
    ));
    let id = demo.app.logs.insights().expect("a query view").request.id;
    let rows = |n: usize| {
        (0..n)
            .map(|i| vec![("eventName".to_string(), format!("Call{i}"))])
            .collect()
    };
    let answer = |n: usize| picket::logs::insights::InsightsUpdate {
        id,
        status: "Complete".into(),
        rows: rows(n),
        done: true,
        ..picket::logs::insights::InsightsUpdate::default()
    };
    update(&mut demo.app, Msg::Insights(answer(9_999)));
    let below = export::text(&demo.draw());
    assert!(!below.contains("the first 10,000 rows"), "{below}");
    update(
        &mut demo.app,
        Msg::Insights(answer(picket::limits::INSIGHTS_ROWS)),
    );
    let capped = export::text(&demo.draw());
    assert!(
        capped.contains("the first 10,000 rows: Logs Insights returns no more"),
        "{capped}"
    );
    let groups = "only the first 10 groups starting with 'aws-cloudtrail-logs' are queried";
    update(
        &mut demo.app,
        Msg::Insights(picket::logs::insights::InsightsUpdate {
            left_out: Some(groups.into()),
            ..answer(3)
        }),
    );
    let narrowed = export::text(&demo.draw());
    assert!(narrowed.contains(groups), "{narrowed}");
}

#[test]
fn a_full_log_buffer_counts_what_it_dropped() {
    let options = Options {
        log_capacity: 50,
        ..Options::default()
    };
    let mut demo = Harness::new(options, 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("3"));
    assert_eq!(demo.app.logs.buffer.len(), 50, "the buffer is full");
    let dropped = demo.app.logs.buffer.dropped();
    assert!(dropped > 0);
    let screen = export::text(&demo.draw());
    let title = screen
        .lines()
        .find(|l| l.contains("CloudTrail"))
        .expect("title");
    assert!(
        title.contains(&format!(
            "{} older dropped (buffer 50)",
            picket::ui::text::thousands(dropped as usize)
        )),
        "{title}"
    );
}

#[test]
fn a_group_listing_with_more_behind_it_says_so() {
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("3 o"));
    let many: Vec<String> = (0..picket::limits::GROUPS_LISTED + 1)
        .map(|i| format!("/aws/lambda/fn-{i:03}"))
        .collect();
    update(
        &mut demo.app,
        Msg::Groups {
            prefix: String::new(),
            result: Ok(many),
        },
    );
    let screen = export::text(&demo.draw());
    assert!(
        screen.contains("the first 50 groups; more start with this"),
        "{screen}"
    );
}
