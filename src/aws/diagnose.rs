//! Setup failures in one human line with the command that fixes it: what the SDK says when
//! credentials cannot be found, a profile does not exist, an SSO session expired, a key was
//! rejected or a clock is off — read from its words, which `classify` keeps whole.

/// The setup failures picket names, in the order of the README's troubleshooting table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cause {
    NoCredentials,
    MissingProfile,
    SsoLogin,
    SsoSessionUndefined,
    CredentialProcess,
    MfaCode,
    SessionExpired,
    ClockSkew,
    UnknownKey,
    OptInRegion,
    WrongSecret,
    MissingPermission,
    ServiceControlPolicy,
    PermissionsBoundary,
    AssumeRole,
    GuardDutyOff,
    SecurityHubOff,
    Dns,
    Refused,
    Proxy,
    TlsInterception,
    Timeout,
    Network,
}

impl Cause {
    pub const ALL: [Cause; 23] = [
        Cause::NoCredentials,
        Cause::MissingProfile,
        Cause::SsoLogin,
        Cause::SsoSessionUndefined,
        Cause::CredentialProcess,
        Cause::MfaCode,
        Cause::SessionExpired,
        Cause::ClockSkew,
        Cause::UnknownKey,
        Cause::OptInRegion,
        Cause::WrongSecret,
        Cause::MissingPermission,
        Cause::ServiceControlPolicy,
        Cause::PermissionsBoundary,
        Cause::AssumeRole,
        Cause::GuardDutyOff,
        Cause::SecurityHubOff,
        Cause::Dns,
        Cause::Refused,
        Cause::Proxy,
        Cause::TlsInterception,
        Cause::Timeout,
        Cause::Network,
    ];

    /// What went wrong, as the troubleshooting table names it.
    pub fn title(self) -> &'static str {
        match self {
            Cause::NoCredentials => "No credentials anywhere",
            Cause::MissingProfile => "The profile does not exist",
            Cause::SsoLogin => "SSO session expired or never started",
            Cause::SsoSessionUndefined => "The profile's sso-session is not defined",
            Cause::CredentialProcess => "credential_process fails",
            Cause::MfaCode => "MFA code missing or refused",
            Cause::SessionExpired => "Session credentials expired",
            Cause::ClockSkew => "The clock is off",
            Cause::UnknownKey => "Unknown access key",
            Cause::OptInRegion => "Opt-in region not enabled",
            Cause::WrongSecret => "Wrong secret key",
            Cause::MissingPermission => "A permission is missing",
            Cause::ServiceControlPolicy => "Denied by a service control policy",
            Cause::PermissionsBoundary => "Outside a permissions boundary",
            Cause::AssumeRole => "A role cannot be assumed",
            Cause::GuardDutyOff => "GuardDuty not enabled",
            Cause::SecurityHubOff => "Security Hub not enabled",
            Cause::Dns => "The endpoint's name does not resolve",
            Cause::Refused => "Nothing listens at the endpoint",
            Cause::Proxy => "The proxy refuses",
            Cause::TlsInterception => "TLS interception",
            Cause::Timeout => "No answer in time",
            Cause::Network => "Another network failure",
        }
    }
}

/// The names of the profiles the AWS CLI would offer.
pub fn profiles() -> Vec<String> {
    super::profiles::read()
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// The one line for a credentials failure, from the SDK's words (`raw`), the profile in use
/// and the profiles that exist (`known`, read only when a profile may be missing: a failing
/// source reports at every retry); None when the words are none of the known kinds.
pub fn credentials(
    raw: &str,
    profile: Option<&str>,
    region: Option<&str>,
    known: impl Fn() -> Vec<String>,
) -> Option<(Cause, String)> {
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
        return Some((
            Cause::MissingProfile,
            format!(
                "profile '{missing}' does not exist in ~/.aws/config or ~/.aws/credentials ({})",
                list(&known())
            ),
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
            return Some((
                Cause::MissingProfile,
                format!(
                    "profile '{p}' does not exist in ~/.aws/config or ~/.aws/credentials ({})",
                    list(&known)
                ),
            ));
        }
    }
    if text.contains("sso token has expired")
        || text.contains("cached sso token")
        || text.contains(".aws/sso/cache")
    {
        return Some((
            Cause::SsoLogin,
            format!(
                "the SSO session of profile '{named}' has expired or was never started: run {login} (a running picket reads on with the new session)"
            ),
        ));
    }
    if text.contains("sso-session named") && text.contains("was not found") {
        return Some((
            Cause::SsoSessionUndefined,
            format!(
                "profile '{named}' names an sso-session that ~/.aws/config does not define: `aws configure sso --profile {named}`"
            ),
        ));
    }
    if text.contains("no mfa code was given") {
        return Some((
            Cause::MfaCode,
            format!(
                "profile '{named}''s role asks for an MFA code (mfa_serial) and none was given: picket asks again in a minute (r asks now)"
            ),
        ));
    }
    if text.contains("with an mfa code") {
        if text.contains("multifactorauthentication") || text.contains("one time pass code") {
            return Some((
                Cause::MfaCode,
                format!(
                    "AWS refused the MFA code for profile '{named}' (MultiFactorAuthentication failed): picket asks again in a minute (r asks now)"
                ),
            ));
        }
        if let Some(denied) = raw.find("AccessDenied") {
            let (_, line) = denied_as_role(&raw[denied..]);
            return Some((Cause::AssumeRole, line));
        }
    }
    if text.contains("credential_process")
        || text.contains("credential process")
        || text.contains("external process")
    {
        return Some((
            Cause::CredentialProcess,
            format!(
                "profile '{named}''s credential_process failed: {}",
                crate::model::text::clean_line(process_words(raw), 200)
            ),
        ));
    }
    if text.contains("no providers in chain provided credentials")
        || text.contains("failed to load imds session token")
    {
        return Some((Cause::NoCredentials,
            "no AWS credentials found (looked in: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and the default profile of ~/.aws/config and ~/.aws/credentials, SSO, credential_process, web identity, the container and instance metadata): `aws configure`, `aws configure sso`, or `picket --demo` to try picket without AWS"
                .to_string(),
        ));
    }
    // AWS's own code, kept in the line: it is what a search finds.
    let code = code_of(raw);
    let said = |fallback: &str| format!("({})", code.unwrap_or(fallback));
    if text.contains("expiredtoken") || text.contains("token included in the request is expired") {
        return Some((
            Cause::SessionExpired,
            format!(
                "the session credentials have expired {}: {login}, or fresh AWS_SESSION_TOKEN/AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
                said("ExpiredToken")
            ),
        ));
    }
    if let Some(skew) = clock_skew(raw) {
        return Some((
            Cause::ClockSkew,
            format!(
                "AWS refused the request's signature because this machine's clock is off by {skew}: set the time (`timedatectl set-ntp true`, or the host's NTP)"
            ),
        ));
    }
    if text.contains("invalidclienttokenid")
        || text.contains("unrecognizedclient")
        || text.contains("security token included in the request is invalid")
    {
        if let Some(region) = region.filter(|r| super::regions::OPT_IN_REGIONS.contains(r)) {
            return Some((
                Cause::OptInRegion,
                format!(
                    "{region} is an opt-in region, and AWS does not accept this account's keys there {}: enable it for the account (`aws account enable-region --region-name {region}`) or leave it out of --region",
                    said("InvalidClientTokenId")
                ),
            ));
        }
        return Some((
            Cause::UnknownKey,
            format!(
                "AWS does not know this access key {} (deleted, mistyped, or from another partition), or the region is an opt-in region not enabled for the account: check profile '{named}'s keys (`aws sts get-caller-identity --profile {named}`) and the region",
                said("InvalidClientTokenId")
            ),
        ));
    }
    if text.contains("signaturedoesnotmatch") || text.contains("invalidsignature") {
        let whose = match profile {
            Some(p) => format!("of profile '{p}'"),
            None => "in use (AWS_SECRET_ACCESS_KEY, or the default profile's)".to_string(),
        };
        return Some((
            Cause::WrongSecret,
            format!(
                "AWS refused the request's signature {}: the secret key {whose} does not match its access key; set it again (`aws configure --profile {named}`)",
                said("SignatureDoesNotMatch")
            ),
        ));
    }
    None
}

/// An AssumeRole denied inside a credentials provider, from AWS's words.
fn denied_as_role(words: &str) -> (Cause, String) {
    let message = words.strip_prefix("AccessDenied: ").unwrap_or(words);
    denied(
        "sts:AssumeRole",
        &crate::model::text::clean_line(message, 300),
    )
}

/// An access denied in one line: whose policy denies it when AWS says (an organization's
/// service control policy, a permissions boundary, a role's trust policy), else the missing
/// permission; AWS's words follow.
pub fn denied(action: &str, message: &str) -> (Cause, String) {
    let lower = message.to_ascii_lowercase();
    if action == "sts:AssumeRole" || lower.contains("perform: sts:assumerole") {
        let role = between(message, "on resource: ", " ")
            .or_else(|| message.split("on resource: ").nth(1))
            .map(|r| r.trim_end_matches(['.', ','].as_ref()))
            .unwrap_or("the role");
        return (
            Cause::AssumeRole,
            format!(
                "cannot assume {role}: its trust policy must name the caller, and the caller needs sts:AssumeRole on it: {message}"
            ),
        );
    }
    if lower.contains("service control policy") {
        return (
            Cause::ServiceControlPolicy,
            format!(
                "{action} is denied by a service control policy of the organization (an SCP), not by the role: the organization's administrators must allow it: {message}"
            ),
        );
    }
    if lower.contains("permissions boundary") {
        return (
            Cause::PermissionsBoundary,
            format!(
                "{action} is outside the role's permissions boundary: the boundary must allow it as well as the role's policy: {message}"
            ),
        );
    }
    (
        Cause::MissingPermission,
        format!("missing permission {action}: {message}"),
    )
}

/// AWS could not be reached: which part of the way failed, from the connector's words (DNS,
/// nothing listening, a proxy, a TLS certificate that is not AWS's), then those words.
pub fn unreachable(action: &str, causes: &str) -> (Cause, String) {
    let lower = causes.to_ascii_lowercase();
    let (cause, why) = if lower.contains("dns error") || lower.contains("failed to lookup address")
    {
        (
            Cause::Dns,
            "the endpoint's name does not resolve (DNS): check the network and resolver, or --endpoint-url",
        )
    } else if lower.contains("certificate") || lower.contains("unknownissuer") {
        (
            Cause::TlsInterception,
            "the endpoint's TLS certificate is not AWS's: a proxy intercepting TLS? trust its CA (SSL_CERT_FILE) or go around it",
        )
    } else if lower.contains("proxy") || lower.contains(" 407") {
        (
            Cause::Proxy,
            "the proxy refused (HTTPS_PROXY, NO_PROXY): check its address and credentials",
        )
    } else if lower.contains("connection refused") {
        (
            Cause::Refused,
            "nothing listens there (connection refused): a firewall, a needed proxy (HTTPS_PROXY), or a wrong --endpoint-url",
        )
    } else if lower.contains("timed out") || lower.contains("timeout") {
        (
            Cause::Timeout,
            "no answer in time: a firewall dropping the traffic, or a slow network",
        )
    } else {
        (Cause::Network, "the network")
    };
    (
        cause,
        format!("{action}: cannot reach AWS: {why}: {causes}"),
    )
}

/// GuardDuty has no detector in `region`: the command that makes one.
pub fn guardduty_off(region: &str) -> (Cause, String) {
    (
        Cause::GuardDutyOff,
        format!(
            "GuardDuty is not enabled in {region}: `aws guardduty create-detector --enable --region {region}`, or from the organization's GuardDuty administrator"
        ),
    )
}

/// Security Hub is not subscribed (in `region`, when known): the command that enables it.
pub fn securityhub_off(region: Option<&str>) -> (Cause, String) {
    let line = match region {
        Some(region) => format!(
            "Security Hub is not enabled in {region}: `aws securityhub enable-security-hub --region {region}`, or from the organization's Security Hub administrator"
        ),
        None => "Security Hub is not enabled: `aws securityhub enable-security-hub`, or from the organization's Security Hub administrator".to_string(),
    };
    (Cause::SecurityHubOff, line)
}

/// A credential_process failure from where the SDK names the process on: the chain before it
/// ("an error occurred while loading credentials") says nothing more.
fn process_words(raw: &str) -> &str {
    let lower = raw.to_ascii_lowercase();
    [
        "external process",
        "credential_process",
        "credential process",
    ]
    .iter()
    .filter_map(|w| lower.find(w))
    .min()
    .map_or(raw, |at| &raw[at..])
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
    // "X is now earlier than Y (Z - 15 min.)": X is the request's time, Z AWS's; without Z,
    // Y is AWS's time less the window it allows.
    let seconds = match stamps[..] {
        [request, _, aws, ..] => (aws.as_second() - request.as_second()).abs(),
        [request, limit] => (limit.as_second() - request.as_second()).abs(),
        _ => return Some("more than 5 minutes".to_string()),
    };
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
                "this machine's clock is off by 20 min",
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
            let line = credentials(raw, *profile, None, || known.clone())
                .map(|(_, line)| line)
                .unwrap_or_default();
            assert!(
                line.contains(expected),
                "{raw}\n→ {line}\nwanted: {expected}"
            );
            assert!(!line.contains('\u{1b}'), "{line}");
        }
        assert_eq!(
            credentials("ThrottlingException", None, None, || known.clone()),
            None
        );
    }

    #[test]
    fn a_denial_says_whose_policy_denies_it() {
        let (_, scp) = denied(
            "guardduty:ListFindings",
            "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: guardduty:ListFindings on resource: d with an explicit deny in a service control policy",
        );
        assert!(
            scp.starts_with("guardduty:ListFindings is denied by a service control policy"),
            "{scp}"
        );
        let (_, boundary) = denied(
            "securityhub:GetFindings",
            "User: u is not authorized to perform: securityhub:GetFindings because no permissions boundary allows the securityhub:GetFindings action",
        );
        assert!(
            boundary
                .starts_with("securityhub:GetFindings is outside the role's permissions boundary"),
            "{boundary}"
        );
        let (_, assume) = denied(
            "sts:AssumeRole",
            "User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::2:role/picket-read",
        );
        assert!(
            assume.starts_with("cannot assume arn:aws:iam::2:role/picket-read: its trust policy must name the caller"),
            "{assume}"
        );
        assert_eq!(
            denied("guardduty:ListFindings", "no"),
            (
                Cause::MissingPermission,
                "missing permission guardduty:ListFindings: no".to_string()
            )
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
            let (_, line) = unreachable("sts:GetCallerIdentity", causes);
            assert!(
                line.starts_with("sts:GetCallerIdentity: cannot reach AWS: ")
                    && line.contains(said)
                    && line.ends_with(causes),
                "{line}"
            );
        }
    }
}
