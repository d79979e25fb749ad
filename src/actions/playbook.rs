//! Containment playbooks from config: an SSM Automation runbook started in the finding's
//! account and region, or an event published on EventBridge in the shape of a Security Hub
//! custom action so the automation rules already in place fire.
//!
//! Parameters are templates over the finding (`{resource.name}`, `{account}`…). Finding text is
//! attacker-controlled, so a value is passed only when it looks like an AWS identifier; anything
//! else refuses the playbook for that finding with the reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::Finding;

/// What a playbook does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Kind {
    /// StartAutomationExecution, then its status followed until it ends.
    SsmAutomation {
        document: String,
        #[serde(default)]
        parameters: BTreeMap<String, String>,
    },
    /// PutEvents with detail-type "Security Hub Findings - Custom Action" (by default).
    Eventbridge {
        /// The custom action's name, as `detail.actionName`.
        action_name: String,
        #[serde(default = "default_bus")]
        event_bus: String,
        /// AWS reserves `aws.*` sources for itself; rules match on this one instead.
        #[serde(default = "default_source")]
        source: String,
        #[serde(default = "default_detail_type")]
        detail_type: String,
        /// The custom action's ARN, put in the event's resources when given (templated).
        #[serde(default)]
        action_arn: Option<String>,
    },
}

fn default_bus() -> String {
    "default".into()
}

fn default_source() -> String {
    "picket".into()
}

fn default_detail_type() -> String {
    "Security Hub Findings - Custom Action".into()
}

/// A `[[playbooks]]` entry. (Unknown keys are refused by [`Kind`], which sees every key the
/// entry's own fields do not take.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Playbook {
    pub name: String,
    /// A filter (the filter language) every target must pass for the playbook to be offered.
    pub when: String,
    #[serde(flatten)]
    pub kind: Kind,
}

/// EventBridge PutEvents takes at most ten entries per call.
pub const EVENTS_CHUNK: usize = 10;

/// The placeholders a template can use.
pub const PLACEHOLDERS: &[&str] = &[
    "account",
    "region",
    "finding.id",
    "type",
    "severity",
    "resource.type",
    "resource.id",
    "resource.name",
    "resource.arn",
    "actor.user",
    "actor.access_key",
    "remote.ip",
];

impl Playbook {
    /// Every template of the playbook, for checking when the config loads.
    fn templates(&self) -> Vec<&str> {
        match &self.kind {
            Kind::SsmAutomation { parameters, .. } => {
                parameters.values().map(String::as_str).collect()
            }
            Kind::Eventbridge { action_arn, .. } => action_arn.iter().map(String::as_str).collect(),
        }
    }

    /// A config problem, named: unknown placeholders, an `aws.` source, empty fields.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("a playbook needs a name".into());
        }
        crate::query::Query::parse(&self.when)
            .map_err(|e| format!("playbook '{}': bad `when` filter: {e}", self.name))?;
        for template in self.templates() {
            for name in placeholders(template)? {
                if !PLACEHOLDERS.contains(&name) {
                    return Err(format!(
                        "playbook '{}': unknown placeholder {{{name}}}; known: {}",
                        self.name,
                        PLACEHOLDERS.join(", ")
                    ));
                }
            }
        }
        match &self.kind {
            Kind::SsmAutomation { document, .. } if document.trim().is_empty() => Err(format!(
                "playbook '{}': an ssm-automation playbook needs a document",
                self.name
            )),
            Kind::Eventbridge { source, .. } if source.starts_with("aws.") => Err(format!(
                "playbook '{}': EventBridge refuses sources starting with \"aws.\"; use your own (the default is \"picket\")",
                self.name
            )),
            _ => Ok(()),
        }
    }

    pub fn api(&self) -> &'static str {
        match self.kind {
            Kind::SsmAutomation { .. } => "ssm:StartAutomationExecution",
            Kind::Eventbridge { .. } => "events:PutEvents",
        }
    }

    pub fn chunk(&self) -> usize {
        match self.kind {
            Kind::SsmAutomation { .. } => 1,
            Kind::Eventbridge { .. } => EVENTS_CHUNK,
        }
    }

    /// The request for the findings of one call: their variables, and (EventBridge) their
    /// records, which go into the event as Security Hub would put them.
    pub fn request(
        &self,
        findings: &[(&Variables, Option<&Value>)],
        operator: &str,
        reason: &str,
    ) -> Result<Value, String> {
        match &self.kind {
            Kind::SsmAutomation {
                document,
                parameters,
            } => {
                let (vars, _) = findings.first().ok_or("no finding")?;
                let mut rendered = serde_json::Map::new();
                for (key, template) in parameters {
                    rendered.insert(key.clone(), json!([render(template, vars)?]));
                }
                Ok(json!({"DocumentName": document, "Parameters": rendered}))
            }
            Kind::Eventbridge {
                action_name,
                event_bus,
                source,
                detail_type,
                action_arn,
            } => {
                let mut entries = Vec::new();
                for (vars, record) in findings {
                    let resources = match action_arn {
                        Some(arn) => vec![render(arn, vars)?],
                        None => Vec::new(),
                    };
                    let detail = json!({
                        "actionName": action_name,
                        "actionDescription": format!("{} — {operator} via picket ({reason})", self.name),
                        "findings": [record.cloned().unwrap_or(Value::Null)],
                    });
                    entries.push(json!({
                        "EventBusName": event_bus,
                        "Source": source,
                        "DetailType": detail_type,
                        "Resources": resources,
                        "Detail": detail.to_string(),
                    }));
                }
                Ok(json!({"Entries": entries}))
            }
        }
    }
}

/// The names inside `{…}` of a template.
fn placeholders(template: &str) -> Result<Vec<&str>, String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in \"{template}\""))?;
        names.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(names)
}

/// A finding's values for the placeholders; absent when the finding has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Variables(pub BTreeMap<&'static str, String>);

impl Variables {
    pub fn of(finding: &Finding) -> Variables {
        let mut vars = BTreeMap::new();
        let mut set = |name: &'static str, value: &str| {
            if !value.is_empty() {
                vars.insert(name, value.to_string());
            }
        };
        set("account", finding.account_id.as_str());
        set("region", finding.region.as_str());
        set("finding.id", finding.id.as_str());
        set("type", finding.type_label());
        set("severity", finding.severity.label.as_str());
        if let Some(resource) = finding.resources.first() {
            let id = resource.id.as_str();
            set("resource.type", resource.kind.as_str());
            set("resource.id", id);
            // `i-0abc` from `arn:aws:ec2:…:instance/i-0abc`, `bucket` from `arn:aws:s3:::bucket`.
            set("resource.name", id.rsplit(['/', ':']).next().unwrap_or(id));
            if let Some(arn) = &resource.arn {
                set("resource.arn", arn.as_str());
            }
        }
        if let Some(activity) = &finding.activity {
            for (name, value) in [
                ("actor.user", &activity.user_name),
                ("actor.access_key", &activity.access_key_id),
                ("remote.ip", &activity.remote_ip),
            ] {
                if let Some(value) = value {
                    set(name, value.as_str());
                }
            }
        }
        Variables(vars)
    }
}

/// Fills a template. A value must look like an AWS identifier (letters, digits and
/// `:/._@+=,-`, at most 1,024 characters): finding text never reaches a runbook otherwise.
pub fn render(template: &str, vars: &Variables) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed {{ in \"{template}\""))?;
        let name = &after[..close];
        let value = vars
            .0
            .get(name)
            .ok_or_else(|| format!("the finding has no {{{name}}}"))?;
        let safe = value.len() <= 1024
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ":/._@+=,-".contains(c));
        if !safe {
            return Err(format!(
                "{{{name}}} of the finding has characters picket does not pass to a playbook"
            ));
        }
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests;
