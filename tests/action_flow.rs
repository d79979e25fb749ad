//! The action flow on the demo organization, as an analyst drives it: nothing leaves `update`
//! for AWS unless the confirmation was answered as the blast radius demands. Checked on chosen
//! sequences and, as a property, on thousands of random key sequences.

mod common;

use picket::app::act::Stage;
use picket::app::keys::{Key, KeyCode, parse_sequence};
use picket::app::{App, Effect, Modal, Msg, Options, update};
use picket::render::Harness;

fn demo() -> App {
    Harness::new(Options::default(), 7, common::now(), (120, 40)).app
}

fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    parse_sequence(keys)
        .into_iter()
        .flat_map(|k| update(app, Msg::Key(k)))
        .collect()
}

/// What the effects put on the clipboard (the only copy, when there is one).
fn copied(effects: &[Effect]) -> Option<String> {
    let mut copies = effects.iter().filter_map(|e| match e {
        Effect::Copy(text) => Some(text.clone()),
        _ => None,
    });
    let first = copies.next();
    assert!(copies.next().is_none(), "one copy at most");
    first
}

fn executes(effects: &[Effect]) -> usize {
    effects
        .iter()
        .filter(|e| matches!(e, Effect::Execute(_)))
        .count()
}

/// Selects the first finding of a non-production account.
fn select_non_production(app: &mut App) {
    press(app, "2");
    for _ in 0..app.findings.table.rows.len() {
        let ix = app.findings.table.selected_entry().expect("a row");
        let account = app
            .store
            .finding(ix)
            .expect("finding")
            .account_id
            .to_string();
        if !app.directory.get(&account).is_some_and(|a| a.production) {
            return;
        }
        press(app, "j");
    }
    panic!("the demo has non-production findings");
}

#[test]
fn a_small_change_outside_production_is_sent_after_y() {
    let mut app = demo();
    select_non_production(&mut app);
    assert_eq!(
        executes(&press(&mut app, "a o")),
        0,
        "the confirmation is open"
    );
    assert!(matches!(
        &app.modal,
        Some(Modal::Action(flow)) if matches!(flow.stage, Stage::Confirm { .. })
    ));
    assert_eq!(executes(&press(&mut app, "n Enter")), 0, "only y confirms");
    let effects = press(&mut app, "y");
    assert_eq!(executes(&effects), 1);
    assert!(app.modal.is_none());
}

#[test]
fn escape_cancels_at_every_step() {
    for keys in [
        "a Escape",
        "a r Escape",
        "a r why Enter Escape",
        "a o Escape y",
    ] {
        let mut app = demo();
        select_non_production(&mut app);
        assert_eq!(executes(&press(&mut app, keys)), 0, "{keys}");
        assert!(app.modal.is_none(), "{keys}");
    }
}

#[test]
fn production_needs_the_count_and_a_reason() {
    let mut app = demo();
    // The demo's first findings are in production accounts: mark three.
    press(&mut app, "2 Space Space Space");
    assert_eq!(
        executes(&press(&mut app, "a r patched Enter y")),
        0,
        "y is not enough"
    );
    assert_eq!(
        executes(&press(&mut app, "BSpace 4 Enter reason Enter")),
        0,
        "a wrong count"
    );
    assert!(matches!(
        &app.modal,
        Some(Modal::Action(flow)) if matches!(&flow.stage, Stage::Confirm { error: Some(_), .. })
    ));
    // Back to the token, the right count, then Enter on the reason.
    let effects = press(&mut app, "Tab BSpace 3 Tab Enter");
    assert_eq!(executes(&effects), 1);
}

/// The property: whatever keys are pressed, an Execute comes out only as the answer to a
/// confirmation that `acknowledge` accepts — `y` on a plan that needs no token, or Enter on the
/// reason with the right token and a reason.
#[test]
fn random_keys_never_send_without_acknowledgement() {
    let alphabet: Vec<Key> = [
        "a", "y", "n", "o", "r", "s", "c", "t", "A", "U", "3", "4", "x", "j", "k", "G", "Space",
        "Enter", "Escape", "Tab", "BSpace", "V", "*", "M", "2", "?", "q", "u", "v", "h", "S", "F",
        "1", "+", "Down", "PgDn",
    ]
    .iter()
    .flat_map(|k| parse_sequence(k))
    .collect();
    let mut rng = fastrand::Rng::with_seed(20261128);
    // A playbook every finding matches, so the walk reaches it too.
    let playbook: picket::actions::playbook::Playbook = toml::from_str(
        r#"name = "Tag"
when = "sev>=info"
kind = "eventbridge"
action_name = "Tag""#,
    )
    .expect("playbook");
    let options = Options {
        playbooks: vec![playbook],
        ..Options::default()
    };
    let mut app = Harness::new(options, 7, common::now(), (120, 40)).app;
    press(&mut app, "2");

    let mut sent = 0;
    for _ in 0..30_000 {
        let key = alphabet[rng.usize(..alphabet.len())];
        let valid = match &app.modal {
            Some(Modal::Action(flow)) => match &flow.stage {
                Stage::Confirm {
                    plan,
                    token,
                    reason,
                    on_reason,
                    ..
                } => {
                    if plan.needs_token() {
                        let tokens = picket::actions::expected_tokens(plan, |id| {
                            app.directory.name_of(id).to_string()
                        });
                        key.code == KeyCode::Enter
                            && *on_reason
                            && tokens.iter().any(|t| t == token.text().trim())
                            && !reason.text().trim().is_empty()
                    } else {
                        key.typed_char() == Some('y')
                    }
                }
                _ => false,
            },
            _ => false,
        };
        let n = executes(&update(&mut app, Msg::Key(key)));
        assert!(
            n == 0 || valid,
            "an action left update without acknowledgement"
        );
        sent += n;
        if app.tab != picket::app::Tab::Findings {
            press(&mut app, "2");
        }
    }
    assert!(
        sent > 0,
        "the random walk reached a confirmation and answered it"
    );
}

#[test]
fn read_only_has_no_action_key_and_help_lists_none() {
    let mut options = Options::default();
    options.keymap.remove_commands(&[picket::app::Command::Act]);
    let mut app = Harness::new(options, 7, common::now(), (120, 40)).app;
    assert_eq!(executes(&press(&mut app, "2 Space a o y")), 0);
    assert!(app.modal.is_none());
    let help = picket::ui::help::keymap_text(&app.look.keymap);
    assert!(!help.contains("act on the marked findings"), "{help}");
}

#[test]
fn undo_puts_the_workflow_back_after_its_own_confirmation() {
    let mut harness = Harness::new(Options::default(), 7, common::now(), (120, 40));
    harness.keys(&parse_sequence("2 / status:new Space -is:prod Enter"));
    let first = harness.app.findings.table.rows[..2].to_vec();
    harness.keys(&parse_sequence("Space Space a o y"));
    let workflow = |h: &Harness, ix| h.app.store.summary(ix).map(|s| s.workflow);
    for &ix in &first {
        assert_eq!(
            workflow(&harness, ix),
            Some(picket::model::Workflow::Notified)
        );
    }
    harness.keys(&parse_sequence("u"));
    assert!(
        matches!(&harness.app.modal, Some(Modal::Action(flow)) if matches!(flow.stage, Stage::Confirm { .. })),
        "undo is confirmed like any action"
    );
    harness.keys(&parse_sequence("y"));
    for &ix in &first {
        assert_eq!(workflow(&harness, ix), Some(picket::model::Workflow::New));
    }
}

#[test]
fn severity_is_chosen_by_label_then_confirmed() {
    let mut app = demo();
    select_non_production(&mut app);
    press(&mut app, "a v");
    assert!(matches!(
        &app.modal,
        Some(Modal::Action(flow)) if flow.stage == Stage::Severity
    ));
    let effects = press(&mut app, "h y");
    let approved = effects
        .iter()
        .find_map(|e| match e {
            Effect::Execute(approved) => Some(approved),
            _ => None,
        })
        .expect("sent after y");
    assert_eq!(
        approved.plan.calls[0].params["Severity"],
        serde_json::json!({"Label": "HIGH"})
    );
}

#[test]
fn a_suppression_rule_from_a_finding_needs_the_typed_token() {
    let mut app = demo();
    press(&mut app, "2 / source:guardduty Space type:Recon* Enter");
    select_non_production(&mut app);
    press(&mut app, "a S");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("the flow is open: {:?}", app.notice);
    };
    let Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("at the confirmation: {:?} {:?}", flow.stage, app.notice);
    };
    assert_eq!(plan.calls[0].api, "guardduty:CreateFilter");
    let criterion = &plan.calls[0].params["FindingCriteria"]["Criterion"];
    assert!(
        criterion["type"]["Equals"][0]
            .as_str()
            .is_some_and(|t| t.starts_with("Recon:"))
    );
    assert_eq!(executes(&press(&mut app, "y")), 0, "y is not enough");
    assert_eq!(
        executes(&press(&mut app, "BSpace 1 Enter noisy Space scanner Enter")),
        1
    );
}

#[test]
fn a_playbook_is_offered_only_where_it_matches_and_always_needs_the_token() {
    let playbook: picket::actions::playbook::Playbook = toml::from_str(
        r#"name = "Isolate EC2 instance"
when = "resource:Instance,AwsEc2Instance"
kind = "ssm-automation"
document = "AWSSupport-ContainEC2Instance"
parameters = { InstanceId = "{resource.name}" }"#,
    )
    .expect("playbook");
    let options = Options {
        playbooks: vec![playbook],
        ..Options::default()
    };
    let mut app = Harness::new(options.clone(), 7, common::now(), (120, 40)).app;
    press(&mut app, "2 / resource:Instance Enter");
    assert!(!app.findings.table.rows.is_empty());
    press(&mut app, "a");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("menu open");
    };
    assert_eq!(
        flow.playbooks,
        [0],
        "an instance finding is offered the playbook"
    );
    press(&mut app, "1");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("still open");
    };
    let Stage::Confirm { plan, .. } = &flow.stage else {
        panic!("at the confirmation: {:?} {:?}", flow.stage, app.notice);
    };
    assert_eq!(plan.calls[0].api, "ssm:StartAutomationExecution");
    assert!(
        plan.calls[0].params["Parameters"]["InstanceId"][0]
            .as_str()
            .is_some_and(|id| id.starts_with("i-"))
    );
    assert_eq!(
        executes(&press(&mut app, "y")),
        0,
        "y is never enough for a playbook"
    );
    let mut app = Harness::new(options, 7, common::now(), (120, 40)).app;
    press(&mut app, "2 / resource:S3Bucket,AwsS3Bucket Enter");
    assert!(
        !app.findings.table.rows.is_empty(),
        "the demo has bucket findings"
    );
    press(&mut app, "a");
    let Some(Modal::Action(flow)) = &app.modal else {
        panic!("menu open");
    };
    assert!(
        flow.playbooks.is_empty(),
        "a bucket finding is not offered it"
    );
}

/// The keystrokes to triage the demo's twenty newest findings outside production (notified,
/// each confirmed): before `.` and the cursor moving on, `a o y` and `j` for each (79 keys);
/// now `a o y` once, then `. y` for each of the others.
#[test]
fn triaging_the_twenty_newest_takes_two_keys_each_after_the_first() {
    let mut app = demo();
    press(
        &mut app,
        "2 / -is:prod Enter : sort Space last-seen Enter g",
    );
    let newest: Vec<_> = app.findings.table.rows.iter().take(20).copied().collect();
    assert_eq!(newest.len(), 20);
    assert_eq!(app.findings.table.selected_entry(), newest.first().copied());
    let mut keys = 0;
    let mut acted = Vec::new();
    let mut run = |app: &mut App, sequence: &str| {
        keys += parse_sequence(sequence).len();
        for effect in press(app, sequence) {
            if let Effect::Execute(approved) = effect {
                acted.extend(approved.entries.iter().copied());
            }
        }
    };
    run(&mut app, "a o y");
    for _ in 1..20 {
        run(&mut app, ". y");
    }
    assert_eq!(acted, newest, "each of the twenty, once, newest first");
    let before = 20 * 4 - 1;
    assert_eq!((before, keys), (79, 41), "keystrokes before and after");
}

#[test]
fn the_plan_is_shown_and_copied_as_aws_cli_commands_without_sending_anything() {
    let mut app = demo();
    select_non_production(&mut app);
    press(&mut app, "a o");
    let effects = press(&mut app, "Ctrl-T");
    assert_eq!(executes(&effects), 0);
    assert!(matches!(
        &app.modal,
        Some(Modal::Action(flow)) if matches!(flow.stage, Stage::Confirm { as_cli: true, .. })
    ));
    let effects = press(&mut app, "Ctrl-Y");
    assert_eq!(executes(&effects), 0);
    let text = &copied(&effects).expect("copied");
    assert!(
        text.contains("aws securityhub batch-update-findings --region ")
            && text.contains("--cli-input-json '{")
            && text.contains("\"Status\":\"NOTIFIED\""),
        "{text}"
    );
    // The confirmation is still open, and y still sends the plan.
    assert_eq!(executes(&press(&mut app, "y")), 1);
}

#[test]
fn shift_o_copies_the_console_link_of_the_finding_and_of_a_trail_event() {
    let mut app = demo();
    press(&mut app, "2");
    let effects = press(&mut app, "O");
    let link = copied(&effects).expect("a link was copied");
    assert!(
        link.starts_with("https://") && link.contains(".console.aws.amazon.com/"),
        "{link}"
    );
    // The same from the detail view.
    let again = press(&mut app, "Enter O");
    assert!(again.contains(&Effect::Copy(link)));
    // A CloudTrail record on the logs screen: its event in the event history.
    let effects = press(&mut app, "Escape 3 O");
    let trail = copied(&effects);
    assert!(
        trail
            .as_deref()
            .is_some_and(|t| t.contains("/cloudtrailv2/home?region=")),
        "{trail:?}"
    );
}

#[test]
fn colon_cli_shows_and_copies_the_read_behind_the_view() {
    let mut app = demo();
    press(&mut app, "2 / sev>=critical Space title:*bucket* Enter");
    let effects = press(&mut app, ": cli Enter");
    let copied = copied(&effects).expect("copied");
    assert!(
        copied.contains("aws securityhub get-findings --region "),
        "{copied}"
    );
    let line = copied
        .lines()
        .find(|l| l.starts_with("aws securityhub get-findings"))
        .expect("a get-findings line");
    let json = line
        .rsplit_once(" --filters '")
        .and_then(|(_, rest)| rest.strip_suffix('\''))
        .expect("the filters");
    let filters: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(
        filters["SeverityLabel"],
        serde_json::json!([{"Value": "CRITICAL", "Comparison": "EQUALS"}])
    );
    assert_eq!(
        filters["RecordState"],
        serde_json::json!([{"Value": "ACTIVE", "Comparison": "EQUALS"}])
    );
    assert!(copied.contains("# left to picket, applied after reading: `title:*bucket*`"));
    // Security Hub v2: the same terms as OCSF composite filters, newest first.
    let v2 = copied
        .lines()
        .find(|l| l.starts_with("aws securityhub get-findings-v2 --region "))
        .expect("a get-findings-v2 line");
    let (filters, sort) = v2
        .split_once(" --filters '")
        .and_then(|(_, rest)| rest.split_once("' --sort-criteria '"))
        .expect("filters and sort");
    let filters: serde_json::Value = serde_json::from_str(filters).expect("JSON");
    assert_eq!(
        filters,
        serde_json::json!({"CompositeOperator": "AND", "CompositeFilters": [{
            "Operator": "OR",
            "StringFilters": [{"FieldName": "severity", "Filter": {"Value": "Critical", "Comparison": "EQUALS"}}]
        }]})
    );
    assert_eq!(
        sort.strip_suffix('\'')
            .map(serde_json::from_str::<serde_json::Value>)
            .and_then(Result::ok),
        Some(serde_json::json!([{"Field": "finding_info.modified_time_dt", "SortOrder": "desc"}]))
    );
    // GuardDuty: the region's detector, unarchived findings, the severity as its range.
    let gd = copied
        .lines()
        .find(|l| l.starts_with("aws guardduty list-findings --region "))
        .expect("a list-findings line");
    assert!(
        gd.contains("--detector-id \"$(aws guardduty list-detectors --region "),
        "{gd}"
    );
    let criteria: serde_json::Value = serde_json::from_str(
        gd.rsplit_once(" --finding-criteria '")
            .and_then(|(_, rest)| rest.strip_suffix('\''))
            .expect("criteria"),
    )
    .expect("JSON");
    assert_eq!(
        criteria["Criterion"]["severity"],
        serde_json::json!({"GreaterThanOrEqual": 9})
    );
    assert_eq!(
        criteria["Criterion"]["service.archived"],
        serde_json::json!({"Equals": ["false"]})
    );
    assert!(matches!(app.modal, Some(Modal::Text { .. })));
    press(&mut app, "Escape");
    assert!(app.modal.is_none());
}

/// A Security Hub finding and a GuardDuty finding of the demo, outside production, marked:
/// `a x` resolves both as false positives in one confirmation, through the executor and the
/// demo organization, and `u` puts them as they were.
#[test]
fn false_positive_and_resolve_reaches_each_service_and_undo_puts_it_back() {
    use picket::model::finding::Verification;
    let mut harness = Harness::new(Options::default(), 7, common::now(), (120, 40));
    harness.keys(&parse_sequence(
        "2 / -is:prod Space source:guardduty Space status:new Enter Space / C-u -is:prod Space source:securityhub Space status:new Enter Space",
    ));
    let marked: Vec<_> = harness.app.findings.marks.iter().copied().collect();
    assert_eq!(marked.len(), 2, "{:?}", harness.app.notice);
    let kind = |h: &Harness, ix| h.app.store.get(ix).map(|e| e.raw.kind());
    let gd = *marked
        .iter()
        .find(|&&ix| kind(&harness, ix) == Some(picket::model::raw::RecordKind::GuardDuty))
        .expect("a GuardDuty finding");
    let sh = *marked
        .iter()
        .find(|&&ix| ix != gd)
        .expect("a Security Hub finding");
    harness.keys(&parse_sequence("a x scanner Space test Enter y"));
    assert!(
        harness.app.modal.is_none(),
        "sent: {:?}",
        harness.app.notice
    );
    let summary = |h: &Harness, ix| *h.app.store.summary(ix).expect("summary");
    assert!(summary(&harness, gd).archived);
    assert_eq!(
        (
            summary(&harness, sh).workflow,
            summary(&harness, sh).verification
        ),
        (
            picket::model::Workflow::Resolved,
            Verification::FalsePositive
        )
    );
    assert_eq!(harness.app.findings.marks.len(), 2, "the marks stay");
    harness.keys(&parse_sequence("u y"));
    assert!(!summary(&harness, gd).archived);
    assert_eq!(summary(&harness, sh).workflow, picket::model::Workflow::New);
}
