//! Every screen at 120×40 and 80×24, on the demo organization with a frozen clock.

mod common;

use common::screen;

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
