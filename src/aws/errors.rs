//! AWS errors as health: what went wrong, in words, and what to do about it.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub use super::diagnose::Cause;

/// Error codes the SDK and services use for throttling.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "LimitExceededException",
    "RequestLimitExceeded",
    "SlowDown",
    "ProvisionedThroughputExceededException",
];

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "Forbidden",
];

const BAD_CREDENTIALS: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Throttled,
    AccessDenied,
    /// Missing, expired or rejected credentials.
    Credentials,
    /// The service is not enabled (GuardDuty has no detector, Security Hub not subscribed).
    NotEnabled,
    /// No usable answer: connection refused or broken off, DNS, timeout, or the service failing
    /// (HTTP 5xx) after the SDK's retries.
    Unreachable,
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// What a human needs: the missing permission, the command to run, the service's words.
    pub message: String,
    /// Which setup failure it is, when picket knows (the troubleshooting table's rows).
    pub cause: Option<Cause>,
    /// The SDK's own words in full, for `--verbose` and the Sources screen: never the headline.
    pub raw: Option<String>,
}

impl Failure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            cause: None,
            raw: None,
        }
    }

    /// A failure whose cause picket knows.
    pub fn because(kind: FailureKind, (cause, message): (Cause, String)) -> Failure {
        Failure {
            cause: Some(cause),
            ..Failure::new(kind, message)
        }
    }

    fn with_raw(mut self, raw: String) -> Failure {
        self.raw = Some(raw);
        self
    }

    /// Says a credentials failure in one line with its fix, knowing the profile and region in
    /// use (and the profiles that exist); a failure of no known kind keeps the SDK's words and
    /// gets the usual advice.
    pub fn explain(mut self, profile: Option<&str>, region: Option<&str>) -> Failure {
        if self.kind == FailureKind::Credentials
            && let Some((cause, line)) = super::diagnose::credentials(
                &self.message,
                profile,
                region,
                super::diagnose::profiles,
            )
        {
            self.message = line;
            self.cause = Some(cause);
            return self;
        }
        if self.kind == FailureKind::Credentials {
            let hint = match profile {
                Some(p) => format!("run `aws sso login --profile {p}` (SSO) or refresh the profile's keys"),
                None => "run `aws sso login` (SSO), or set AWS_PROFILE or fresh AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".into(),
            };
            self.message = format!("{}; {hint}", self.message);
        }
        self
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What an SDK error means for the analyst; `action` names the IAM action that was called.
pub fn classify<E>(error: &SdkError<E, HttpResponse>, action: &str) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = DisplayErrorContext(error).to_string();
    classify_words(error, action, &detail).with_raw(detail)
}

fn classify_words<E>(error: &SdkError<E, HttpResponse>, action: &str, detail: &str) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match error {
        SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
            return Failure::because(
                FailureKind::Unreachable,
                super::diagnose::unreachable(action, &causes(error)),
            );
        }
        SdkError::TimeoutError(_) => {
            return Failure::because(
                FailureKind::Unreachable,
                (
                    Cause::Timeout,
                    format!("{action}: timed out: {}", causes(error)),
                ),
            );
        }
        // The answer broke off (connection reset or closed mid-body): nothing wrong with the
        // request, the network or the service dropped it.
        SdkError::ResponseError(_) if has_io_cause(error) => {
            return Failure::new(
                FailureKind::Unreachable,
                format!(
                    "{action}: the connection broke off mid-answer: {}",
                    causes(error)
                ),
            );
        }
        SdkError::ResponseError(_) => {
            return Failure::new(
                FailureKind::Other,
                format!("{action}: the answer could not be read: {}", causes(error)),
            );
        }
        _ => {}
    }
    let code = error.code().unwrap_or("");
    let message = error.message().unwrap_or("");
    let lower = detail.to_ascii_lowercase();
    if THROTTLING.contains(&code) {
        return Failure::new(
            FailureKind::Throttled,
            format!("{action} throttled ({code}); backing off"),
        );
    }
    if DENIED.contains(&code) {
        return Failure::because(
            FailureKind::AccessDenied,
            super::diagnose::denied(action, &short(message)),
        );
    }
    if BAD_CREDENTIALS.contains(&code)
        || lower.contains("no credentials")
        || lower.contains("failed to load credentials")
        || lower.contains("credentials provider")
        || lower.contains("credential provider")
        || lower.contains("loading credentials")
        || lower.contains("credential_process")
        || lower.contains("was not defined")
        || lower.contains("token has expired")
        || lower.contains("sso token")
        || lower.contains("sso session")
        || lower.contains("retrieving credentials")
        || lower.contains("mfa code")
    {
        let what = if code.is_empty() {
            causes(error)
        } else {
            format!("{code}: {}", short(message))
        };
        return Failure::new(FailureKind::Credentials, format!("credentials: {what}"));
    }
    if code == "InvalidAccessException" && lower.contains("not subscribed") {
        return Failure::because(
            FailureKind::NotEnabled,
            super::diagnose::securityhub_off(None),
        );
    }
    if code == "AWSOrganizationsNotInUseException" {
        return Failure::new(
            FailureKind::NotEnabled,
            "this account is not in an AWS Organization".to_string(),
        );
    }
    let status = error.raw_response().map(|r| r.status().as_u16());
    match status {
        // The service (or a proxy before it) failed to answer, after the SDK's retries: what
        // was read stays current as of the last success.
        Some(status @ 500..=599) => {
            let said = [code, message]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(": ");
            let said = if said.is_empty() {
                String::new()
            } else {
                format!(" {}", short(&said))
            };
            Failure::new(
                FailureKind::Unreachable,
                format!("{action}: AWS failed to answer (HTTP {status}{said})"),
            )
        }
        // A success whose body is not what the API sends (cut short, not JSON).
        Some(200..=299) => Failure::new(
            FailureKind::Other,
            format!("{action}: the answer could not be read: {}", causes(error)),
        ),
        _ => Failure::new(
            FailureKind::Other,
            format!(
                "{action}: {}: {}",
                if code.is_empty() { "error" } else { code },
                if message.is_empty() {
                    causes(error)
                } else {
                    short(message)
                }
            ),
        ),
    }
}

/// Whether an I/O error (reset, closed, refused) is among the causes.
fn has_io_cause(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = error.source();
    while let Some(e) = cause {
        if e.is::<std::io::Error>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// How the SDK labels the layers of an error; they name no cause.
const SDK_LABELS: &[&str] = &[
    "unhandled error",
    "service error",
    "response error",
    "dispatch failure",
    "timeout",
];

/// The causes under an SDK error, in words, one line: the SDK's own top level ("service
/// error", "response error") says nothing, and its Debug form is not for people.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut said: Vec<String> = Vec::new();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !text.is_empty()
            && !SDK_LABELS.contains(&text.as_str())
            && !said.iter().any(|s| s.contains(&text))
        {
            said.push(text);
        }
        cause = e.source();
    }
    if said.is_empty() {
        said.push(error.to_string());
    }
    short(&said.join(": "))
}

/// One line, bounded: error chains can be long.
fn short(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::model::text::fit(&line, 240).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_sdk_guardduty::operation::list_findings::ListFindingsError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn answered(status: u16, code: Option<&str>, body: &str) -> Failure {
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = code {
            meta = meta.code(code).message("it failed");
        }
        let response = HttpResponse::new(
            StatusCode::try_from(status).expect("status"),
            SdkBody::from(body),
        );
        let error = SdkError::service_error(ListFindingsError::generic(meta.build()), response);
        classify(&error, "guardduty:ListFindings")
    }

    #[test]
    fn a_failing_service_or_proxy_is_an_outage_said_in_words() {
        let proxy = answered(502, None, "<html>Bad Gateway</html>");
        assert_eq!(
            (proxy.kind, proxy.message.as_str()),
            (
                FailureKind::Unreachable,
                "guardduty:ListFindings: AWS failed to answer (HTTP 502)"
            )
        );
        let service = answered(503, Some("ServiceUnavailable"), "{}");
        assert_eq!(
            service.message,
            "guardduty:ListFindings: AWS failed to answer (HTTP 503 ServiceUnavailable: it failed)"
        );
        let refused = answered(400, Some("BadRequestException"), "{}");
        assert_eq!(
            (refused.kind, refused.message.as_str()),
            (
                FailureKind::Other,
                "guardduty:ListFindings: BadRequestException: it failed"
            )
        );
    }

    #[test]
    fn credential_hints_name_the_profile() {
        let f = Failure::new(
            FailureKind::Credentials,
            "credentials: ExpiredToken: expired",
        )
        .explain(Some("sec"), None);
        assert!(
            f.message.starts_with(
                "the session credentials have expired (ExpiredToken): `aws sso login --profile sec`"
            ),
            "{}",
            f.message
        );
        // Words of no known kind keep the SDK's text, with the usual advice.
        let f = Failure::new(FailureKind::Credentials, "credentials: something new")
            .explain(Some("sec"), None);
        assert!(
            f.message
                .ends_with("run `aws sso login --profile sec` (SSO) or refresh the profile's keys")
        );
        let other = Failure::new(FailureKind::Throttled, "x").explain(Some("sec"), None);
        assert_eq!(other.message, "x");
    }
}
