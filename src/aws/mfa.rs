//! Profiles whose role asks for an MFA code (`role_arn` with `mfa_serial`), as the AWS CLI
//! reads them (the Rust SDK ignores `mfa_serial`): picket asks for the code — on the terminal
//! before the TUI starts, in a prompt inside it when the session expires — and assumes the
//! role with it, using the `source_profile`'s credentials (or the default chain's).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};
use tokio::sync::Mutex;

use crate::model::profile::Profile;

/// After a code was declined or refused, sources fail at once for this long instead of each
/// asking again (one prompt, not one per source), unless the analyst refreshes (`r`).
const QUIET_AFTER_NO: Duration = Duration::from_secs(60);
/// Held credentials are renewed this long before they expire.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// Credentials from assuming a profile's role with an MFA code.
#[derive(Debug)]
pub struct MfaRole {
    profile: String,
    role_arn: String,
    serial: String,
    external_id: Option<String>,
    duration_seconds: Option<i32>,
    sts: aws_sdk_sts::Client,
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    credentials: Option<Credentials>,
    /// When the last code was declined or refused, in which round of asking, and why.
    refused: Option<(Instant, u64, String)>,
}

impl MfaRole {
    /// The profile's role, assumed with credentials from `source` (its `source_profile`).
    pub fn new(profile: &Profile, source: &aws_config::SdkConfig) -> Option<Arc<MfaRole>> {
        Some(Arc::new(MfaRole {
            profile: profile.name.clone(),
            role_arn: profile.get("role_arn")?.to_string(),
            serial: profile.get("mfa_serial")?.to_string(),
            external_id: profile.get("external_id").map(str::to_string),
            duration_seconds: profile.get("duration_seconds").and_then(|d| d.parse().ok()),
            sts: aws_sdk_sts::Client::new(source),
            held: Mutex::new(Held::default()),
        }))
    }

    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        // One question at a time: every source waits on the same answer.
        let mut held = self.held.lock().await;
        if let Some(credentials) = held.credentials.as_ref().filter(|c| fresh(c)) {
            return Ok(credentials.clone());
        }
        if let Some((at, round, why)) = &held.refused
            && at.elapsed() < QUIET_AFTER_NO
            && *round == crate::ask::round()
        {
            return Err(CredentialsError::not_loaded(why.clone()));
        }
        let question = format!("MFA code for {} (profile {})", self.serial, self.profile);
        let Some(code) = crate::ask::ask(&question).await else {
            let why = format!(
                "no MFA code was given for profile '{}' (mfa_serial {})",
                self.profile, self.serial
            );
            held.refused = Some((Instant::now(), crate::ask::round(), why.clone()));
            return Err(CredentialsError::not_loaded(why));
        };
        let mut request = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(super::org::session_name())
            .serial_number(&self.serial)
            .token_code(code.trim());
        if let Some(id) = &self.external_id {
            request = request.external_id(id);
        }
        if let Some(seconds) = self.duration_seconds {
            request = request.duration_seconds(seconds);
        }
        let assumed = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                let why = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
                let why = format!("assuming {} with an MFA code: {why}", self.role_arn);
                held.refused = Some((Instant::now(), crate::ask::round(), why.clone()));
                return Err(CredentialsError::provider_error(why));
            }
        };
        let Some(c) = assumed.credentials() else {
            return Err(CredentialsError::unhandled(
                "AssumeRole answered without credentials",
            ));
        };
        let expiry = SystemTime::try_from(*c.expiration()).ok();
        let credentials = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "picket-mfa",
        );
        held.refused = None;
        held.credentials = Some(credentials.clone());
        Ok(credentials)
    }
}

/// Good for a while yet.
fn fresh(credentials: &Credentials) -> bool {
    credentials
        .expiry()
        .is_none_or(|at| at > SystemTime::now() + RENEW_BEFORE)
}

/// A profile's [`MfaRole`] as the SDK's credentials provider: one per profile for the whole
/// process, shared by every client.
#[derive(Clone, Debug)]
pub struct Shared(pub Arc<MfaRole>);

impl ProvideCredentials for Shared {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.0.credentials())
    }
}
