//! AWS profiles as the AWS CLI's files define them: `[profile NAME]` and `[default]` of the
//! config file, `[NAME]` of the credentials file, `[sso-session NAME]` for SSO start URLs. Read
//! for `:profile` (what there is to switch to), for the MFA prompt (`mfa_serial`), and to name
//! the profiles that exist when one does not.

use std::collections::BTreeMap;

use super::text::SafeText;

/// One profile, with what picket shows and uses of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// Its properties as written (names lowercased), config file over credentials file.
    pub properties: BTreeMap<String, String>,
    /// The SSO start URL, its own or its sso-session's.
    pub sso_start_url: Option<String>,
}

impl Profile {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The account it reaches, where the files say: an SSO account or a role's ARN.
    pub fn account(&self) -> Option<String> {
        if let Some(id) = self.get("sso_account_id") {
            return Some(id.to_string());
        }
        let arn = self.get("role_arn")?;
        let account = arn.split(':').nth(4)?;
        (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
            .then(|| account.to_string())
    }

    /// How it gets credentials, in a word.
    pub fn kind(&self) -> &'static str {
        match () {
            _ if self.get("role_arn").is_some() && self.get("mfa_serial").is_some() => "role+mfa",
            _ if self.get("role_arn").is_some() => "role",
            _ if self.sso_start_url.is_some() || self.get("sso_session").is_some() => "sso",
            _ if self.get("credential_process").is_some() => "process",
            _ if self.get("aws_access_key_id").is_some() => "keys",
            _ if self.get("web_identity_token_file").is_some() => "web identity",
            _ if self.get("credential_source").is_some() => "source",
            _ => "settings",
        }
    }

    /// Assuming its role asks for an MFA code first (the AWS CLI's `mfa_serial`).
    pub fn wants_mfa(&self) -> bool {
        self.get("role_arn").is_some() && self.get("mfa_serial").is_some()
    }
}

/// A profile `:profile` offers, and whether it reaches production (its name or account matches
/// `[org] production`): switching to it is marked like acting on a production account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    pub profile: Profile,
    pub production: bool,
}

/// The profiles of a config file and a credentials file, by name: a name in both is one
/// profile (the config file's properties win, as the AWS CLI's do for settings).
pub fn parse(config: &str, credentials: &str) -> Vec<Profile> {
    let mut profiles: BTreeMap<String, Profile> = BTreeMap::new();
    let mut sessions: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (section, properties) in sections(credentials) {
        let entry = profiles.entry(section.clone()).or_default();
        entry.name = section;
        entry.properties.extend(properties);
    }
    for (section, properties) in sections(config) {
        let (kind, name) = match section.split_once(char::is_whitespace) {
            Some((kind, name)) => (kind, name.trim()),
            None if section == "default" => ("profile", "default"),
            None => continue,
        };
        match kind {
            "profile" if !name.is_empty() => {
                let entry = profiles.entry(name.to_string()).or_default();
                entry.name = name.to_string();
                entry.properties.extend(properties);
            }
            "sso-session" => {
                sessions.insert(name.to_string(), properties);
            }
            _ => {}
        }
    }
    let mut profiles: Vec<Profile> = profiles.into_values().collect();
    for profile in &mut profiles {
        profile.sso_start_url = profile
            .get("sso_start_url")
            .map(str::to_string)
            .or_else(|| {
                let session = sessions.get(profile.get("sso_session")?)?;
                session.get("sso_start_url").cloned()
            });
    }
    profiles
}

/// The sections of an INI text and their `key = value` lines: names are made inert (they reach
/// the terminal), keys lowercased; comments, blank lines and nested values are skipped.
fn sections(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut out: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(inner) = trimmed.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = inner.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push((SafeText::line(&name).to_string(), BTreeMap::new()));
            continue;
        }
        // An indented line continues a nested value (`s3 =` sub-settings): not a property.
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        if let (Some((_, properties)), Some((key, value))) =
            (out.last_mut(), trimmed.split_once('='))
        {
            properties.insert(
                key.trim().to_ascii_lowercase(),
                SafeText::line(value.trim()).to_string(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_as_the_cli_reads_them() {
        let config = "\
[default]
region = us-east-1
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
[ profile  prod-admin ]
role_arn = arn:aws:iam::444455556666:role/Admin
source_profile = default
mfa_serial = arn:aws:iam::111122223333:mfa/alice
# a comment
s3 =
  max_concurrent_requests = 20
[services x]
endpoint_url = http://localhost
";
        let credentials =
            "[default]\naws_access_key_id = AKIAEXAMPLE\n[ci]\naws_access_key_id = AKIA2\n";
        let profiles = parse(config, credentials);
        let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ci", "default", "dev", "prod-admin"]);
        let by = |name: &str| profiles.iter().find(|p| p.name == name).expect(name);
        assert_eq!(by("default").kind(), "keys");
        assert_eq!(by("default").get("region"), Some("us-east-1"));
        assert_eq!(by("dev").kind(), "sso");
        assert_eq!(by("dev").account().as_deref(), Some("111122223333"));
        assert_eq!(
            by("dev").sso_start_url.as_deref(),
            Some("https://corp.awsapps.com/start")
        );
        assert_eq!(by("prod-admin").kind(), "role+mfa");
        assert!(by("prod-admin").wants_mfa());
        assert_eq!(by("prod-admin").account().as_deref(), Some("444455556666"));
        assert_eq!(by("prod-admin").get("max_concurrent_requests"), None);
    }

    #[test]
    fn names_from_the_files_are_inert() {
        let profiles = parse("[profile a\u{1b}[2Jb]\nregion = x\u{7}\n", "");
        assert!(!profiles[0].name.contains('\u{1b}'));
        assert!(
            !profiles[0]
                .get("region")
                .unwrap_or_default()
                .contains('\u{7}')
        );
    }
}
