//! Incidents and dispositions on the demo organization, driven as an analyst drives them:
//! group by attack sequence, open one, act on the whole group; group by principal and see who
//! is behind a role session; resolve with a reason and a review date, see it fall due, reopen.

mod common;

use jiff::SignedDuration;
use picket::app::act::Stage;
use picket::app::incidents::{GroupBy, Line};
use picket::app::keys::parse_sequence;
use picket::app::{Modal, Options};
use picket::model::Workflow;
use picket::model::disposition::Reason;
use picket::render::Harness;

fn demo() -> Harness {
    Harness::new(Options::default(), 7, common::now(), (120, 40))
}

fn press(harness: &mut Harness, keys: &str) {
    harness.keys(&parse_sequence(keys));
}

#[test]
fn an_attack_sequence_is_one_incident_whose_signals_are_the_findings_it_was_built_from() {
    let mut h = demo();
    press(&mut h, "2 i");
    let incidents = &h.app.findings.table.incidents;
    assert_eq!(incidents.by, Some(GroupBy::Sequence));
    let linked = incidents
        .groups
        .iter()
        .filter(|g| {
            g.sequence
                .as_ref()
                .is_some_and(|q| q.found.iter().filter(|e| e.is_some()).count() >= 2)
        })
        .count();
    assert!(
        linked >= 2,
        "at least two sequences point at their member findings ({linked})"
    );
    let rest = incidents.groups.last().expect("groups");
    assert!(rest.rest, "findings in no sequence come last, as one group");
    let shown: usize = incidents
        .groups
        .iter()
        .filter(|g| g.rest)
        .map(|g| g.members.len())
        .sum();
    assert!(shown < h.app.findings.table.rows.len());

    // The first incident, opened: the sequence, then its signals in time order.
    press(&mut h, "Enter");
    let incidents = &h.app.findings.table.incidents;
    let group = &incidents.groups[0];
    let sequence = group.sequence.as_ref().expect("a sequence");
    assert_eq!(incidents.lines[1], Line::Member(0, sequence.own));
    let times: Vec<_> = sequence
        .linked()
        .filter_map(|(s, _)| s.first_seen)
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "a timeline");
    assert!(
        sequence.linked().all(|(s, _)| s.tactic.is_some()),
        "each signal's tactic"
    );
    for (signal, entry) in sequence.linked() {
        if let Some(ix) = entry {
            assert!(group.members.contains(&ix));
            let types = h.app.store.finding(ix).expect("finding").types;
            assert_eq!(types[0].as_str(), signal.name.as_str());
        }
    }

    // On the group's row, an action takes every member, through the same confirmation.
    press(&mut h, "k a o");
    let Some(Modal::Action(flow)) = &h.app.modal else {
        panic!("the action flow is open");
    };
    let mut members = group_members(&h, 0);
    let mut targets = flow.targets.clone();
    members.sort_unstable();
    targets.sort_unstable();
    assert_eq!(targets, members);
    let Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("the confirmation shows the plan");
    };
    assert_eq!(plan.targets.len(), members.len());
    assert!(!plan.calls.is_empty());
}

fn group_members(h: &Harness, g: usize) -> Vec<u32> {
    h.app.findings.table.incidents.groups[g].members.clone()
}

#[test]
fn the_filter_applies_to_the_members_and_the_selection_follows_its_finding() {
    let mut h = demo();
    press(&mut h, "2 : group Space by Space resource Enter");
    let all: usize = h
        .app
        .findings
        .table
        .incidents
        .groups
        .iter()
        .map(|g| g.members.len())
        .sum();
    assert_eq!(
        all,
        h.app.findings.table.rows.len(),
        "each finding in one group"
    );
    press(&mut h, "/ sev>=high Enter");
    let table = &h.app.findings.table;
    for group in &table.incidents.groups {
        for &ix in &group.members {
            let label = h.app.store.summary(ix).expect("summary").label;
            assert!(label >= picket::model::SeverityLabel::High, "{label:?}");
        }
        assert!(!group.members.is_empty(), "no empty group is listed");
    }
    // Grouping off keeps the finding under the cursor.
    press(&mut h, "Enter j");
    let selected = h.app.findings.table.selected_entry().expect("a member");
    press(&mut h, ": group Space off Enter");
    assert_eq!(h.app.findings.table.selected_entry(), Some(selected));
    assert!(!h.app.findings.table.incidents.active());
}

#[test]
fn a_role_session_is_traced_to_the_user_who_assumed_the_role() {
    let mut h = demo();
    press(&mut h, ": group Space by Space principal Enter");
    let incidents = &h.app.findings.table.incidents;
    let g = incidents
        .groups
        .iter()
        .position(|g| {
            incidents
                .label(g, &h.app.store, &h.app.directory)
                .starts_with("AdminRole/")
        })
        .expect("a role session among the principals");
    let line = incidents
        .lines
        .iter()
        .position(|l| *l == Line::Group(g))
        .expect("its row");
    let label = incidents.label(&incidents.groups[g], &h.app.store, &h.app.directory);
    h.app.findings.table.selected = line;
    press(&mut h, "l");
    let incidents = &h.app.findings.table.incidents;
    let chain = incidents
        .chains
        .get(&incidents.groups[g].key)
        .expect("the chain was worked out");
    let session = label.split(" · ").next().expect("principal");
    let user = session
        .trim_start_matches("AdminRole/")
        .trim_end_matches("-session");
    assert_eq!(chain, &[session.to_string(), user.to_string()]);
}

#[test]
fn a_disposition_is_written_falls_due_and_is_reopened() {
    let mut h = demo();
    // An ASFF Security Hub finding of a non-production account, still open.
    press(
        &mut h,
        "2 / source:sh Space status:new Space -is:prod Space -type:Exposure Enter",
    );
    let ix = h.app.findings.table.selected_entry().expect("a finding");
    press(&mut h, "a s a legacy Space bucket Tab 30d Enter");
    let Some(Modal::Action(flow)) = &h.app.modal else {
        panic!("the confirmation is open");
    };
    let Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("the confirmation shows the plan");
    };
    let picket::actions::Action::SetWorkflow {
        status,
        note,
        disposition: Some(disposition),
    } = &plan.action
    else {
        panic!("a workflow change with a disposition: {:?}", plan.action);
    };
    assert_eq!(*status, Workflow::Suppressed);
    assert_eq!(
        note.as_deref()
            .map(|n| n.starts_with("accepted risk: legacy bucket")),
        Some(true)
    );
    assert_eq!(disposition.reason, Reason::AcceptedRisk);
    let due = common::now() + SignedDuration::from_hours(30 * 24);
    assert_eq!(disposition.expires, Some(due));
    let params = &plan.calls[0].params;
    assert_eq!(
        params["UserDefinedFields"]["picket.reason"],
        "accepted-risk"
    );
    press(&mut h, "y");
    let s = *h.app.store.summary(ix).expect("summary");
    assert_eq!(s.workflow, Workflow::Suppressed);
    assert_eq!(i64::from(s.expires), due.as_second());

    // A month on, it is due: is:expired finds it, and `a e` offers the reopen.
    h.advance_to(due + SignedDuration::from_mins(1));
    press(&mut h, "/ Ctrl-U is:expired Enter");
    assert!(h.app.findings.table.rows.contains(&ix));
    let line = h.app.findings.table.line_of(ix).expect("listed");
    h.app.findings.table.selected = line;
    press(&mut h, "M a e");
    let Some(Modal::Action(flow)) = &h.app.modal else {
        panic!("the reopen is confirmed like any action");
    };
    let Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("the confirmation shows the plan");
    };
    assert_eq!(flow.targets, vec![ix]);
    let picket::actions::Action::SetWorkflow { status, note, .. } = &plan.action else {
        panic!("a workflow change");
    };
    assert_eq!(*status, Workflow::New);
    assert!(
        note.as_deref().is_some_and(
            |n| n.contains("expired") && n.contains(&due.strftime("%Y-%m-%d").to_string())
        ),
        "{note:?}"
    );
    press(&mut h, "y");
    let s = *h.app.store.summary(ix).expect("summary");
    assert_eq!((s.workflow, s.expires), (Workflow::New, 0));
}
