//! Who is behind a role session: the chain of `sts:AssumeRole` calls that made it, read from
//! the CloudTrail records picket holds. `AdminRole/carol-session` was assumed by
//! `OpsRole/carol`, which was assumed by the IAM user `carol` — the human behind the key.

use crate::model::LogEvent;
use crate::model::finding::iam_principal;

/// Hops followed at most (a chain longer than this is cut, and says so).
const MOST_HOPS: usize = 6;

/// The chain from `principal` (as [`crate::model::Finding::principal`] names it) back to where
/// it starts, `principal` first: each next one assumed the one before. A principal that is no
/// role session, or whose AssumeRole call is not among the records, is a chain of one.
pub fn role_chain<'a>(
    events: impl Iterator<Item = &'a LogEvent> + Clone,
    account: &str,
    principal: &str,
) -> Vec<String> {
    let mut chain = vec![principal.to_string()];
    let mut current = (account.to_string(), principal.to_string());
    for _ in 0..MOST_HOPS {
        // Only a role session (`Role/session`) was assumed.
        if !current.1.contains('/') {
            return chain;
        }
        let Some((caller_account, caller)) = assumer(events.clone(), &current.0, &current.1) else {
            return chain;
        };
        let named = if caller_account != account && !caller_account.is_empty() {
            format!("{caller} ({caller_account})")
        } else {
            caller.clone()
        };
        if chain.contains(&named) {
            return chain;
        }
        chain.push(named);
        current = (caller_account, caller);
    }
    chain.push("…".into());
    chain
}

/// Who made the successful AssumeRole call that returned session `principal` in `account`.
fn assumer<'a>(
    mut events: impl Iterator<Item = &'a LogEvent>,
    account: &str,
    principal: &str,
) -> Option<(String, String)> {
    let wanted = format!(":{account}:assumed-role/{principal}");
    events.find_map(|event| {
        let trail = event.trail.as_deref()?;
        if trail.event_name.as_str() != "AssumeRole" || trail.error_code.is_some() {
            return None;
        }
        let record = event.message.parse()?;
        let made = record
            .pointer("/responseElements/assumedRoleUser/arn")
            .and_then(serde_json::Value::as_str)?;
        if !made.ends_with(&wanted) {
            return None;
        }
        let who = &trail.identity;
        let name = who
            .arn
            .as_deref()
            .and_then(iam_principal)
            .map(str::to_string)
            .or_else(|| who.invoked_by.as_deref().map(str::to_string))
            .unwrap_or_else(|| trail.principal().to_string());
        let caller_account = who.account_id.as_deref().unwrap_or(account).to_string();
        Some((
            caller_account,
            crate::model::SafeText::line(&name).to_string(),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn assume(caller: &str, made: &str, error: bool) -> LogEvent {
        let error = if error {
            r#","errorCode":"AccessDenied""#
        } else {
            ""
        };
        let message = format!(
            r#"{{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","userIdentity":{{"type":"X","arn":"{caller}","accountId":"111122223333"}},"responseElements":{{"assumedRoleUser":{{"arn":"{made}"}}}}{error}}}"#
        );
        LogEvent::new(
            Timestamp::UNIX_EPOCH,
            "111122223333",
            "us-east-1",
            "trail",
            "s",
            &message,
        )
    }

    #[test]
    fn a_session_is_followed_back_to_the_user_behind_it() {
        let events = [
            assume(
                "arn:aws:iam::111122223333:user/carol",
                "arn:aws:sts::111122223333:assumed-role/OpsRole/carol",
                false,
            ),
            // A denied call made no session.
            assume(
                "arn:aws:iam::111122223333:user/mallory",
                "arn:aws:sts::111122223333:assumed-role/AdminRole/ops",
                true,
            ),
            assume(
                "arn:aws:sts::111122223333:assumed-role/OpsRole/carol",
                "arn:aws:sts::111122223333:assumed-role/AdminRole/ops",
                false,
            ),
        ];
        assert_eq!(
            role_chain(events.iter(), "111122223333", "AdminRole/ops"),
            ["AdminRole/ops", "OpsRole/carol", "carol"]
        );
        assert_eq!(
            role_chain(events.iter(), "111122223333", "carol"),
            ["carol"]
        );
        assert_eq!(
            role_chain(events.iter(), "999999999999", "AdminRole/ops"),
            ["AdminRole/ops"]
        );
    }

    #[test]
    fn a_loop_in_the_records_ends_the_chain() {
        let events = [
            assume(
                "arn:aws:sts::111122223333:assumed-role/B/s",
                "arn:aws:sts::111122223333:assumed-role/A/s",
                false,
            ),
            assume(
                "arn:aws:sts::111122223333:assumed-role/A/s",
                "arn:aws:sts::111122223333:assumed-role/B/s",
                false,
            ),
        ];
        assert_eq!(
            role_chain(events.iter(), "111122223333", "A/s"),
            ["A/s", "B/s"]
        );
    }
}
