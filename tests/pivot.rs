//! `L` on a finding: the logs screen on the CloudTrail activity that names what the finding
//! names, in the finding's account and region, around the time it was seen — from the demo
//! organization, through the same effect the runtime sends to AWS.

mod common;

use picket::app::keys::parse_sequence;
use picket::app::{Options, Tab};
use picket::render::Harness;

#[test]
fn a_credential_finding_pivots_to_the_calls_made_with_its_key() {
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("2 / type:*IAMUser* Enter"));
    let ix = demo
        .app
        .findings
        .table
        .selected_entry()
        .expect("a credential finding");
    let finding = demo.app.store.finding(ix).expect("finding");
    let key = finding
        .activity
        .as_ref()
        .and_then(|a| a.access_key_id.as_deref())
        .expect("the finding names an access key")
        .to_string();
    demo.keys(&parse_sequence("L"));
    assert_eq!(demo.app.tab, Tab::Logs);
    let pivot = demo.app.logs.pivot().expect("the pivot is open");
    assert!(!pivot.searching, "the demo answered");
    assert_eq!(pivot.error, None);
    let request = &pivot.request;
    assert!(request.terms.contains(&key));
    assert_eq!(
        request.start,
        finding.first_seen - picket::logs::pivot::MARGIN
    );
    assert_eq!(request.end, finding.last_seen + picket::logs::pivot::MARGIN);
    let events = pivot.view.events();
    assert!(
        !events.is_empty(),
        "the activity behind the finding is there"
    );
    let mut with_key = 0;
    for event in events {
        let text = event.message.as_delivered();
        assert!(
            request.terms.iter().any(|t| text.contains(t.as_str())),
            "every record names what the finding names: {text}"
        );
        assert!(event.timestamp >= request.start && event.timestamp <= request.end);
        let trail = event.trail.as_ref().expect("CloudTrail");
        assert_eq!(
            trail.recipient_account_id.as_deref(),
            Some(finding.account_id.as_str())
        );
        assert_eq!(trail.aws_region.as_deref(), Some(finding.region.as_str()));
        with_key += usize::from(trail.identity.access_key_id.as_deref() == Some(key.as_str()));
    }
    assert!(with_key > 0, "calls made with the key itself");
    // Esc goes back to where the pivot was opened: the queue, on the same finding.
    demo.keys(&parse_sequence("Esc"));
    assert!(demo.app.logs.pivot().is_none());
    assert_eq!(demo.app.tab, Tab::Findings);
    assert_eq!(demo.app.findings.table.selected_entry(), Some(ix));
}

#[test]
fn esc_in_a_pivot_goes_back_one_level_pattern_then_pivot_then_the_finding() {
    use picket::app::Screen;
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("2 / type:*IAMUser* Enter Enter"));
    let Some(Screen::Detail(detail)) = demo.app.stack.last() else {
        panic!("the finding's detail is open");
    };
    let entry = detail.entry;
    demo.keys(&parse_sequence("L"));
    assert!(demo.app.logs.pivot().is_some());
    demo.keys(&parse_sequence("/ ListBuckets Enter"));
    assert!(demo.app.logs.shown().filter().is_some());
    // The pattern first: the pivot stays.
    demo.keys(&parse_sequence("Esc"));
    assert!(
        demo.app.logs.pivot().is_some(),
        "one Esc drops only the pattern"
    );
    assert!(demo.app.logs.shown().filter().is_none());
    assert_eq!(demo.app.tab, Tab::Logs);
    // Then the pivot: back on the finding's detail, not the live stream.
    demo.keys(&parse_sequence("Esc"));
    assert!(demo.app.logs.pivot().is_none());
    assert_eq!(demo.app.tab, Tab::Findings);
    assert!(
        matches!(demo.app.stack.last(), Some(Screen::Detail(d)) if d.entry == entry),
        "back on the finding the pivot came from"
    );
    // Then the detail; the filter stays (x clears it).
    demo.keys(&parse_sequence("Esc Esc"));
    assert!(demo.app.stack.is_empty());
    assert_eq!(demo.app.findings.table.filter_text, "type:*IAMUser*");
}

#[test]
fn a_finding_that_names_nothing_to_look_for_says_so() {
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("2 / control:S3.8 Enter L"));
    assert!(demo.app.logs.pivot().is_none());
    let notice = demo
        .app
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("no activity to look for"), "{notice}");
}

#[test]
fn the_group_picker_lists_by_prefix_and_chooses_up_to_ten() {
    use picket::app::{Effect, Modal, Msg, update};
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("3 o /aws"));
    let Some(Modal::Groups(picker)) = &demo.app.modal else {
        panic!("the picker is open");
    };
    assert_eq!(picker.prefix.text(), "/aws");
    assert_eq!(picker.found.len(), 3, "{:?}", picker.found);
    assert!(picker.found.iter().all(|g| g.starts_with("/aws")));
    // Space picks, Enter tails what was picked.
    let mut effects = Vec::new();
    for key in parse_sequence("Space Down Space Enter") {
        effects.extend(update(&mut demo.app, Msg::Key(key)));
    }
    let chosen = effects
        .iter()
        .find_map(|e| match e {
            Effect::SetGroups { groups, .. } => Some(groups.clone()),
            _ => None,
        })
        .expect("the groups are set");
    assert_eq!(
        chosen,
        ["/aws/eks/prod-payments/cluster", "/aws/lambda/payments-api"]
    );
    assert_eq!(demo.app.logs.groups, chosen);
    assert!(demo.app.modal.is_none());
}

#[test]
fn a_record_opened_under_a_filter_opens_on_the_match() {
    use picket::app::Screen;
    let mut demo = Harness::new(Options::default(), 7, common::now(), (140, 40));
    demo.keys(&parse_sequence("3 / ConsoleLogin Enter k Enter"));
    let Some(Screen::Record(record)) = demo.app.stack.last() else {
        panic!("a record is open");
    };
    let search = record
        .json
        .search
        .as_ref()
        .expect("the filter's term is searched");
    assert_eq!(search.needle, "ConsoleLogin");
    assert!(!search.matches.is_empty());
}
