use std::collections::HashSet;
use std::task::{Context, Poll, Waker};

use super::*;
use crate::model::text::is_dangerous;

fn now() -> Timestamp {
    "2026-01-15T09:30:00Z".parse().expect("time")
}

fn poll(source: &mut dyn Source, at: Timestamp) -> Batch {
    match source
        .poll(at)
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(batch) => batch,
        Poll::Pending => panic!("the demo never waits"),
    }
}

fn initial(seed: u64) -> Batch {
    poll(&mut DemoFindings::new(DemoOrg::new(seed)), now())
}

#[test]
fn the_same_seed_gives_the_same_organization() {
    let a = initial(7);
    let b = initial(7);
    let ids = |batch: &Batch| {
        batch
            .findings
            .iter()
            .map(|f| f.raw.as_delivered().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(ids(&a), ids(&initial(8)));
}

#[test]
fn the_organization_has_the_promised_shape() {
    let org = DemoOrg::new(0);
    assert!(org.accounts().len() >= 8);
    let ous: HashSet<_> = org
        .accounts()
        .iter()
        .map(|a| a.ou_path.to_string())
        .collect();
    assert!(ous.len() >= 3, "{ous:?}");
    assert!(org.accounts().iter().any(|a| a.production));
    let batch = initial(0);
    let regions: HashSet<_> = batch
        .findings
        .iter()
        .map(|f| f.region.to_string())
        .collect();
    assert!(regions.len() >= 3);
    // Every record maps, and the exposure findings (OCSF) come beside them.
    let exposures = super::posture::exposures(now()).len();
    assert_eq!(exposures, 12, "three per production and staging account");
    assert_eq!(
        batch.findings.len(),
        INITIAL_GUARDDUTY + INITIAL_SECURITY_HUB + exposures,
        "every record maps"
    );
    assert!(batch.initial);
}

#[test]
fn findings_cover_the_types_products_and_classics() {
    for seed in [0, 1, 99] {
        let batch = initial(seed);
        let gd_types: HashSet<_> = batch
            .findings
            .iter()
            .filter(|f| f.product.as_str() == "GuardDuty")
            .map(|f| f.type_label().to_string())
            .collect();
        assert!(
            gd_types.len() >= 30,
            "seed {seed}: {} types",
            gd_types.len()
        );
        assert_eq!(
            gd_types
                .iter()
                .filter(|t| t.starts_with("AttackSequence:"))
                .count(),
            5
        );
        let products: HashSet<_> = batch
            .findings
            .iter()
            .map(|f| f.product.to_string())
            .collect();
        for p in [
            "GuardDuty",
            "Security Hub",
            "Inspector",
            "Macie",
            "IAM Access Analyzer",
            "Acme Scanner",
        ] {
            assert!(products.contains(p), "seed {seed}: no {p} finding");
        }
        let controls: HashSet<_> = batch
            .findings
            .iter()
            .filter_map(|f| {
                f.compliance
                    .as_ref()?
                    .control_id
                    .as_ref()
                    .map(|c| c.to_string())
            })
            .collect();
        for control in ["S3.8", "EC2.3", "RDS.5", "IAM.4", "CloudWatch.1", "EC2.19"] {
            assert!(controls.contains(control), "seed {seed}: no {control}");
        }
        assert!(batch.findings.iter().any(|f| f.title.contains("AssumeRole") || f.description.contains("sts:AssumeRole")));
        assert!(
            batch
                .findings
                .iter()
                .any(|f| f.workflow == crate::model::Workflow::Notified && !f.notes.is_empty())
        );
        assert!(batch.findings.iter().any(|f| {
            f.compliance
                .as_ref()
                .is_some_and(|c| c.status.as_str() == "PASSED")
        }));
        let recent = batch
            .findings
            .iter()
            .filter(|f| (now().as_second() - f.first_seen.as_second()) < 3600)
            .count();
        assert!(
            (10..=80).contains(&recent),
            "seed {seed}: {recent} findings in the last hour"
        );
        let criticals = batch
            .findings
            .iter()
            .filter(|f| f.severity.label == crate::model::SeverityLabel::Critical)
            .count();
        assert!(criticals > 0 && criticals < batch.findings.len() / 5);
    }
}

#[test]
fn hostile_text_is_present_and_neutralized() {
    for seed in 0..20 {
        let batch = initial(seed);
        let raw_hostile = batch
            .findings
            .iter()
            .filter(|f| {
                f.raw.as_delivered().contains("\\u001b")
                    || f.raw.as_delivered().contains('\u{202e}')
            })
            .count();
        assert!(
            raw_hostile >= 3,
            "seed {seed}: {raw_hostile} hostile records"
        );
        for f in &batch.findings {
            assert!(!f.title.chars().any(is_dangerous));
            for r in &f.resources {
                assert!(
                    !r.details
                        .iter()
                        .any(|(k, v)| k.chars().chain(v.chars()).any(is_dangerous))
                );
            }
        }
        assert!(
            batch
                .findings
                .iter()
                .any(|f| f.description.chars().count() > 15_000)
        );
        // The 3,000-character resource id is cut for display; the raw record keeps it whole.
        let long = batch
            .findings
            .iter()
            .find(|f| f.raw.as_delivered().contains(&"segment/".repeat(300)))
            .expect("long id");
        assert!(
            long.resources
                .iter()
                .any(|r| r.id.ends_with('…') && r.id.chars().count() <= 1025)
        );
    }
}

#[test]
fn health_names_the_region_without_guardduty() {
    let batch = initial(0);
    let off: Vec<_> = batch
        .health
        .iter()
        .filter(|h| h.health.state == HealthState::NotEnabled)
        .collect();
    assert_eq!(off.len(), 1);
    assert_eq!(
        off[0].health.message.as_deref(),
        Some("GuardDuty is not enabled in ap-southeast-2")
    );
    let sandbox_ml = "917365028413";
    assert!(
        !batch
            .findings
            .iter()
            .any(|f| f.product.as_str() == "GuardDuty"
                && f.account_id.as_str() == sandbox_ml
                && f.region.as_str() == "ap-southeast-2")
    );
}

#[test]
fn new_findings_arrive_and_old_ones_recur() {
    let mut source = DemoFindings::new(DemoOrg::new(3));
    let first = poll(&mut source, now());
    let known: HashSet<_> = first.findings.iter().map(|f| f.id.to_string()).collect();
    let mut new = 0;
    let mut recurred = 0;
    for s in 1..=30 {
        let at = now() + SignedDuration::from_secs(2 * s);
        for f in poll(&mut source, at).findings {
            assert!(f.last_seen <= at);
            if known.contains(f.id.as_str()) {
                recurred += 1;
                assert!(
                    f.last_seen > now() - SignedDuration::from_secs(1),
                    "a recurrence moves last seen"
                );
            } else {
                new += 1;
            }
        }
    }
    assert!((5..=30).contains(&new), "{new} new findings in 60 s");
    assert!(
        (3..=25).contains(&recurred),
        "{recurred} recurrences in 60 s"
    );
}

#[test]
fn a_recurrence_increments_the_count() {
    let mut source = DemoFindings::new(DemoOrg::new(5));
    let first = poll(&mut source, now());
    let counts: std::collections::HashMap<_, _> = first
        .findings
        .iter()
        .map(|f| (f.id.to_string(), f.count))
        .collect();
    let mut checked = false;
    for s in 1..=60 {
        for f in poll(&mut source, now() + SignedDuration::from_secs(s)).findings {
            if let (Some(before), true) =
                (counts.get(f.id.as_str()), f.product.as_str() == "GuardDuty")
            {
                assert!(f.count > *before);
                checked = true;
            }
        }
    }
    assert!(checked, "no GuardDuty recurrence in a minute");
}

#[test]
fn a_frozen_demo_stays_still() {
    let mut source = DemoFindings::new(DemoOrg::new(1)).frozen();
    poll(&mut source, now());
    assert!(
        poll(&mut source, now() + SignedDuration::from_secs(600))
            .findings
            .is_empty()
    );
}

#[test]
fn trail_events_are_ordered_inside_the_window_and_parse() {
    let mut trail = DemoTrail::new(DemoOrg::new(2));
    let backfill = poll(&mut trail, now());
    assert!(
        backfill.events.len() > 1_000,
        "15 minutes of backfill: {}",
        backfill.events.len()
    );
    let later = now() + SignedDuration::from_secs(5);
    let next = poll(&mut trail, later);
    assert!(!next.events.is_empty());
    for window in [&backfill.events, &next.events] {
        assert!(window.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    }
    assert!(
        next.events
            .iter()
            .all(|e| e.timestamp > now() && e.timestamp <= later)
    );
    let all: Vec<_> = backfill.events.iter().chain(&next.events).collect();
    assert!(
        all.iter().all(|e| e.trail.is_some()),
        "every message is a CloudTrail record"
    );
    let ids: HashSet<_> = all.iter().filter_map(|e| e.event_id.as_deref()).collect();
    assert_eq!(ids.len(), all.len(), "event ids are unique");
    let names: HashSet<_> = all
        .iter()
        .filter_map(|e| e.trail.as_ref().map(|t| t.event_name.to_string()))
        .collect();
    for name in [
        "ConsoleLogin",
        "StopLogging",
        "CreateAccessKey",
        "AuthorizeSecurityGroupIngress",
    ] {
        assert!(names.contains(name), "no {name} in the trail");
    }
    assert!(
        all.iter()
            .any(|e| e.trail.as_ref().is_some_and(|t| t.principal() == "root"))
    );
    assert!(
        all.iter()
            .any(|e| e.trail.as_ref().is_some_and(|t| t.error_code.is_some()))
    );
}

#[test]
fn the_trail_holds_the_activity_behind_iam_findings() {
    let batch = initial(4);
    let mut trail = DemoTrail::new(DemoOrg::new(4));
    let events = poll(&mut trail, now()).events;
    let keys_in_trail: HashSet<_> = events
        .iter()
        .filter_map(|e| {
            e.trail
                .as_ref()?
                .identity
                .access_key_id
                .as_ref()
                .map(|k| k.to_string())
        })
        .collect();
    let finding_keys: Vec<_> = batch
        .findings
        .iter()
        .filter_map(|f| {
            f.activity
                .as_ref()?
                .access_key_id
                .as_ref()
                .map(|k| k.to_string())
        })
        .collect();
    assert!(!finding_keys.is_empty());
    let found = finding_keys
        .iter()
        .filter(|k| keys_in_trail.contains(*k))
        .count();
    assert!(
        found * 2 >= finding_keys.len(),
        "{found} of {} finding keys appear in the trail",
        finding_keys.len()
    );
}

#[test]
fn benchmark_generation_is_unique_and_complete() {
    let findings = generate_findings(7, 20_000, now());
    assert_eq!(findings.len(), 20_000);
    let ids: HashSet<_> = findings.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids.len(), 20_000);
}

#[test]
fn the_organization_keeps_what_the_analyst_did() {
    use crate::actions::Action;
    let org = DemoOrg::new(7);
    let mut source = DemoFindings::new(Arc::clone(&org));
    poll(&mut source, now());
    let hub = source
        .kept
        .iter()
        .find(|k| k.product == Product::SecurityHub)
        .and_then(|k| k.id())
        .expect("a Security Hub finding")
        .to_string();
    org.record(
        &hub,
        &Action::SetWorkflow {
            status: crate::model::Workflow::Resolved,
            note: Some("patched".into()),
            disposition: None,
        },
    );
    // A suppression rule matching every GuardDuty finding from now on.
    let rule = crate::actions::suppress::Rule {
        name: "picket-filter-00000000".into(),
        criteria: serde_json::json!({"Criterion": {"severity": {"GreaterThanOrEqual": 0}}}),
        origin: "filter sev>=info".into(),
        left_out: Vec::new(),
    };
    org.record("any", &Action::Suppress { rule });
    let later = poll(&mut source, now() + SignedDuration::from_mins(2));
    let kept = source
        .kept
        .iter()
        .find(|k| k.id() == Some(hub.as_str()))
        .expect("still kept");
    let finding = kept.map().expect("maps");
    assert_eq!(
        finding.workflow,
        crate::model::Workflow::Resolved,
        "a recurrence carries the workflow the analyst set"
    );
    let new_guardduty: Vec<&Finding> = later
        .findings
        .iter()
        .filter(|f| f.raw.kind() == crate::model::raw::RecordKind::GuardDuty && f.count == 1)
        .collect();
    assert!(!new_guardduty.is_empty(), "GuardDuty findings arrived");
    assert!(
        new_guardduty.iter().all(|f| f.archived),
        "the rule archives them as they arrive"
    );
}

#[test]
fn the_organization_keeps_a_false_positive_resolution_as_each_service_would() {
    use crate::actions::Action;
    let org = DemoOrg::new(7);
    let mut source = DemoFindings::new(Arc::clone(&org));
    poll(&mut source, now());
    let id_of = |product| {
        source
            .kept
            .iter()
            .find(|k| k.product == product)
            .and_then(|k| k.id())
            .map(str::to_string)
            .expect("a finding of the product")
    };
    let (hub, guardduty) = (id_of(Product::SecurityHub), id_of(Product::GuardDuty));
    let action = Action::ResolveFalsePositive {
        note: "scanner".into(),
    };
    org.record(&hub, &action);
    org.record(&guardduty, &action);
    poll(&mut source, now() + SignedDuration::from_mins(2));
    let kept = |id: &str| {
        source
            .kept
            .iter()
            .find(|k| k.id() == Some(id))
            .and_then(|k| k.map())
            .expect("still kept")
    };
    let hub = kept(&hub);
    assert_eq!(hub.workflow, crate::model::Workflow::Resolved);
    assert_eq!(
        hub.verification,
        crate::model::finding::Verification::FalsePositive
    );
    assert_eq!(hub.notes[0].text.as_str(), "false positive: scanner");
    let guardduty = kept(&guardduty);
    assert!(guardduty.archived);
    assert!(
        guardduty
            .facts
            .iter()
            .any(|(k, v)| k.as_str() == "feedback" && v.as_str() == "NOT_USEFUL")
    );
}
