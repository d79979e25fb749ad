//! Setup failures in one human line with the command that fixes it: what the SDK says when
//! credentials cannot be found, a profile does not exist, an SSO session expired, a key was
//! rejected or a clock is off — read from its words, which `classify` keeps whole.

/// The profiles the AWS CLI would offer: `[profile NAME]` and `[default]` of the config file,
/// `[NAME]` of the credentials file (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/`).
pub fn profiles() -> Vec<String> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(name)))
    };
    let mut names = Vec::new();
    for (path, config) in [
        (file("AWS_CONFIG_FILE", "config"), true),
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ] {
        let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) else {
            continue;
        };
        names.extend(sections(&text, config));
    }
    names.sort();
    names.dedup();
    names
}

/// Profile names of an INI text: the config file writes `[profile NAME]` (and `[default]`),
/// the credentials file `[NAME]`; `[sso-session …]` and `[services …]` are no profiles.
fn sections(text: &str, config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let inner = line.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
            let name = if config {
                match inner.split_once(char::is_whitespace) {
                    Some(("profile", name)) => name.trim(),
                    None if inner == "default" => inner,
                    _ => return None,
                }
            } else {
                inner
            };
            (!name.is_empty()).then(|| crate::model::SafeText::line(name).to_string())
        })
        .collect()
}

/// The one line for a credentials failure, from the SDK's words (`raw`), the profile in use
/// and the profiles that exist (`known`, read only when a profile may be missing: a failing
/// source reports at every retry); None when the words are none of the known kinds.
pub fn credentials(
    raw: &str,
    profile: Option<&str>,
    known: impl Fn() -> Vec<String>,
) -> Option<String> {
    let text = raw.to_ascii_lowercase();
    let named = profile.unwrap_or("default");
    let login = match profile {
        Some(p) => format!("`aws sso login --profile {p}`"),
        None => "`aws sso login`".to_string(),
    };
    let list = |known: &[String]| {
        if known.is_empty() {
            "none are defined; `aws configure` or `aws configure sso` makes one".to_string()
        } else {
            format!("defined: {}", known.join(", "))
        }
    };
    if let Some(missing) = between(raw, "profile `", "` was not defined") {
        return Some(format!(
            "profile '{missing}' does not exist in ~/.aws/config or ~/.aws/credentials ({})",
            list(&known())
        ));
    }
    // A named profile the files do not have: the SDK goes on down its chain and reports the
    // last provider's failure (instance metadata), which is not the cause.
    if let Some(p) = profile
        && (text.contains("no providers in chain")
            || text.contains("imds")
            || text.contains("profile file credentials provider"))
    {
        let known = known();
        if !known.iter().any(|k| k == p) {
            return Some(format!(
                "profile '{p}' does not exist in ~/.aws/config or ~/.aws/credentials ({})",
                list(&known)
            ));
        }
    }
    if text.contains("sso token has expired")
        || text.contains("cached sso token")
        || text.contains(".aws/sso/cache")
    {
        return Some(format!(
            "the SSO session of profile '{named}' has expired or was never started: run {login}, then start picket again"
        ));
    }
    if text.contains("sso-session named") && text.contains("was not found") {
        return Some(format!(
            "profile '{named}' names an sso-session that ~/.aws/config does not define: `aws configure sso --profile {named}`"
        ));
    }
    if text.contains("credential_process") || text.contains("credential process") {
        return Some(format!(
            "profile '{named}''s credential_process failed: {}",
            crate::model::text::clean_line(raw, 200)
        ));
    }
    if text.contains("no providers in chain provided credentials")
        || text.contains("failed to load imds session token")
    {
        return Some(
            "no AWS credentials found (looked in: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the default profile of ~/.aws/config and ~/.aws/credentials, SSO, credential_process, web identity, the container and instance metadata): `aws configure`, `aws configure sso`, or `picket --demo` to try picket without AWS"
                .to_string(),
        );
    }
    // AWS's own code, kept in the line: it is what a search finds.
    let code = code_of(raw);
    let said = |fallback: &str| format!("({})", code.unwrap_or(fallback));
    if text.contains("expiredtoken") || text.contains("token included in the request is expired") {
        return Some(format!(
            "the session credentials have expired {}: {login}, or fresh AWS_SESSION_TOKEN/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
            said("ExpiredToken")
        ));
    }
    if let Some(skew) = clock_skew(raw) {
        return Some(format!(
            "AWS refused the request's signature because this machine's clock is off by {skew}: set the time (`timedatectl set-ntp true`, or the host's NTP)"
        ));
    }
    if text.contains("invalidclienttokenid")
        || text.contains("unrecognizedclient")
        || text.contains("security token included in the request is invalid")
    {
        return Some(format!(
            "AWS does not know this access key {} (deleted, mistyped, or from another partition), or the region is an opt-in region not enabled for the account: check profile '{named}'s keys (`aws sts get-caller-identity --profile {named}`) and the region",
            said("InvalidClientTokenId")
        ));
    }
    if text.contains("signaturedoesnotmatch") || text.contains("invalidsignature") {
        return Some(format!(
            "AWS refused the request's signature {}: the secret key of profile '{named}' does not match its access key; set it again (`aws configure --profile {named}`)",
            said("SignatureDoesNotMatch")
        ));
    }
    None
}

/// An access denied in one line: whose policy denies it when AWS says (an organization's
/// service control policy, a permissions boundary, a role's trust policy), else the missing
/// permission; AWS's words follow.
pub fn denied(action: &str, message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if action == "sts:AssumeRole" || lower.contains("perform: sts:assumerole") {
        let role = between(message, "on resource: ", " ")
            .or_else(|| message.split("on resource: ").nth(1))
            .map(|r| r.trim_end_matches(['.', ','].as_ref()))
            .unwrap_or("the role");
        return format!(
            "cannot assume {role}: its trust policy must name the caller, and the caller needs sts:AssumeRole on it: {message}"
        );
    }
    if lower.contains("service control policy") {
        return format!(
            "{action} is denied by a service control policy of the organization (an SCP), not by the role: the organization's administrators must allow it: {message}"
        );
    }
    if lower.contains("permissions boundary") {
        return format!(
            "{action} is outside the role's permissions boundary: the boundary must allow it as well as the role's policy: {message}"
        );
    }
    format!("missing permission {action}: {message}")
}

/// AWS could not be reached: which part of the way failed, from the connector's words (DNS,
/// nothing listening, a proxy, a TLS certificate that is not AWS's), then those words.
pub fn unreachable(action: &str, causes: &str) -> String {
    let lower = causes.to_ascii_lowercase();
    let why = if lower.contains("dns error") || lower.contains("failed to lookup address") {
        "the endpoint's name does not resolve (DNS): check the network and resolver, or --endpoint-url"
    } else if lower.contains("certificate") || lower.contains("unknownissuer") {
        "the endpoint's TLS certificate is not AWS's: a proxy intercepting TLS? trust its CA (SSL_CERT_FILE) or go around it"
    } else if lower.contains("proxy") || lower.contains(" 407") {
        "the proxy refused (HTTPS_PROXY, NO_PROXY): check its address and credentials"
    } else if lower.contains("connection refused") {
        "nothing listens there (connection refused): a firewall, a needed proxy (HTTPS_PROXY), or a wrong --endpoint-url"
    } else if lower.contains("timed out") || lower.contains("timeout") {
        "no answer in time: a firewall dropping the traffic, or a slow network"
    } else {
        "the network"
    };
    format!("{action}: cannot reach AWS: {why}: {causes}")
}

/// The AWS error code `classify` put first (`credentials: ExpiredTokenException: …`).
fn code_of(raw: &str) -> Option<&str> {
    let rest = raw.strip_prefix("credentials: ").unwrap_or(raw);
    let code = rest.split(':').next()?.trim();
    (code.len() > 3
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().all(|c| c.is_ascii_alphanumeric()))
    .then_some(code)
}

/// The text between `start` and `end` in `text`.
fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// "Signature expired: 20260115T080000Z is now earlier than 20260115T081500Z (…)": how far
/// the clock is off, in words.
fn clock_skew(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    if !lower.contains("signature expired") && !lower.contains("signature not yet current") {
        return None;
    }
    let stamps: Vec<jiff::Timestamp> = raw
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 16 && w.ends_with('Z') && w.as_bytes().get(8) == Some(&b'T'))
        .filter_map(|w| {
            let text = format!(
                "{}-{}-{}T{}:{}:{}Z",
                &w[0..4],
                &w[4..6],
                &w[6..8],
                &w[9..11],
                &w[11..13],
                &w[13..15]
            );
            text.parse().ok()
        })
        .collect();
    let [first, second, ..] = stamps[..] else {
        return Some("more than 5 minutes".to_string());
    };
    let seconds = (second.as_second() - first.as_second()).abs();
    Some(match seconds {
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK's words for each failure, as aws-config and the services write them.
    #[test]
    fn each_setup_failure_reads_as_one_line_with_its_fix() {
        let known = vec!["default".to_string(), "dev".to_string()];
        let cases: &[(&str, Option<&str>, &str)] = &[
            (
                "sts:GetCallerIdentity: error: other: the credential provider was not enabled: no providers in chain provided credentials",
                None,
                "no AWS credentials found (looked in: AWS_ACCESS_KEY_ID",
            ),
            (
                "an error occurred while loading credentials: failed to load IMDS session token: request forbidden",
                Some("nope"),
                "profile 'nope' does not exist in ~/.aws/config or ~/.aws/credentials (defined: default, dev)",
            ),
            (
                "credentials: other: unexpected credentials error: profile file credentials provider initialization error already taken",
                Some("nope"),
                "profile 'nope' does not exist",
            ),
            (
                "ProfileFile provider could not be built: profile `prod` was not defined: referenced by source_profile",
                Some("prod"),
                "profile 'prod' does not exist",
            ),
            (
                "failed to load the cached SSO token: failed to read `/home/a/.aws/sso/cache/abc.json`",
                Some("dev"),
                "the SSO session of profile 'dev' has expired or was never started: run `aws sso login --profile dev`",
            ),
            (
                "the SSO token has expired and cannot be refreshed",
                Some("dev"),
                "run `aws sso login --profile dev`",
            ),
            (
                "ExpiredToken: The security token included in the request is expired",
                Some("dev"),
                "the session credentials have expired (ExpiredToken): `aws sso login --profile dev`",
            ),
            (
                "InvalidClientTokenId: The security token included in the request is invalid.",
                Some("dev"),
                "AWS does not know this access key",
            ),
            (
                "SignatureDoesNotMatch: Signature expired: 20260115T080000Z is now earlier than 20260115T081500Z (20260115T082000Z - 5 min.)",
                Some("dev"),
                "this machine's clock is off by 15 min",
            ),
            (
                "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.",
                Some("dev"),
                "the secret key of profile 'dev' does not match its access key",
            ),
            (
                "credential_process: the command `vault-aws` exited with status 1: \u{1b}[31mvault sealed",
                Some("dev"),
                "profile 'dev''s credential_process failed: credential_process: the command `vault-aws` exited with status 1: ␛[31mvault sealed",
            ),
        ];
        for (raw, profile, expected) in cases {
            let line = credentials(raw, *profile, || known.clone()).unwrap_or_default();
            assert!(
                line.contains(expected),
                "{raw}\n→ {line}\nwanted: {expected}"
            );
            assert!(!line.contains('\u{1b}'), "{line}");
        }
        assert_eq!(
            credentials("ThrottlingException", None, || known.clone()),
            None
        );
    }

    #[test]
    fn a_denial_says_whose_policy_denies_it() {
        let scp = denied(
            "guardduty:ListFindings",
            "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: guardduty:ListFindings on resource: d with an explicit deny in a service control policy",
        );
        assert!(
            scp.starts_with("guardduty:ListFindings is denied by a service control policy"),
            "{scp}"
        );
        let boundary = denied(
            "securityhub:GetFindings",
            "User: u is not authorized to perform: securityhub:GetFindings because no permissions boundary allows the securityhub:GetFindings action",
        );
        assert!(
            boundary
                .starts_with("securityhub:GetFindings is outside the role's permissions boundary"),
            "{boundary}"
        );
        let assume = denied(
            "sts:AssumeRole",
            "User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/picket-read",
        );
        assert!(
            assume.starts_with("cannot assume arn:aws:iam::2:role/picket-read: its trust policy must name the caller"),
            "{assume}"
        );
        assert_eq!(
            denied("guardduty:ListFindings", "no"),
            "missing permission guardduty:ListFindings: no"
        );
    }

    #[test]
    fn an_unreachable_endpoint_says_which_part_of_the_way_failed() {
        for (causes, said) in [
            (
                "io error: client error (Connect): dns error: failed to lookup address information: Name or service not known",
                "does not resolve (DNS)",
            ),
            (
                "io error: client error (Connect): tcp connect error: Connection refused (os error 111)",
                "nothing listens there (connection refused)",
            ),
            (
                "io error: client error (Connect): invalid peer certificate: UnknownIssuer",
                "a proxy intercepting TLS?",
            ),
            (
                "io error: client error (Connect): proxy responded 407 Proxy Authentication Required",
                "the proxy refused",
            ),
        ] {
            let line = unreachable("sts:GetCallerIdentity", causes);
            assert!(
                line.starts_with("sts:GetCallerIdentity: cannot reach AWS: ")
                    && line.contains(said)
                    && line.ends_with(causes),
                "{line}"
            );
        }
    }

    #[test]
    fn profiles_are_read_as_the_cli_reads_them() {
        let config = "[default]\nregion=us-east-1\n[profile dev]\n[sso-session corp]\n[ profile  prod ]\n[services x]\n";
        assert_eq!(sections(config, true), ["default", "dev", "prod"]);
        assert_eq!(sections("[ci]\n[default]\n", false), ["ci", "default"]);
    }
}
