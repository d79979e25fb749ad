//! An AWS Organization in moto: six accounts in two OUs. `picket doctor` lists every account
//! with its OU path and a verdict per source; in fan-out the app learns every account's name and
//! OU path and hears from every account's sources, through roles assumed with STS.
//!
//! Needs `moto_server` (see tests/common).

mod common;

use std::collections::BTreeSet;

use common::moto::{ENV, Moto, picket};
use picket::app::{App, Msg, Options, update};
use picket::aws::org::{Mode, OrgSettings};
use picket::aws::plan::{Services, Settings};
use picket::aws::setup::{build, sweep_all};
use picket::model::health::{HealthState, Service};
use picket::sources::Feed;

/// Creates the organization; returns the member account ids by name.
fn organization(moto: &Moto) -> Vec<(String, String)> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            r#"
import boto3
org = boto3.client('organizations', endpoint_url='{}', region_name='us-east-1')
org.create_organization(FeatureSet='ALL')
root = org.list_roots()['Roots'][0]['Id']
ous = {{name: org.create_organizational_unit(ParentId=root, Name=name)['OrganizationalUnit']['Id'] for name in ['Production', 'Development']}}
for name, ou in [('payments-prod', 'Production'), ('web-prod', 'Production'), ('data-prod', 'Production'), ('sandbox-a', 'Development'), ('sandbox-b', 'Development')]:
    account = org.create_account(Email=name + '@example.com', AccountName=name)['CreateAccountStatus']['AccountId']
    org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[ou])
    print(name, account)
"#,
            moto.url()
        ))
        .envs(ENV)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "boto3 setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(n, id)| (n.to_string(), id.to_string()))
        .collect()
}

#[test]
fn doctor_lists_every_account_with_its_ou_and_a_verdict_per_source() {
    let Some(moto) = Moto::start() else { return };
    let members = organization(&moto);
    assert_eq!(members.len(), 5);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[org]\nmode = \"fanout\"\n").expect("config written");
    let url = moto.url();
    let out = picket(&[
        "doctor",
        "--config",
        config.to_str().expect("utf-8 path"),
        "--endpoint-url",
        &url,
        "--region",
        "us-east-1",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "GuardDuty is not enabled in moto: doctor fails. stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["mode"], "fanout");
    assert_eq!(report["organization"]["verdict"], "ok");
    let accounts = report["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 6, "the management account and five members");
    for (name, id) in &members {
        let account = accounts
            .iter()
            .find(|a| a["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{name} ({id}) is listed"));
        assert_eq!(account["name"], name.as_str());
        let ou = if name.contains("prod") {
            "Production"
        } else {
            "Development"
        };
        assert_eq!(account["ou_path"], ou);
        assert_eq!(account["production"], name.contains("prod"));
        let verdicts: Vec<(&str, &str)> = account["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| {
                (
                    c["service"].as_str().unwrap_or(""),
                    c["verdict"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                ("credentials", "ok"),
                ("guardduty", "not-enabled"),
                ("securityhub", "ok"),
                ("logs", "ok")
            ],
            "{name}"
        );
        let guardduty = &account["checks"][1]["message"];
        assert!(
            guardduty
                .as_str()
                .is_some_and(|m| m.starts_with("GuardDuty is not enabled in us-east-1")),
            "{guardduty}"
        );
    }
    let table = picket(&[
        "doctor",
        "--config",
        config.to_str().expect("utf-8 path"),
        "--endpoint-url",
        &url,
        "--region",
        "us-east-1",
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("payments-prod ⚑"), "{text}");
    assert!(text.contains("6 accounts, 6 checks failed"), "{text}");
}

#[test]
fn fan_out_reads_every_account_through_an_assumed_role() {
    let Some(moto) = Moto::start() else { return };
    let members = organization(&moto);
    let settings = Settings {
        workflow: vec![picket::model::Workflow::New],
        max_in_flight: 8,
        org: OrgSettings {
            mode: Mode::Fanout,
            exclude: vec!["sandbox-b".into()],
            ..OrgSettings::default()
        },
        ..common::moto::settings(&moto)
    };
    let services = Services {
        guardduty: false,
        securityhub: true,
        logs: false,
    };
    common::moto::with_test_credentials();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let batches = runtime.block_on(async {
        let built = build(&settings, services).await.expect("sources");
        assert_eq!(
            built.sources.len(),
            1,
            "fan-out starts with the account list alone"
        );
        sweep_all(built.sources, jiff::Timestamp::now()).await
    });
    let mut app = App::new(Options::default(), jiff::Timestamp::now());
    for batch in batches {
        update(&mut app, Msg::Batch(Feed::Findings, batch));
    }
    let read: BTreeSet<String> = app
        .health
        .iter()
        .filter(|(key, health)| {
            key.service == Service::SecurityHub && health.state == HealthState::Ok
        })
        .map(|(key, _)| key.account_id.as_str().to_string())
        .collect();
    let expected: BTreeSet<String> = members
        .iter()
        .filter(|(name, _)| name != "sandbox-b")
        .map(|(_, id)| id.clone())
        .chain(["123456789012".to_string()])
        .collect();
    assert_eq!(read, expected, "every account but the excluded one answers");
    for (name, id) in &members {
        let account = app.directory.get(id).expect("named");
        assert_eq!(account.name.as_str(), name);
        assert_eq!(account.production, name.contains("prod"));
    }
}
