use serde_json::json;

use super::*;
use crate::config::{Config, DEFAULT_TOML};
use crate::model::guardduty::map_finding;

/// The commented examples of the default config, uncommented.
fn examples() -> Vec<Playbook> {
    let text: String = DEFAULT_TOML
        .lines()
        .skip_while(|l| !l.starts_with("# [[playbooks]]"))
        .map(|l| l.strip_prefix("# ").unwrap_or(l))
        .filter(|l| {
            !l.starts_with('#')
                && !l.starts_with("Disable")
                && !l.starts_with("Block")
                && !l.starts_with("the Security")
                && !l.starts_with("(snapshots")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let config: Config = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    config.playbooks
}

fn instance_finding(instance: &str) -> Finding {
    map_finding(&json!({
        "id": "f1", "accountId": "222222222222", "region": "eu-west-1",
        "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS", "severity": 8.0, "title": "t",
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
        "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": instance}},
        "service": {"detectorId": "d1", "count": 1}
    }))
    .expect("fixture")
}

#[test]
fn the_shipped_examples_parse_and_pass_the_checks() {
    let playbooks = examples();
    let names: Vec<&str> = playbooks.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Isolate EC2 instance",
            "Disable access key",
            "Block S3 public access"
        ]
    );
    for playbook in &playbooks {
        playbook.check().expect("valid");
    }
}

#[test]
fn an_ssm_runbook_gets_the_finding_values_as_string_lists() {
    let isolate = &examples()[0];
    let vars = Variables::of(&instance_finding("i-0abc123"));
    let params = isolate
        .request(&[(&vars, None)], "alice", "miner")
        .expect("request");
    assert_eq!(
        params,
        json!({"DocumentName": "AWSSupport-ContainEC2Instance", "Parameters": {
            "AutomationAssumeRole": ["arn:aws:iam::222222222222:role/IR-Containment"],
            "InstanceId": ["i-0abc123"]
        }})
    );
    assert_eq!(isolate.api(), "ssm:StartAutomationExecution");
}

#[test]
fn finding_text_that_is_not_an_identifier_never_reaches_a_runbook() {
    let isolate = &examples()[0];
    for hostile in [
        "i-1; rm -rf /",
        "i-1\u{1b}]52;c;AAAA\u{7}",
        "i-1\" , \"x",
        "i-1 2",
    ] {
        let vars = Variables::of(&instance_finding(hostile));
        let error = isolate
            .request(&[(&vars, None)], "alice", "r")
            .expect_err(hostile);
        assert!(error.contains("{resource.name}"), "{error}");
    }
    let mut vars = Variables::of(&instance_finding("i-1"));
    vars.0.remove("resource.name");
    assert!(
        isolate
            .request(&[(&vars, None)], "alice", "r")
            .expect_err("missing")
            .contains("has no {resource.name}")
    );
}

#[test]
fn an_event_carries_the_record_like_a_security_hub_custom_action() {
    let disable = &examples()[1];
    let finding = instance_finding("i-1");
    let vars = Variables::of(&finding);
    let record = json!({"id": "f1"});
    let params = disable
        .request(&[(&vars, Some(&record))], "alice", "leaked key")
        .expect("request");
    let entry = &params["Entries"][0];
    assert_eq!(entry["Source"], "picket");
    assert_eq!(entry["DetailType"], "Security Hub Findings - Custom Action");
    assert_eq!(
        entry["Resources"],
        json!(["arn:aws:securityhub:eu-west-1:222222222222:action/custom/DisableAccessKey"])
    );
    let detail: Value =
        serde_json::from_str(entry["Detail"].as_str().expect("text")).expect("JSON detail");
    assert_eq!(detail["actionName"], "DisableAccessKey");
    assert_eq!(detail["findings"], json!([{"id": "f1"}]));
    assert!(
        detail["actionDescription"]
            .as_str()
            .is_some_and(|d| d.contains("alice") && d.contains("leaked key"))
    );
}

#[test]
fn config_mistakes_are_named() {
    let mut bad = examples()[0].clone();
    bad.when = "sev>>high".into();
    assert!(bad.check().expect_err("bad when").contains("when"));
    let mut bad = examples()[0].clone();
    if let Kind::SsmAutomation { parameters, .. } = &mut bad.kind {
        parameters.insert("X".into(), "{resource.colour}".into());
    }
    assert!(
        bad.check()
            .expect_err("placeholder")
            .contains("{resource.colour}")
    );
    let mut bad = examples()[1].clone();
    if let Kind::Eventbridge { source, .. } = &mut bad.kind {
        *source = "aws.securityhub".into();
    }
    assert!(bad.check().expect_err("aws. source").contains("aws."));
}
