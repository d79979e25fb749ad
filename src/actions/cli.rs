//! A plan's calls as the AWS CLI would make them: one `aws <service> <operation>` line a call,
//! with its region, the profile picket runs with, and the request as `--cli-input-json` (the
//! exact parameters picket sends, under the API's own member names), quoted for a POSIX shell.
//! A reviewer can read it, or paste it to reproduce the change by hand.

use super::{Call, Plan};

/// `aws securityhub batch-update-findings --region … --cli-input-json '…'`: the call as one
/// command line, preceded by a comment naming the account whose credentials it needs.
pub fn command(call: &Call, profile: Option<&str>) -> String {
    let (service, operation) = call.api.split_once(':').unwrap_or(("", call.api));
    let mut line = format!(
        "# account {}\naws {service} {} --region {}",
        call.account,
        kebab(operation),
        quote(&call.region)
    );
    if let Some(profile) = profile {
        line.push_str(&format!(" --profile {}", quote(profile)));
    }
    let json = serde_json::to_string(&call.params).unwrap_or_default();
    line.push_str(&format!(" --cli-input-json {}", quote(&json)));
    line
}

/// Every call of a plan, with what picket adds around them.
pub fn commands(plan: &Plan, profile: Option<&str>) -> String {
    let mut out = Vec::new();
    if matches!(
        plan.action,
        super::Action::SetWorkflow {
            disposition: Some(_),
            ..
        }
    ) {
        out.push(
            "# picket merges UserDefinedFields into each finding's own first \
             (aws securityhub get-findings), and sends findings with different fields apart"
                .to_string(),
        );
    }
    out.extend(plan.calls.iter().map(|call| command(call, profile)));
    out.join("\n")
}

/// `BatchUpdateFindingsV2` → `batch-update-findings-v2`, as the CLI names operations.
fn kebab(operation: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = operation.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let starts_word = c.is_ascii_uppercase()
            && i > 0
            && (chars[i - 1].is_ascii_lowercase()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
        if starts_word {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// One word for a POSIX shell: left bare when it is plain, else single-quoted with any single
/// quote written as `'\''`. Control characters cannot occur (the JSON escapes them, and names
/// are picket's or sanitized).
pub fn quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+".contains(c));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(api: &'static str, params: serde_json::Value) -> Call {
        Call {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            api,
            params,
            targets: vec![0],
        }
    }

    #[test]
    fn operations_are_named_as_the_cli_names_them() {
        assert_eq!(kebab("BatchUpdateFindings"), "batch-update-findings");
        assert_eq!(kebab("BatchUpdateFindingsV2"), "batch-update-findings-v2");
        assert_eq!(kebab("UpdateFindingsFeedback"), "update-findings-feedback");
        assert_eq!(
            kebab("StartAutomationExecution"),
            "start-automation-execution"
        );
        assert_eq!(kebab("PutEvents"), "put-events");
    }

    #[test]
    fn a_call_is_one_command_a_shell_reads_back_exactly() {
        let params = json!({"FindingIdentifiers": [{"Id": "f-1", "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub"}],
            "Note": {"Text": "it's O'Brien's host; $(rm -rf) `x` \"q\"", "UpdatedBy": "picket/alice"},
            "Workflow": {"Status": "RESOLVED"}});
        let line = command(
            &call("securityhub:BatchUpdateFindings", params.clone()),
            Some("sec audit"),
        );
        assert!(line.starts_with("# account 111122223333\n"));
        let command_line = line.lines().nth(1).expect("the command");
        assert!(command_line.starts_with(
            "aws securityhub batch-update-findings --region us-east-1 --profile 'sec audit' --cli-input-json '"
        ));
        // What a POSIX shell makes of it: the same JSON, byte for byte.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "printf '%s' {}",
                command_line
                    .rsplit_once(" --cli-input-json ")
                    .expect("json")
                    .1
            ))
            .output()
            .expect("sh runs");
        let read: serde_json::Value =
            serde_json::from_slice(&out.stdout).expect("the shell gives back JSON");
        assert_eq!(read, params);
    }

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(quote("eu-west-1"), "eu-west-1");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
