//! Headless output of findings and log events: table, JSON, JSON lines, CSV.
//!
//! JSON and CSV carry picket's unified model (every field normalized, the same for every
//! source); `--raw` prints the records as AWS delivered them instead. Text fields are the
//! sanitized ones, so a table on a terminal is as safe as the TUI.

use std::io::{self, Write};

use serde::Serialize;

use crate::model::text::{csv_cell, json_inert};
use crate::model::text::{fit, short_resource};
use crate::model::{Finding, LogEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

/// A finding as printed: the unified model plus the account name picket resolved.
#[derive(Serialize)]
struct Printed<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    account: &'a str,
    /// The finding in its AWS console.
    #[serde(skip_serializing_if = "Option::is_none")]
    console: Option<String>,
}

impl<'a> Printed<'a> {
    fn new(finding: &'a Finding, account: &'a str) -> Printed<'a> {
        Printed {
            finding,
            account,
            console: crate::model::console::finding(finding),
        }
    }
}

/// One JSON value on a line, with no character in it that could drive a terminal.
fn json_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_json::to_string(value).map_err(io::Error::other)?;
    out.write_all(json_inert(&text).as_bytes())?;
    out.write_all(b"\n")
}

/// A pretty JSON document, as inert as [`json_line`].
fn json_pretty(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    out.write_all(json_inert(&text).as_bytes())?;
    out.write_all(b"\n")
}

/// A CSV cell: quoted when it needs it, never a formula.
fn csv_field(text: &str) -> String {
    csv_cell(text).into_owned()
}

/// Prints findings; `account_name` resolves an account id to its name.
pub fn findings(
    out: &mut dyn Write,
    findings: &[Finding],
    format: Format,
    raw: bool,
    account_name: &dyn Fn(&str) -> String,
) -> io::Result<()> {
    if raw {
        let records: Vec<serde_json::Value> =
            findings.iter().filter_map(|f| f.raw.parse()).collect();
        return match format {
            Format::Json => json_pretty(out, &records),
            _ => records.iter().try_for_each(|r| json_line(out, r)),
        };
    }
    match format {
        Format::Jsonl => findings.iter().try_for_each(|f| {
            let name = account_name(&f.account_id);
            json_line(out, &Printed::new(f, &name))
        }),
        Format::Json => {
            let names: Vec<String> = findings
                .iter()
                .map(|f| account_name(&f.account_id))
                .collect();
            let printed: Vec<Printed> = findings
                .iter()
                .zip(&names)
                .map(|(f, n)| Printed::new(f, n))
                .collect();
            json_pretty(out, &printed)
        }
        Format::Csv => {
            writeln!(
                out,
                "severity,score,last_seen,account,account_id,region,sources,product,type,title,resource,status,count,id"
            )?;
            for f in findings {
                let resource = f.resources.first().map_or("", |r| r.id.as_str());
                let fields = [
                    f.severity.label.as_str().to_string(),
                    f.severity.normalized.to_string(),
                    f.last_seen.to_string(),
                    account_name(&f.account_id),
                    f.account_id.to_string(),
                    f.region.to_string(),
                    f.sources.tag(),
                    f.product.to_string(),
                    f.type_label().to_string(),
                    f.title.to_string(),
                    resource.to_string(),
                    f.status_label().to_string(),
                    f.count.to_string(),
                    f.id.to_string(),
                ];
                let row: Vec<String> = fields.iter().map(|s| csv_field(s)).collect();
                writeln!(out, "{}", row.join(","))?;
            }
            Ok(())
        }
        Format::Table => {
            writeln!(
                out,
                "{:<8} {:<20} {:<16} {:<14} {:<6} {:<10} {:<36} {:<24} TITLE",
                "SEV", "LAST SEEN", "ACCOUNT", "REGION", "SRC", "STATUS", "TYPE", "RESOURCE"
            )?;
            for f in findings {
                let last = f.last_seen.strftime("%Y-%m-%d %H:%M:%S").to_string();
                let resource = f.resources.first().map_or("", |r| short_resource(&r.id));
                writeln!(
                    out,
                    "{:<8} {:<20} {:<16} {:<14} {:<6} {:<10} {:<36} {:<24} {}",
                    f.severity.label.short(),
                    last,
                    fit(&account_name(&f.account_id), 16),
                    fit(&f.region, 14),
                    f.sources.tag(),
                    fit(f.status_label(), 10),
                    fit(f.type_label(), 36),
                    fit(resource, 24),
                    fit(&f.title, 100)
                )?;
            }
            Ok(())
        }
    }
}

/// A log event as printed: its place and the message, parsed when it is JSON.
#[derive(Serialize)]
struct PrintedEvent<'a> {
    timestamp: jiff::Timestamp,
    account_id: &'a str,
    region: &'a str,
    group: &'a str,
    stream: &'a str,
    event_id: Option<&'a str>,
    message: serde_json::Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    detections: Vec<PrintedDetection>,
}

#[derive(Serialize)]
struct PrintedDetection {
    name: &'static str,
    control: &'static str,
    title: &'static str,
}

/// An event to print, with the detections that flagged it.
pub struct Matched<'a> {
    pub event: &'a LogEvent,
    pub detections: Vec<&'static crate::logs::detect::Detection>,
}

pub fn events(out: &mut dyn Write, events: &[Matched], format: Format) -> io::Result<()> {
    match format {
        Format::Table | Format::Csv => {
            for Matched {
                event: e,
                detections,
            } in events
            {
                let time = e.timestamp.strftime("%Y-%m-%d %H:%M:%S");
                if !detections.is_empty() {
                    let controls: Vec<&str> = detections.iter().map(|d| d.control).collect();
                    write!(out, "[{}] ", controls.join(","))?;
                }
                match &e.trail {
                    Some(t) => writeln!(
                        out,
                        "{time} {:<12} {:<14} {:<40} {:<28} {:<15} {}",
                        e.account_id.as_str(),
                        t.aws_region.as_deref().unwrap_or(&e.region),
                        fit(&t.action(), 40),
                        fit(t.principal(), 28),
                        t.source_ip.as_deref().unwrap_or(""),
                        t.error_code.as_deref().unwrap_or("")
                    )?,
                    None => writeln!(out, "{time} {} {}", e.stream, e.message.display_line(300))?,
                }
            }
            Ok(())
        }
        Format::Json | Format::Jsonl => events.iter().try_for_each(|m| {
            let e = m.event;
            let text = e.message.as_delivered();
            let message = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
            let printed = PrintedEvent {
                timestamp: e.timestamp,
                account_id: &e.account_id,
                region: &e.region,
                group: &e.group,
                stream: &e.stream,
                event_id: e.event_id.as_deref(),
                message,
                detections: m
                    .detections
                    .iter()
                    .map(|d| PrintedDetection {
                        name: d.name,
                        control: d.control,
                        title: d.title,
                    })
                    .collect(),
            };
            json_line(out, &printed)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn json_output_escapes_what_would_drive_a_terminal() {
        let message = r#"{"eventName":"x\u202eyz","b":"\u009b2J\u007f","c":"\u001b[31m é"}"#;
        let event = LogEvent::new(jiff::Timestamp::UNIX_EPOCH, "1", "r", "g", "s", message);
        for format in [Format::Json, Format::Jsonl] {
            let mut out = Vec::new();
            events(
                &mut out,
                &[Matched {
                    event: &event,
                    detections: Vec::new(),
                }],
                format,
            )
            .expect("printed");
            let text = String::from_utf8(out).expect("utf-8");
            assert!(
                !text
                    .chars()
                    .any(|c| c != '\n' && crate::model::text::is_dangerous(c)),
                "{text:?}"
            );
            assert!(text.contains(r"x\u202eyz") && text.contains('é'), "{text}");
            let printed: serde_json::Value = serde_json::from_str(&text).expect("json");
            let original: serde_json::Value = serde_json::from_str(message).expect("json");
            assert_eq!(printed["message"], original, "the same data");
        }
        assert_eq!(json_inert("{\"a\":\"\u{1F600}\"}"), "{\"a\":\"\u{1F600}\"}");
    }

    #[test]
    fn every_format_prints_every_finding() {
        let findings = vec![
            crate::model::fixtures::guardduty(
                "a",
                "111111111111",
                "Recon:EC2/Portscan",
                5.0,
                "2026-01-15T11:00:00Z",
            ),
            crate::model::fixtures::guardduty(
                "b",
                "222222222222",
                "Backdoor:EC2/Spambot",
                5.0,
                "2026-01-15T11:00:00Z",
            ),
        ];
        let name = |id: &str| {
            if id == "111111111111" {
                "prod-web".to_string()
            } else {
                id.to_string()
            }
        };
        for (format, expect_lines) in [(Format::Jsonl, 2), (Format::Csv, 3), (Format::Table, 3)] {
            let mut out = Vec::new();
            super::findings(&mut out, &findings, format, false, &name).expect("printed");
            let text = String::from_utf8(out).expect("utf-8");
            assert_eq!(text.lines().count(), expect_lines, "{format:?}:\n{text}");
        }
        let mut out = Vec::new();
        super::findings(&mut out, &findings, Format::Jsonl, false, &name).expect("printed");
        let first: serde_json::Value = serde_json::from_str(
            String::from_utf8(out)
                .expect("utf-8")
                .lines()
                .next()
                .unwrap_or(""),
        )
        .expect("json");
        assert_eq!(first["account"], "prod-web");
        assert_eq!(first["severity"]["label"], "MEDIUM");
        let mut out = Vec::new();
        super::findings(&mut out, &findings, Format::Json, true, &name).expect("printed");
        let raw: serde_json::Value = serde_json::from_slice(&out).expect("json array");
        assert_eq!(raw[1]["type"], "Backdoor:EC2/Spambot");
    }

    #[test]
    fn no_output_can_be_turned_against_its_reader() {
        let record = serde_json::json!({
            "id": "f1", "accountId": "111111111111", "type": "Recon:EC2/Portscan", "severity": 5.0,
            "region": "us-east-1", "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-15T11:00:00Z",
            "title": "=HYPERLINK(\"http://x\",\"open\")\u{9b}31m\u{202e}\u{200b}\u{7f}",
            "description": "-2+3 \u{1b}]52;c;eA==\u{7}"
        });
        let finding = crate::model::guardduty::map_finding(&record).expect("maps");
        let name = |id: &str| format!("@{id}");
        for (format, raw) in [
            (Format::Csv, false),
            (Format::Jsonl, false),
            (Format::Json, false),
            (Format::Jsonl, true),
            (Format::Json, true),
            (Format::Table, false),
        ] {
            let mut out = Vec::new();
            super::findings(&mut out, std::slice::from_ref(&finding), format, raw, &name)
                .expect("printed");
            let text = String::from_utf8(out).expect("utf-8");
            assert!(
                !text
                    .chars()
                    .any(|c| crate::model::text::is_dangerous(c) && c != '\n'),
                "{format:?} raw={raw}: {text:?}"
            );
            if format == Format::Csv {
                let row = text.lines().nth(1).expect("a row");
                assert!(row.contains(",\"'@111111111111\","), "{row}");
                assert!(row.contains(",\"'=HYPERLINK("), "{row}");
            }
            if raw {
                let first = text.lines().next().unwrap_or("");
                let again: serde_json::Value =
                    serde_json::from_str(if format == Format::Json { &text } else { first })
                        .expect("still JSON");
                let title = if format == Format::Json {
                    &again[0]["title"]
                } else {
                    &again["title"]
                };
                assert_eq!(title, &record["title"], "the record's meaning is unchanged");
            }
        }
    }
}
