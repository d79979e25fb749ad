use jiff::Timestamp;

use super::*;
use crate::model::fixtures::{directory, guardduty};
use crate::model::raw::RecordKind;
use crate::query::Query;

fn now() -> Timestamp {
    "2026-01-15T12:00:00Z".parse().expect("valid time")
}

fn store() -> FindingStore {
    let mut s = FindingStore::default();
    for f in [
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
            2.0,
            "2026-01-15T11:30:00Z",
        ),
        guardduty(
            "d",
            "222222222222",
            "AttackSequence:S3/CompromisedData",
            9.5,
            "2026-01-10T00:00:00Z",
        ),
    ] {
        s.upsert(f, now(), true);
    }
    s
}

fn ids(store: &FindingStore, filter: &str, key: SortKey, reverse: bool) -> Vec<String> {
    let query = Query::parse(filter).expect("valid query");
    let compiled = CompiledFilter::compile(&query, store, &directory(), now());
    let mut rows: Vec<EntryIx> = (0..store.len() as EntryIx)
        .filter(|&ix| compiled.matches(store, ix))
        .collect();
    sort_rows(&mut rows, store, &directory(), key, reverse);
    rows.iter().map(|&ix| store.id(ix).to_string()).collect()
}

#[test]
fn upsert_updates_in_place_and_keeps_unseen_state() {
    let mut s = store();
    let v = s.version();
    assert_eq!(
        s.upsert(
            guardduty(
                "a",
                "111111111111",
                "Recon:EC2/PortProbeUnprotectedPort",
                2.0,
                "2026-01-15T11:00:00Z"
            ),
            now(),
            false
        ),
        Upsert::Unchanged(0)
    );
    assert_eq!(s.version(), v);
    let recurred = guardduty(
        "a",
        "111111111111",
        "Recon:EC2/PortProbeUnprotectedPort",
        2.0,
        "2026-01-15T11:58:00Z",
    );
    assert_eq!(s.upsert(recurred, now(), false), Upsert::Updated(0));
    assert!(
        !s.is_unseen(0),
        "a recurrence of a baseline finding is not news"
    );
    let fresh = guardduty(
        "e",
        "111111111111",
        "Trojan:EC2/DNSDataExfiltration",
        8.0,
        "2026-01-15T11:59:30Z",
    );
    assert_eq!(s.upsert(fresh, now(), false), Upsert::Inserted(4));
    assert!(s.is_unseen(4));
    s.mark_seen(4);
    assert!(!s.is_unseen(4));
    assert_eq!(s.len(), 5);
}

#[test]
fn filters_resolve_names_types_and_words() {
    let s = store();
    assert_eq!(
        ids(&s, "account:prod-*", SortKey::Severity, false),
        ["c", "a"]
    );
    assert_eq!(ids(&s, "ou:Sandbox", SortKey::Severity, false), ["d", "b"]);
    assert_eq!(
        ids(
            &s,
            "account:222222222222 sev>=high",
            SortKey::Severity,
            false
        ),
        ["d", "b"]
    );
    assert_eq!(
        ids(
            &s,
            "sev>=high -type:AttackSequence*",
            SortKey::Severity,
            false
        ),
        ["b"]
    );
    assert_eq!(ids(&s, "is:prod", SortKey::Severity, false), ["c", "a"]);
    assert_eq!(ids(&s, "rootcredential", SortKey::Severity, false), ["c"]);
    assert_eq!(ids(&s, "resource:i-b", SortKey::Severity, false), ["b"]);
    assert_eq!(
        ids(&s, "age<=1h", SortKey::LastSeen, false),
        ["b", "c", "a"]
    );
    assert_eq!(ids(&s, "age>1d", SortKey::LastSeen, false), ["d"]);
    assert_eq!(
        ids(
            &s,
            "status:new source:gd region:us-*",
            SortKey::Severity,
            false
        )
        .len(),
        4
    );
    assert!(ids(&s, "status:archived", SortKey::Severity, false).is_empty());
}

#[test]
fn sort_orders() {
    let s = store();
    assert_eq!(ids(&s, "", SortKey::Severity, false), ["d", "b", "c", "a"]);
    assert_eq!(ids(&s, "", SortKey::Severity, true), ["a", "c", "b", "d"]);
    assert_eq!(ids(&s, "", SortKey::LastSeen, false), ["b", "c", "a", "d"]);
    assert_eq!(ids(&s, "", SortKey::Account, false), ["c", "a", "d", "b"]);
    assert_eq!(ids(&s, "", SortKey::Type, false), ["d", "b", "c", "a"]);
}

#[test]
fn search_text_is_reused_when_unchanged_and_replaced_when_changed() {
    let mut s = store();
    let before = s.texts.len();
    let recurred = guardduty(
        "a",
        "111111111111",
        "Recon:EC2/PortProbeUnprotectedPort",
        2.0,
        "2026-01-15T11:58:00Z",
    );
    assert_eq!(s.upsert(recurred, now(), false), Upsert::Updated(0));
    assert_eq!(
        s.texts.len(),
        before,
        "a recurrence leaves the search text where it is"
    );
    let mut retitled = guardduty(
        "a",
        "111111111111",
        "Recon:EC2/PortProbeUnprotectedPort",
        2.0,
        "2026-01-15T11:59:00Z",
    );
    retitled.title = crate::model::SafeText::line("Now About Something Else");
    s.upsert(retitled, now(), false);
    assert_eq!(s.title(0), "Now About Something Else");
    assert!(s.text_garbage > 0);
    s.compact();
    assert_eq!((s.text_garbage, s.kind_garbage), (0, 0));
    assert_eq!(s.title(0), "Now About Something Else");
    assert!(s.title(1).contains("Backdoor"));
    // Resources survive the compaction with their kinds.
    for ix in 0..s.len() as EntryIx {
        let resources: Vec<_> = s.resources(ix).collect();
        assert_eq!(resources.len(), 1);
        assert_eq!(s.resource_kinds.name(resources[0].kind), "Instance");
        assert_eq!(resources[0].id, format!("i-{}", s.id(ix)));
    }
}

/// The same GuardDuty finding as Security Hub carries it (ASFF, GuardDuty product).
fn through_security_hub(id: &str, workflow: &str) -> crate::model::Finding {
    let record = serde_json::json!({
        "SchemaVersion": "2018-10-08", "AwsAccountId": "111111111111",
        "Id": format!("arn:aws:guardduty:us-east-1:111111111111:detector/d/finding/{id}"),
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty", "ProductName": "GuardDuty",
        "Types": ["TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort"], "Title": "probe",
        "CreatedAt": "2026-01-01T00:00:00Z", "UpdatedAt": "2026-01-15T11:00:00Z",
        "Severity": {"Label": "LOW", "Normalized": 20}, "Workflow": {"Status": workflow}
    });
    crate::model::asff::map_finding(&record).expect("maps")
}

#[test]
fn a_guardduty_finding_from_both_sources_is_one_finding() {
    // GuardDuty first, then Security Hub's copy: content stays GuardDuty's, triage comes from Hub.
    let mut s = store();
    assert_eq!(
        s.upsert(through_security_hub("a", "NOTIFIED"), now(), false),
        Upsert::Updated(0)
    );
    assert_eq!(s.len(), 4);
    let merged = s.finding(0).expect("rebuilt");
    assert_eq!(merged.sources.tag(), "GD+SH");
    assert_eq!(merged.workflow, crate::model::Workflow::Notified);
    assert_eq!(
        merged.raw.kind(),
        RecordKind::GuardDuty,
        "GuardDuty's own record is kept"
    );
    assert_eq!(
        s.upsert(through_security_hub("a", "NOTIFIED"), now(), false),
        Upsert::Unchanged(0)
    );

    // Security Hub first, then GuardDuty: the native record replaces the copy, triage stays.
    let mut s = FindingStore::default();
    s.upsert(through_security_hub("x", "RESOLVED"), now(), true);
    s.upsert(
        guardduty(
            "x",
            "111111111111",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-15T11:30:00Z",
        ),
        now(),
        false,
    );
    assert_eq!(s.len(), 1);
    let merged = s.finding(0).expect("rebuilt");
    assert_eq!(
        (merged.sources.tag().as_str(), merged.workflow),
        ("GD+SH", crate::model::Workflow::Resolved)
    );
    assert_eq!(merged.raw.kind(), RecordKind::GuardDuty);
}

/// An ASFF record as any product could import it, claiming GuardDuty's finding `id`.
fn impostor(id: &str, product_arn: &str, account: &str, region: &str) -> crate::model::Finding {
    let record = serde_json::json!({
        "SchemaVersion": "2018-10-08", "AwsAccountId": account, "Region": region,
        "Id": format!("arn:aws:guardduty:us-east-1:111111111111:detector/d/finding/{id}"),
        "ProductArn": product_arn, "ProductName": "GuardDuty",
        "Types": ["TTPs/Discovery/Recon:EC2-PortProbeUnprotectedPort"], "Title": "all is well",
        "CreatedAt": "2026-01-01T00:00:00Z", "UpdatedAt": "2026-01-15T11:59:00Z",
        "Severity": {"Label": "INFORMATIONAL", "Normalized": 0}, "Workflow": {"Status": "RESOLVED"},
        "RecordState": "ARCHIVED"
    });
    crate::model::asff::map_finding(&record).expect("maps")
}

#[test]
fn a_record_borrowing_a_guardduty_id_neither_replaces_nor_merges() {
    let custom = "arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default";
    let guardduty_product = "arn:aws:securityhub:us-east-1::product/aws/guardduty";
    for (product, account, region, why) in [
        (custom, "111111111111", "us-east-1", "another product"),
        (
            guardduty_product,
            "222222222222",
            "us-east-1",
            "another account",
        ),
        (
            guardduty_product,
            "111111111111",
            "eu-west-1",
            "another region",
        ),
    ] {
        let mut s = store();
        let before = s.finding(0).expect("stored");
        let summary = *s.summary(0).expect("stored");
        assert!(
            matches!(
                s.upsert(impostor("a", product, account, region), now(), false),
                Upsert::Inserted(_)
            ),
            "{why}: a finding of its own"
        );
        assert_eq!(s.len(), 5, "{why}");
        assert_eq!(
            s.summary(0),
            Some(&summary),
            "{why}: the real finding is untouched"
        );
        assert_eq!(s.finding(0).map(|f| f.title), Some(before.title), "{why}");
    }
}

#[test]
fn two_products_may_use_the_same_id() {
    let mut s = FindingStore::default();
    let a = impostor(
        "x",
        "arn:aws:securityhub:us-east-1:1:product/1/default",
        "1",
        "us-east-1",
    );
    let b = impostor(
        "x",
        "arn:aws:securityhub:us-east-1:2:product/2/default",
        "1",
        "us-east-1",
    );
    assert_eq!(a.id, b.id);
    s.upsert(a, now(), true);
    s.upsert(b, now(), true);
    assert_eq!(s.len(), 2);
}

#[test]
fn the_source_that_read_a_finding_is_kept_across_updates_and_finds_what_it_did_not_read_again() {
    use crate::model::Workflow;
    let mut s = FindingStore::default();
    let reader = "securityhub us-east-1 111111111111";
    let Upsert::Inserted(x) = s.upsert(through_security_hub("x", "NEW"), now(), true) else {
        panic!("inserted");
    };
    s.read_by(x, reader, now());
    assert_eq!(
        s.native_id(x).as_deref(),
        Some("arn:aws:guardduty:us-east-1:111111111111:detector/d/finding/x"),
        "Security Hub knows GuardDuty's finding by its ARN"
    );
    // GuardDuty's own record replaces the copy: still the finding that source read.
    s.upsert(
        guardduty(
            "x",
            "111111111111",
            "Recon:EC2/PortProbeUnprotectedPort",
            2.0,
            "2026-01-15T11:30:00Z",
        ),
        now(),
        false,
    );
    assert_eq!(s.reader(x), Some(reader));
    let active = [Workflow::New, Workflow::Notified];
    let later = now() + jiff::SignedDuration::from_hours(1);
    assert_eq!(s.unconfirmed(reader, later, &active), [x]);
    assert!(
        s.unconfirmed(reader, now(), &active).is_empty(),
        "read when the read began"
    );
    assert!(
        s.unconfirmed(reader, later, &[Workflow::Resolved])
            .is_empty()
    );
    assert!(
        s.unconfirmed("securityhub eu-west-1", later, &active)
            .is_empty()
    );
    s.apply(x, Change::Archived(true));
    assert!(
        s.unconfirmed(reader, later, &active).is_empty(),
        "archived: out of the set"
    );
}

#[test]
fn tactics_come_from_the_types_and_filter_the_queue() {
    let s = store();
    let by = |filter| ids(&s, filter, SortKey::Severity, false);
    assert_eq!(by("tactic:reconnaissance"), ["a"]);
    assert_eq!(by("tactic:c2,recon"), ["b", "a"]);
    assert_eq!(by("-tactic:TA0043"), ["d", "b", "c"]);
    // Policy findings and a sequence without indicators name no tactic.
    assert!(by("tactic:impact").is_empty());
}

#[test]
fn sla_clocks_run_from_first_seen_by_severity_and_sort_the_most_overdue_first() {
    let s = store();
    // First seen 2026-01-01 (the fixture), now 2026-01-15 12:00: the critical (d, 4h), the
    // high (b, a day) and the lows (a and c, 30 days) — the lows are not due yet.
    let breached = ids(&s, "sla:breached", SortKey::Sla, false);
    assert_eq!(breached, ["d", "b"]);
    // a and c are due together: the more recently seen first.
    assert_eq!(ids(&s, "", SortKey::Sla, false), ["d", "b", "c", "a"]);
    // Time left: the lows have about 16.5 days.
    assert_eq!(
        ids(&s, "sla>1w sla<3w", SortKey::Severity, false),
        ["c", "a"]
    );
    // Less than an hour left includes the breached.
    assert_eq!(ids(&s, "sla<1h", SortKey::Sla, false), ["d", "b"]);
    let mut closed = store();
    let d = closed
        .find_finding(&guardduty(
            "d",
            "222222222222",
            "AttackSequence:S3/CompromisedData",
            9.5,
            "2026-01-10T00:00:00Z",
        ))
        .expect("d");
    closed.apply(d, Change::Workflow(crate::model::Workflow::Resolved));
    assert_eq!(
        ids(&closed, "sla:breached", SortKey::Sla, false),
        ["b"],
        "resolved: clock stopped"
    );
}

#[test]
fn a_look_packs_into_one_integer_and_back() {
    use crate::model::Workflow;
    for label in SeverityLabel::ALL {
        for workflow in [
            Workflow::New,
            Workflow::Notified,
            Workflow::Resolved,
            Workflow::Suppressed,
        ] {
            for archived in [false, true] {
                for count in [0, 1, u32::MAX] {
                    let look = Look {
                        label,
                        workflow,
                        archived,
                        count,
                    };
                    assert_eq!(Look::unpack(look.pack()), Some(look));
                }
            }
        }
    }
    // What a damaged or foreign file may hold reads as no look.
    for bad in [-1, 1 << 6, 7, i64::MAX] {
        assert_eq!(Look::unpack(bad), None, "{bad}");
    }
}

#[test]
fn an_ocsf_finding_is_asked_for_by_its_finding_uid_not_its_queue_id() {
    let record = serde_json::json!({
        "severity_id": 4, "status_id": 1, "time": 1768435200000_i64,
        "cloud": {"account": {"uid": "111111111111"}, "region": "us-east-1"},
        "metadata": {"uid": "meta-7", "product": {"name": "Inspector", "uid": "arn:aws:securityhub:us-east-1::product/aws/inspector"}},
        "finding_info": {"uid": "inspector-finding-7", "title": "t"}
    });
    let finding = crate::model::ocsf::map_finding(&record).expect("maps");
    assert_eq!(
        finding.id.as_str(),
        "meta-7",
        "the queue keys it by metadata.uid"
    );
    let mut s = FindingStore::default();
    let Upsert::Inserted(ix) = s.upsert(finding, now(), true) else {
        panic!("inserted");
    };
    assert_eq!(s.native_id(ix).as_deref(), Some("inspector-finding-7"));
}
