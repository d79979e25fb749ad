//! Every screen at 120×40 and 80×24, on the demo organization with a frozen clock.

mod common;

use common::screen;
use picket::model::SafeText;
use picket::model::health::{Health, HealthKey, HealthReport, HealthState, Service};

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

/// (name, keys) for each screen and state worth pinning.
const SCREENS: &[(&str, &str)] = &[
    ("overview", ""),
    ("findings", "2"),
    ("findings_filtered", "2 / sev>=high Enter"),
    ("filter_error", "2 / sev>=hgih"),
    ("findings_sorted_by_account", "2 s s"),
    ("findings_marked", "2 Space Space j Space"),
    ("action_menu", "2 Space Space a"),
    (
        "action_confirm_production",
        "2 j j j Space Space Space a r f patched Enter",
    ),
    (
        "action_resolved",
        "2 j j j Space Space Space a r f patched Enter 3 Enter CHG-1 Enter",
    ),
    ("action_disposition", "2 a s a legacy Space bucket Tab 30d"),
    ("incidents_by_sequence", "2 i Enter"),
    (
        "incidents_by_principal",
        ": group Space by Space principal Enter j j j Enter",
    ),
    ("detail", "2 Enter"),
    ("detail_search", "2 Enter / instance Enter"),
    ("help", "?"),
    ("logs", "3"),
    ("logs_paused_record", "3 Space k k Enter"),
    ("sources_matrix", "4 j j l"),
    ("sources_cell_detail", "4 j l l l l Enter"),
    ("command_completion", ": th Tab"),
    ("theme_mono", ": theme Space mono Enter 2"),
    ("presenter_overview", "P"),
    ("presenter_findings", "P 2"),
    ("presenter_detail", "P 2 Enter"),
    ("presenter_logs", "P 3"),
    ("posture_compliance", "5"),
    ("posture_compliance_open", "5 Enter j j j l"),
    ("posture_coverage", "5 w"),
    ("posture_exposure", "5 e"),
    ("presenter_posture", "P 5 Enter"),
    (
        "findings_detections",
        "2 / source:detection Space count>2 Enter",
    ),
    (
        "detail_detection_matches",
        "2 / source:detection Space count>2 Enter Enter j j j j j j j j j j j j j j",
    ),
    ("help_legend", "? G PgUp"),
    ("help_filter_fields", "? G"),
    ("overview_cell_selected", "j j l l"),
    ("overview_ou_cell_selected", "j l"),
    ("filter_completion", "2 / account:prod Tab"),
];

#[test]
fn screens() {
    for (w, h) in SIZES {
        for (name, keys) in SCREENS {
            let text = screen((w, h), keys);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), text, &format!("keys: {keys}"));
        }
    }
}

/// A real account's first minutes: an app that holds no finding, given the health the sources
/// report, drawn on the overview and the findings screen.
fn guided(health: Vec<HealthReport>, size: (u16, u16), keys: &str) -> String {
    use picket::app::{Msg, update};
    let options = picket::app::Options {
        profile: Some("security-audit".into()),
        ..Default::default()
    };
    let mut app = picket::app::App::new(options, common::now());
    update(&mut app, Msg::Resize(size.0, size.1));
    let batch = picket::sources::Batch {
        health,
        ..Default::default()
    };
    update(&mut app, Msg::Batch(picket::sources::Feed::Findings, batch));
    for key in picket::app::keys::parse_sequence(keys) {
        update(&mut app, Msg::Key(key));
    }
    picket::render::export::text(&picket::render::draw_app(&app))
}

fn cell(
    account: &str,
    region: &str,
    service: Service,
    state: HealthState,
    message: &str,
) -> HealthReport {
    HealthReport {
        key: HealthKey {
            account_id: SafeText::line(account),
            region: SafeText::line(region),
            service,
        },
        health: Health {
            state,
            last_success: (state == HealthState::Ok).then(common::now),
            message: (!message.is_empty()).then(|| SafeText::line(message)),
            backlog: None,
            raw: None,
        },
    }
}

#[test]
fn guided_empty_states() {
    let expired = "the SSO session of profile 'security-audit' has expired or was never started: run `aws sso login --profile security-audit` (a running picket reads on with the new session)";
    let failing = vec![
        cell(
            "unknown",
            "us-east-1",
            Service::GuardDuty,
            HealthState::Error,
            expired,
        ),
        cell(
            "unknown",
            "us-east-1",
            Service::SecurityHub,
            HealthState::Error,
            expired,
        ),
        cell(
            "unknown",
            "eu-west-1",
            Service::GuardDuty,
            HealthState::Error,
            expired,
        ),
        cell(
            "unknown",
            "eu-west-1",
            Service::SecurityHub,
            HealthState::Error,
            expired,
        ),
    ];
    let nothing_found = vec![
        cell(
            "111122223333",
            "us-east-1",
            Service::GuardDuty,
            HealthState::Ok,
            "",
        ),
        cell(
            "111122223333",
            "us-east-1",
            Service::SecurityHub,
            HealthState::Ok,
            "",
        ),
        cell(
            "444455556666",
            "us-east-1",
            Service::SecurityHub,
            HealthState::Ok,
            "",
        ),
        cell(
            "444455556666",
            "us-east-1",
            Service::GuardDuty,
            HealthState::NotEnabled,
            "GuardDuty is not enabled in us-east-1: `aws guardduty create-detector --enable --region us-east-1`, or from the organization's GuardDuty administrator",
        ),
    ];
    for (w, h) in SIZES {
        for (name, health) in [("failing", &failing), ("nothing_found", &nothing_found)] {
            for (screen, keys) in [("overview", ""), ("findings", "2")] {
                let text = guided(health.clone(), (w, h), keys);
                insta::assert_snapshot!(format!("guided_{name}_{screen}_{w}x{h}"), text);
            }
        }
    }
}

#[test]
fn a_sources_cell_keeps_aws_words_under_the_line_with_the_fix() {
    let mut failing = cell(
        "111122223333",
        "us-east-1",
        Service::GuardDuty,
        HealthState::Error,
        "the session credentials have expired (ExpiredToken): `aws sso login`",
    );
    failing.health.raw = Some(SafeText::line(
        "service error: ExpiredToken: The security token included in the request is expired",
    ));
    let text = guided(vec![failing], (120, 40), "4 Enter");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} is not on the Sources screen:\n{text}"))
    };
    assert!(
        at("the session credentials have expired") < at("AWS said: service error: ExpiredToken")
    );
}
