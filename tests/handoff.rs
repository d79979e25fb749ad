//! The handoff bundle on the demo organization: its Markdown checked against a golden file
//! (`tests/snapshots/handoff__*.snap`), its JSON read back, and `H` in the TUI.

mod common;

use jiff::SignedDuration;
use picket::app::handoff;
use picket::app::incidents::GroupBy;
use picket::journal::{Entry, Journal, Operator, Target, TargetOutcome};
use picket::model::Directory;
use picket::query::Query;
use picket::sources::demo::{DemoOrg, generate_findings};
use picket::store::{CompiledFilter, EntryIx, FindingStore, SortKey, sort_rows};

/// A shift: 400 demo findings, two actions journaled (one partly refused).
fn shift() -> (FindingStore, Directory, Vec<picket::journal::Record>) {
    let now = common::now();
    let mut store = FindingStore::default();
    for finding in generate_findings(7, 400, now) {
        store.upsert(finding, now, true);
    }
    let mut directory = Directory::default();
    for account in DemoOrg::new(7).accounts() {
        directory.insert(account.clone());
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("journal.jsonl");
    let journal = Journal::with_key(&path, path.with_extension("key"));
    let dana = Operator {
        user: "dana".into(),
        principal: None,
    };
    let target = |n: usize| Target {
        finding: format!("f-{n}"),
        account: "845190372661".into(),
        region: "us-west-2".into(),
    };
    let at = |minutes: i64| now - SignedDuration::from_mins(minutes);
    for (id, minutes, action, results) in [
        (
            "act-1",
            90,
            serde_json::json!({"name": "set_workflow", "status": "SUPPRESSED",
                "disposition": {"reason": "accepted-risk", "author": "dana"}}),
            vec![(0, true, None), (1, true, None)],
        ),
        (
            "act-2",
            30,
            serde_json::json!({"name": "archive"}),
            vec![
                (2, true, None),
                (
                    3,
                    false,
                    Some("AccessDenied: [not](https://evil) authorized"),
                ),
            ],
        ),
    ] {
        journal
            .append(
                Entry::Intent {
                    action_id: id.into(),
                    operator: dana.clone(),
                    action,
                    targets: results.iter().map(|(n, _, _)| target(*n)).collect(),
                    reason: "CHG-7".into(),
                },
                at(minutes),
            )
            .expect("intent");
        journal
            .append(
                Entry::Outcome {
                    action_id: id.into(),
                    results: results
                        .iter()
                        .map(|(n, ok, error)| TargetOutcome {
                            finding: format!("f-{n}"),
                            ok: *ok,
                            error: error.map(str::to_string),
                            request_id: None,
                            detail: None,
                        })
                        .collect(),
                },
                at(minutes - 1),
            )
            .expect("outcome");
    }
    let records = journal.contents().expect("journal").records;
    (store, directory, records)
}

fn rows(store: &FindingStore, directory: &Directory, filter: &str) -> Vec<EntryIx> {
    let query = Query::parse(filter).expect("filter");
    let compiled = CompiledFilter::compile(&query, store, directory, common::now());
    let mut rows: Vec<EntryIx> = (0..store.len() as EntryIx)
        .filter(|&ix| compiled.matches(store, ix))
        .collect();
    sort_rows(&mut rows, store, directory, SortKey::Severity, false);
    rows
}

#[test]
fn the_shift_reads_as_markdown_for_a_ticket() {
    let (store, directory, records) = shift();
    let filter = "sev>=high status:new,notified";
    let rows = rows(&store, &directory, filter);
    let now = common::now();
    let bundle = handoff::build(
        &store,
        &directory,
        &rows,
        GroupBy::Sequence,
        Some(&records),
        (Some(now - SignedDuration::from_hours(8)), now),
        filter,
    );
    let text = handoff::markdown(&bundle);
    insta::assert_snapshot!("markdown", text);
    // What AWS said cannot link or format.
    assert!(text.contains(r"AccessDenied: \[not\](https://evil) authorized"));

    // The JSON carries the same, for tools.
    let json = serde_json::to_value(&bundle).expect("json");
    assert_eq!(json["findings"], rows.len());
    assert_eq!(json["actions"][1]["failed"], 1);
    assert_eq!(
        json["actions"][0]["action"],
        "set workflow SUPPRESSED (accepted risk)"
    );
    let listed: usize = json["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["findings"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(listed >= rows.len(), "every finding is in the handoff");
}

#[test]
fn shift_h_copies_the_marked_findings_as_a_handoff() {
    use picket::app::keys::parse_sequence;
    use picket::app::{Effect, Msg, Options, update};
    let mut harness = picket::render::Harness::new(Options::default(), 7, common::now(), (120, 40));
    let app = &mut harness.app;
    let effects: Vec<Effect> = parse_sequence("2 Space Space H")
        .into_iter()
        .flat_map(|k| update(app, Msg::Key(k)).effects)
        .collect();
    let copied = effects
        .iter()
        .find_map(|e| match e {
            Effect::Copy(text) => Some(text.clone()),
            _ => None,
        })
        .expect("a handoff was copied");
    assert!(copied.starts_with("# Handoff · up to "), "{copied}");
    assert_eq!(
        copied.matches("\n- **").count(),
        2,
        "the two marked findings"
    );
    assert!(
        !copied.contains("## Actions"),
        "the journal is picket handoff's"
    );
}
