//! No byte of data from outside may drive the terminal: every cell of every screen is free of
//! control characters and bidi overrides, whatever the records contain.

mod common;

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use serde_json::json;

use picket::app::keys::parse_sequence;
use picket::app::{Msg, Options, update};
use picket::model::text::is_dangerous;
use picket::render::Harness;
use picket::sources::{Batch, Feed};

fn assert_clean(buffer: &Buffer, context: &str) {
    for (i, cell) in buffer.content().iter().enumerate() {
        let symbol = cell.symbol();
        assert!(
            !symbol.chars().any(is_dangerous),
            "{context}: cell {i} ({}, {}) holds {symbol:?}",
            i % usize::from(buffer.area.width),
            i / usize::from(buffer.area.width)
        );
    }
}

/// Every screen, for several demo seeds (each carries hostile text in its initial population).
#[test]
fn demo_screens_hold_no_control_characters() {
    let walks = [
        "",
        "2",
        "2 Enter",
        "2 Enter Tab G",
        "2 / \"ESC\" Enter",
        "?",
        "3",
        "3 Space Enter",
    ];
    for seed in 0..4 {
        for size in [(120, 40), (80, 24)] {
            for keys in walks {
                let mut harness = Harness::new(Options::default(), seed, common::now(), size);
                harness.keys(&parse_sequence(keys));
                assert_clean(
                    &harness.draw(),
                    &format!("seed {seed} {size:?} keys {keys:?}"),
                );
            }
        }
    }
}

/// A finding crafted to attack the terminal, through the real mapper, on every view of it.
#[test]
fn a_crafted_finding_is_neutralized_everywhere() {
    let evil = "\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}gnp.exe\u{9b}31m\u{7f}\r\n\t";
    let record = json!({
        "SchemaVersion": "2018-10-08", "Id": format!("evil-{evil}"), "ProductArn": "arn:aws:securityhub:us-east-1::product/acme/scanner",
        "ProductName": evil, "AwsAccountId": "111122223333", "AwsAccountName": evil, "Region": evil,
        "Types": [evil], "CreatedAt": "2026-01-15T09:00:00Z", "UpdatedAt": "2026-01-15T09:00:00Z",
        "Severity": {"Label": "CRITICAL"}, "Title": evil, "Description": evil.repeat(500),
        "Resources": [{"Type": evil, "Id": evil.repeat(50), "Tags": {evil: evil}}],
        "Compliance": {"Status": "FAILED", "SecurityControlId": evil, "RelatedRequirements": [evil]},
        "Note": {"Text": evil, "UpdatedBy": evil, "UpdatedAt": "2026-01-15T09:00:00Z"},
        "Action": {"ActionType": evil, "AwsApiCallAction": {"Api": evil, "RemoteIpDetails": {"IpAddressV4": evil,
            "Country": {"CountryName": evil}, "Organization": {"AsnOrg": evil}}}}
    });
    let finding = picket::model::asff::map_finding(&record).expect("maps");
    let trail = format!(
        r#"{{"eventSource":"{e}","eventName":"{e}","userAgent":"{e}","userIdentity":{{"type":"IAMUser","arn":"{e}"}},"errorCode":"{e}"}}"#,
        e = evil.escape_default()
    );
    let event = picket::model::LogEvent::new(Timestamp::UNIX_EPOCH, evil, evil, evil, evil, &trail);
    let plain = picket::model::LogEvent::new(Timestamp::UNIX_EPOCH, evil, evil, evil, evil, evil);
    for size in [(120, 40), (80, 24)] {
        for keys in [
            "2 / evil Enter",
            "2 / evil Enter Enter",
            "2 / evil Enter Enter Tab",
            "1",
            "3",
            "3 Enter",
            "3 k Enter",
        ] {
            let mut harness = Harness::new(Options::default(), 1, common::now(), size);
            let batch = Batch {
                findings: vec![finding.clone()],
                ..Batch::default()
            };
            update(&mut harness.app, Msg::Batch(Feed::Findings, batch));
            let events = Batch {
                events: vec![event.clone(), plain.clone()],
                ..Batch::default()
            };
            update(&mut harness.app, Msg::Batch(Feed::Logs, events));
            harness.keys(&parse_sequence(keys));
            assert_clean(&harness.draw(), &format!("{size:?} keys {keys:?}"));
        }
    }
}
