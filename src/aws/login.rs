//! Before the TUI starts: an SSO profile whose session expired (or never started) is offered
//! the AWS CLI's login, the way an analyst would run it — the device authorization, which
//! prints a URL and a code and waits, so it works over SSH — instead of a screen of errors.

use std::io::{BufRead, IsTerminal, Write};
use std::process::Command;

use aws_credential_types::provider::ProvideCredentials;

use super::Target;
use super::diagnose::{self, Cause};

/// The profile picket will read with: `--profile`, else `AWS_PROFILE`, else `default`.
fn profile_name(target: &Target) -> String {
    target
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".into())
}

/// Resolves the credentials of an SSO or MFA profile once, before the TUI: an MFA code is
/// asked for on the terminal (the profile's provider asks), and an SSO profile that needs
/// `aws sso login` answers picket's line saying so. Other profiles are left to the sources (a
/// chain that ends at instance metadata can take seconds to fail).
pub async fn sso_login_needed(target: &Target) -> Option<(String, String)> {
    let name = profile_name(target);
    let profile = super::profiles::find(&name)?;
    if profile.kind() != "sso" && !profile.wants_mfa() {
        return None;
    }
    let config = super::sdk_config(target, target.regions.first().map(String::as_str)).await;
    let error = config
        .credentials_provider()?
        .provide_credentials()
        .await
        .err()?;
    let words = aws_smithy_types::error::display::DisplayErrorContext(&error).to_string();
    match diagnose::credentials(&words, Some(&name), None, Vec::new) {
        Some((Cause::SsoLogin, line)) => Some((name, line)),
        _ => None,
    }
}

/// Says `line` and offers to run the login on this terminal; returns when it is done, declined
/// or impossible (then says exactly what to run). Never asks where nobody can answer.
pub fn offer_sso_login(profile: &str, line: &str) {
    let mut err = std::io::stderr();
    let _ = writeln!(err, "picket: {line}");
    if !std::io::stdin().is_terminal() {
        return;
    }
    let command = login_command(profile);
    let shown = command.join(" ");
    let _ = write!(err, "picket: run `{shown}` now? [Y/n] ");
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return;
    }
    if !matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "" | "y" | "yes"
    ) {
        let _ = writeln!(
            err,
            "picket: starting without a session; `{shown}` starts one"
        );
        return;
    }
    match Command::new(&command[0]).args(&command[1..]).status() {
        Ok(status) if status.success() => {}
        Ok(status) => {
            let _ = writeln!(
                err,
                "picket: `{shown}` failed ({status}); picket starts and says what is wrong"
            );
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "picket: cannot run the AWS CLI ({e}): run `aws sso login --profile {profile}` where it is installed (picket reads its token cache, ~/.aws/sso/cache, and reads on once it is there)"
            );
        }
    }
}

/// `aws sso login --profile NAME`, with the device authorization where the installed AWS CLI
/// would otherwise use a browser on this machine (2.22 and later).
fn login_command(profile: &str) -> Vec<String> {
    let mut command: Vec<String> = ["aws", "sso", "login", "--profile", profile]
        .map(str::to_string)
        .to_vec();
    let version = Command::new("aws")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if uses_browser_by_default(&version) {
        command.push("--use-device-code".into());
    }
    command
}

/// AWS CLI 2.22 made the browser (PKCE) flow the default; the device code needs a flag there.
fn uses_browser_by_default(version: &str) -> bool {
    let Some(number) = version
        .split_whitespace()
        .next()
        .and_then(|v| v.strip_prefix("aws-cli/"))
    else {
        return false;
    };
    let mut parts = number.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    major > 2 || (major == 2 && minor >= 22)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_device_code_flag_is_given_only_to_clis_that_know_it() {
        use super::uses_browser_by_default as browser;
        assert!(browser("aws-cli/2.22.0 Python/3.12.6 Linux/6 exe/x86_64"));
        assert!(browser("aws-cli/2.31.4 Python/3.13"));
        assert!(!browser("aws-cli/2.15.30 Python/3.11.8"));
        assert!(!browser("aws-cli/1.45.11 Python/3.11.7"));
        assert!(!browser(""));
    }
}
