use super::*;

fn target(n: usize, account: &str, production: bool) -> Target {
    Target {
        finding: format!("f-{n}"),
        account: account.into(),
        region: "us-east-1".into(),
        production,
        hub_id: Some(format!(
            "arn:aws:securityhub:us-east-1:{account}:finding/f-{n}"
        )),
        product_arn: Some("arn:aws:securityhub:us-east-1::product/aws/securityhub".into()),
        detector: Some("d1".into()),
        routes: Vec::new(),
        ..Default::default()
    }
}

fn targets(n: usize, account: &str, production: bool) -> Vec<Target> {
    (0..n).map(|i| target(i, account, production)).collect()
}

fn resolve() -> Action {
    Action::SetWorkflow {
        status: Workflow::Resolved,
        note: Some("patched".into()),
        disposition: None,
    }
}

#[test]
fn security_hub_calls_hold_100_findings_guardduty_calls_50() {
    let hub = plan(resolve(), targets(250, "111", false), "alice", "ticket 42").expect("plan");
    let sizes: Vec<usize> = hub.calls.iter().map(|c| c.targets.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert_eq!(hub.calls[0].api, "securityhub:BatchUpdateFindings");
    assert_eq!(hub.calls[0].params["Workflow"]["Status"], "RESOLVED");
    assert_eq!(
        hub.calls[0].params["Note"]["Text"], "patched — alice via picket (ticket 42)",
        "notes name the operator and the reason"
    );
    let gd = plan(Action::Archive, targets(120, "111", false), "alice", "").expect("plan");
    let sizes: Vec<usize> = gd.calls.iter().map(|c| c.targets.len()).collect();
    assert_eq!(sizes, [50, 50, 20]);
    assert_eq!(gd.calls[0].params["DetectorId"], "d1");
}

#[test]
fn calls_are_grouped_by_account_and_region() {
    let mut all = targets(3, "111", false);
    all.extend(targets(2, "222", false));
    all[1].region = "eu-west-1".into();
    let planned = plan(resolve(), all, "alice", "").expect("plan");
    let scopes: Vec<(&str, &str, usize)> = planned
        .calls
        .iter()
        .map(|c| (c.account.as_str(), c.region.as_str(), c.targets.len()))
        .collect();
    assert_eq!(
        scopes,
        [
            ("111", "eu-west-1", 1),
            ("111", "us-east-1", 2),
            ("222", "us-east-1", 2)
        ]
    );
}

#[test]
fn resolving_or_suppressing_needs_a_note() {
    for status in [Workflow::Resolved, Workflow::Suppressed] {
        let action = Action::SetWorkflow {
            status,
            note: None,
            disposition: None,
        };
        assert!(plan(action, targets(1, "111", false), "alice", "").is_err());
    }
    let notified = Action::SetWorkflow {
        status: Workflow::Notified,
        note: None,
        disposition: None,
    };
    assert!(plan(notified, targets(1, "111", false), "alice", "").is_ok());
}

#[test]
fn a_small_reversible_change_outside_production_is_confirmed_with_y() {
    let small = plan(resolve(), targets(3, "111", false), "alice", "").expect("plan");
    assert!(!small.needs_token());
    let name = |id: &str| format!("name-{id}");
    assert!(acknowledge(&small, &Answer::default(), name).is_err());
    let yes = Answer {
        yes: true,
        ..Answer::default()
    };
    assert!(acknowledge(&small, &yes, name).is_ok());
}

#[test]
fn production_bulk_or_irreversible_needs_a_typed_token_and_a_reason() {
    let name = |id: &str| format!("name-{id}");
    let yes = Answer {
        yes: true,
        ..Answer::default()
    };
    let cases = [
        plan(resolve(), targets(3, "111", true), "alice", "").expect("production"),
        plan(resolve(), targets(11, "111", false), "alice", "").expect("bulk"),
        plan(
            Action::AddNote { text: "x".into() },
            targets(1, "111", false),
            "alice",
            "",
        )
        .expect("irreversible"),
    ];
    for planned in &cases {
        assert!(planned.needs_token());
        assert!(acknowledge(planned, &yes, name).is_err(), "y is not enough");
        let count = planned.targets.len().to_string();
        let no_reason = Answer {
            token: count.clone(),
            ..Answer::default()
        };
        assert!(
            acknowledge(planned, &no_reason, name).is_err(),
            "a reason is required"
        );
        let by_count = Answer {
            token: count,
            reason: "confirmed with the owner".into(),
            ..Answer::default()
        };
        assert!(acknowledge(planned, &by_count, name).is_ok());
        let by_name = Answer {
            token: "name-111".into(),
            reason: "confirmed with the owner".into(),
            ..Answer::default()
        };
        assert!(acknowledge(planned, &by_name, name).is_ok());
        let wrong = Answer {
            token: "12345".into(),
            reason: "r".into(),
            ..Answer::default()
        };
        assert!(acknowledge(planned, &wrong, name).is_err());
    }
}

#[test]
fn findings_without_the_api_identifiers_are_refused_by_name() {
    let mut no_hub = target(1, "111", false);
    no_hub.hub_id = None;
    let err = plan(resolve(), vec![no_hub], "alice", "").expect_err("refused");
    assert!(err.contains("f-1"), "{err}");
    let mut no_detector = target(2, "111", false);
    no_detector.detector = None;
    assert!(plan(Action::Archive, vec![no_detector], "alice", "").is_err());
}

#[test]
fn write_back_goes_through_the_account_and_detector_that_read_the_finding() {
    let route = |service, detector: Option<&str>| crate::model::Route {
        account: "222".into(),
        region: "us-east-1".into(),
        service,
        via_account: "999".into(),
        via_region: "us-east-1".into(),
        detector: detector.map(str::to_string),
    };
    let mut routed = targets(3, "222", false);
    for t in &mut routed {
        t.routes = vec![
            route(Service::GuardDuty, Some("admin-detector")),
            route(Service::SecurityHub, None),
        ];
    }
    let mut mixed = routed.clone();
    mixed.extend(targets(2, "333", false));
    let archive = plan(Action::Archive, mixed.clone(), "alice", "").expect("plan");
    let calls: Vec<(&str, &str)> = archive
        .calls
        .iter()
        .map(|c| {
            (
                c.account.as_str(),
                c.params["DetectorId"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        calls,
        [("333", "d1"), ("999", "admin-detector")],
        "the administrator archives members' findings with its own detector; unrouted ones go direct"
    );
    let hub = plan(resolve(), routed, "alice", "").expect("plan");
    assert_eq!(hub.calls.len(), 1);
    assert_eq!(hub.calls[0].account, "999");
    assert_eq!(
        hub.targets[0].account, "222",
        "the targets keep their own account"
    );
}

#[test]
fn an_ocsf_finding_carries_its_disposition_as_a_line_of_the_comment() {
    use crate::model::disposition::{Disposition, Reason};
    let disposition = Disposition {
        reason: Reason::Benign,
        author: crate::model::SafeText::line("alice"),
        at: Some("2026-11-30T10:00:00Z".parse().expect("time")),
        expires: Some("2026-12-30T10:00:00Z".parse().expect("time")),
    };
    for words in ["scanner host", &"long words ".repeat(80)] {
        let mut ocsf = target(0, "111", false);
        ocsf.ocsf = true;
        let planned = plan(
            Action::SetWorkflow {
                status: Workflow::Resolved,
                note: Some(words.to_string()),
                disposition: Some(disposition.clone()),
            },
            vec![ocsf],
            "alice",
            "",
        )
        .expect("plan");
        let comment = planned.calls[0].params["Comment"]
            .as_str()
            .expect("a comment");
        assert!(comment.chars().count() <= 512, "{}", comment.len());
        assert!(comment.starts_with(&words[..10]));
        assert_eq!(
            Disposition::from_comment(comment),
            Some(disposition.clone()),
            "{comment}"
        );
    }
}

#[test]
fn false_positive_and_resolve_is_one_security_hub_call_and_archive_plus_feedback_in_guardduty() {
    use crate::model::finding::Verification;
    let mut hub = target(0, "111", false);
    hub.detector = None;
    let guardduty = target(1, "111", false);
    let mut ocsf = target(2, "111", false);
    ocsf.ocsf = true;
    let action = Action::ResolveFalsePositive {
        note: "test traffic".into(),
    };
    assert!(action.reversible());
    let planned = plan(action.clone(), vec![hub, guardduty, ocsf], "alice", "").expect("plan");
    let apis: Vec<(&str, Vec<usize>)> = planned
        .calls
        .iter()
        .map(|c| (c.api, c.targets.clone()))
        .collect();
    assert_eq!(
        apis,
        [
            ("guardduty:ArchiveFindings", vec![1]),
            ("guardduty:UpdateFindingsFeedback", vec![1]),
            ("securityhub:BatchUpdateFindings", vec![0]),
            ("securityhub:BatchUpdateFindingsV2", vec![2]),
        ]
    );
    let feedback = &planned.calls[1].params;
    assert_eq!(feedback["Feedback"], "NOT_USEFUL");
    assert_eq!(
        feedback["Comments"],
        "false positive: test traffic — alice via picket"
    );
    let both = &planned.calls[2].params;
    assert_eq!(both["Workflow"]["Status"], "RESOLVED");
    assert_eq!(both["VerificationState"], "FALSE_POSITIVE");
    assert_eq!(
        both["Note"]["Text"],
        "false positive: test traffic — alice via picket"
    );
    assert_eq!(planned.calls[3].params["StatusId"], 4);
    use crate::store::Change;
    assert_eq!(action.changes(true), [Change::Archived(true)]);
    assert!(
        action
            .changes(false)
            .contains(&Change::Verification(Verification::FalsePositive))
    );
    assert!(
        action
            .changes(false)
            .contains(&Change::Workflow(Workflow::Resolved))
    );

    // Its undo puts each finding back through the same service.
    let mut hub = target(0, "111", false);
    hub.detector = None;
    let back = Action::Reinstate {
        workflow: Workflow::Notified,
        verification: Verification::Unknown,
        archived: false,
    };
    let undone = plan(back, vec![hub, target(1, "111", false)], "alice", "").expect("plan");
    assert_eq!(undone.calls[0].api, "guardduty:UnarchiveFindings");
    assert_eq!(undone.calls[1].api, "securityhub:BatchUpdateFindings");
    assert_eq!(undone.calls[1].params["Workflow"]["Status"], "NOTIFIED");
    assert_eq!(undone.calls[1].params["VerificationState"], "UNKNOWN");
}

#[test]
fn each_target_has_one_outcome_however_many_calls_reached_it() {
    use crate::journal::TargetOutcome;
    let outcome = |finding: &str, error: Option<&str>| TargetOutcome {
        finding: finding.into(),
        ok: error.is_none(),
        error: error.map(str::to_string),
        request_id: Some(format!("r-{finding}")),
        detail: None,
    };
    let merged = executor::one_per_target(vec![
        ("guardduty:ArchiveFindings", outcome("a", None)),
        ("guardduty:ArchiveFindings", outcome("b", None)),
        (
            "securityhub:BatchUpdateFindings",
            outcome("c", Some("denied")),
        ),
        ("guardduty:UpdateFindingsFeedback", outcome("a", None)),
        (
            "guardduty:UpdateFindingsFeedback",
            outcome("b", Some("AccessDenied")),
        ),
    ]);
    let seen: Vec<(&str, bool, Option<&str>)> = merged
        .iter()
        .map(|o| (o.finding.as_str(), o.ok, o.error.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("a", true, None),
            (
                "b",
                false,
                Some("guardduty:UpdateFindingsFeedback: AccessDenied")
            ),
            ("c", false, Some("denied")),
        ]
    );
}
