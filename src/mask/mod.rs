//! Presenter mode: who and where, masked consistently.
//!
//! On a projector or in a pasted handoff, account ids and names, OU names, addresses, principals,
//! e-mail addresses, buckets and hosts are replaced by stand-ins that stay the same for the
//! whole session (`acct-C` is always the same account, `192.0.2.7` always the same address), so
//! the story of an incident still reads true. Severities, types, counts and times are not
//! touched.
//!
//! Two kinds of identifier are found: those with a shape ([`patterns`]: ARNs, addresses,
//! twelve-digit ids, e-mail, host names, access keys) anywhere in any text, and names nothing
//! recognizes by shape ([`names`]: an account's name, a user, a bucket), learned from the fields
//! that hold them — the organization's directory, every finding and log record shown — and then
//! found in any text. Masking is applied to text before it is cut to fit, so a stand-in is never
//! half of a real value.

mod names;
mod patterns;
mod pseudonym;

use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::model::{Directory, Finding};
pub use pseudonym::Class;

/// The session's stand-ins. Shared behind `&` (drawing learns what it shows), so the state is
/// behind a lock; one thread draws, so it is never contended.
#[derive(Debug, Default)]
pub struct Mask {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    given: pseudonym::Pseudonyms,
    names: names::Names,
    /// Accounts learned from the directory, so a grown directory is read again.
    directory_len: usize,
    /// Principals learned from the store's table, likewise.
    principals_len: usize,
    /// Records already learned from (hashes of their text): a record drawn every frame is
    /// read once.
    records: std::collections::HashSet<u64>,
}

impl Mask {
    pub fn new() -> Mask {
        Mask::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while masking leaves the tables as they were: still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `text` with every identifier replaced by its stand-in.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut state = self.state();
        let State { given, names, .. } = &mut *state;
        let shaped = patterns::mask(text, given, names);
        let found = names.find(&shaped);
        if found.is_empty() {
            return shaped;
        }
        let mut out = String::with_capacity(shaped.len());
        let mut at = 0;
        for (range, class) in found {
            out.push_str(&shaped[at..range.start]);
            out.push_str(given.of(class, &shaped[range.clone()]));
            at = range.end;
        }
        out.push_str(&shaped[at..]);
        Cow::Owned(out)
    }

    /// Learns `value` as a name of this kind, so it is masked wherever it appears.
    pub fn learn(&self, class: Class, value: &str) {
        self.state().names.learn(class, value);
    }

    /// Learns who a principal label names: `AdminRole/carol-session` is a role and a session,
    /// `carol` a user.
    pub fn learn_principal(&self, principal: &str) {
        let mut state = self.state();
        match principal.split_once('/') {
            Some((role, session)) => {
                state.names.learn(Class::Role, role);
                state.names.learn(Class::User, session);
            }
            None => {
                state.names.learn(Class::User, principal);
            }
        }
    }

    /// Learns an account's name as the record states it: it gets the id's stand-in.
    pub fn learn_account(&self, id: &str, name: &str) {
        let mut state = self.state();
        let State { given, names, .. } = &mut *state;
        if let Some(name) = names.learn(Class::Account, name) {
            given.alias(Class::Account, name, id);
        }
    }

    /// Learns every principal of the store's table not learned yet (it only grows).
    pub fn learn_principals(&self, principals: &crate::store::Interner) {
        if self.state().principals_len == principals.len() {
            return;
        }
        for (_, principal) in principals.iter() {
            self.learn_principal(principal);
        }
        self.state().principals_len = principals.len();
    }

    /// Learns the names a queue entry shows without its record being read: the account's name
    /// as the record states it, the principal, the buckets, users and roles among its resources.
    pub fn learn_entry(&self, store: &crate::store::FindingStore, ix: crate::store::EntryIx) {
        let Some(s) = store.summary(ix) else {
            return;
        };
        if s.account_name != crate::store::NONE {
            self.learn_account(
                store.accounts.name(s.account),
                store.account_names.name(s.account_name),
            );
        }
        if s.principal != crate::store::NONE {
            self.learn_principal(store.principals.name(s.principal));
        }
        for resource in store.resources(ix) {
            let class = match store.resource_kinds.name(resource.kind) {
                "AwsS3Bucket" | "S3Bucket" => Class::Bucket,
                "AwsIamUser" => Class::User,
                "AwsIamRole" => Class::Role,
                _ => continue,
            };
            let id = resource.arn.unwrap_or(resource.id);
            self.learn(class, crate::store::short_name(id));
        }
    }

    /// Masks what leaves picket as text: JSON value by value (it stays JSON), anything else
    /// as text.
    pub fn outgoing(&self, text: &str) -> String {
        match serde_json::from_str::<Value>(text) {
            Ok(value @ (Value::Object(_) | Value::Array(_))) => {
                let masked = self.json(&value);
                let pretty = text.trim_start().starts_with(['{', '[']) && text.contains('\n');
                let out = if pretty {
                    serde_json::to_string_pretty(&masked)
                } else {
                    serde_json::to_string(&masked)
                };
                match out {
                    // Characters the record's strings hid stay escapes, as in the unmasked copy.
                    Ok(json) => crate::model::text::json_inert(&json).into_owned(),
                    Err(_) => self.text(text).into_owned(),
                }
            }
            _ => self.text(text).into_owned(),
        }
    }

    /// Learns the names a record's JSON text holds, once per record.
    pub fn learn_record(&self, text: &str) {
        use std::hash::BuildHasher;
        let fingerprint = foldhash::fast::FixedState::with_seed(0).hash_one(text);
        if !self.state().records.insert(fingerprint) {
            return;
        }
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            self.learn_json(&value);
        }
    }

    /// Learns the organization's accounts: an account's name gets its id's stand-in.
    pub fn learn_directory(&self, directory: &Directory) {
        let mut state = self.state();
        if state.directory_len == directory.len() {
            return;
        }
        state.directory_len = directory.len();
        // In id order: the letters are the same in every run.
        let mut accounts: Vec<_> = directory.iter().collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        for account in accounts {
            let State { given, names, .. } = &mut *state;
            if let Some(name) = names.learn(Class::Account, &account.name) {
                given.alias(Class::Account, name, &account.id);
            }
        }
    }

    /// The stand-in for one OU path: every part of `Workloads/Production` masked as an OU.
    /// OU names are masked where picket shows an OU, not searched for in text: they are
    /// everyday words (`Security`, `Production`) that findings use in other senses.
    pub fn ou_path(&self, path: &str) -> String {
        let mut state = self.state();
        path.split('/')
            .map(|part| {
                if part.is_empty() {
                    String::new()
                } else {
                    state.given.of(Class::Ou, part).to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Learns the names a finding's fields hold: its account, its principals, its buckets, the
    /// domain it queried, who wrote its notes.
    pub fn learn_finding(&self, finding: &Finding) {
        let mut state = self.state();
        let State { given, names, .. } = &mut *state;
        if let Some(name) = finding.account_name.as_deref()
            && let Some(name) = names.learn(Class::Account, name)
        {
            given.alias(Class::Account, name, &finding.account_id);
        }
        for resource in &finding.resources {
            let short = crate::store::short_name(resource.arn.as_deref().unwrap_or(&resource.id));
            match resource.kind.as_str() {
                "AwsS3Bucket" | "S3Bucket" => {
                    names.learn(Class::Bucket, short);
                }
                "AwsIamUser" => {
                    names.learn(Class::User, short);
                }
                "AwsIamRole" => {
                    names.learn(Class::Role, short);
                }
                _ => {}
            }
            for (label, value) in &resource.details {
                match label.as_str() {
                    "user" | "principal" | "owner" => {
                        for part in value.split([':', '/']) {
                            names.learn(Class::User, part);
                        }
                    }
                    _ => {}
                }
            }
        }
        if let Some(activity) = &finding.activity {
            for user in [&activity.user_name, &activity.principal]
                .into_iter()
                .flatten()
            {
                for part in user.split([':', '/']) {
                    names.learn(Class::User, part);
                }
            }
            if activity.action.as_deref() == Some("DNS_REQUEST")
                && let Some(domain) = &activity.api
            {
                names.learn(Class::Host, domain);
            }
        }
        for note in &finding.notes {
            for part in note.updated_by.split([':', '/']) {
                names.learn(Class::User, part);
            }
        }
        drop(state);
        if let Some(principal) = finding.principal() {
            self.learn_principal(&principal);
        }
        // Once per record: a detail drawn every frame learns its record once.
        self.learn_record(&finding.raw.as_delivered());
    }

    /// Learns the names a record's fields hold, by the keys AWS's formats put them under
    /// (GuardDuty, ASFF, OCSF, CloudTrail).
    pub fn learn_json(&self, value: &Value) {
        let mut state = self.state();
        learn_json(&mut state.names, value, None);
    }

    /// A copy of `value` with every string (and key) masked; learns its names first.
    pub fn json(&self, value: &Value) -> Value {
        self.learn_json(value);
        self.mask_json(value)
    }

    fn mask_json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s).into_owned()),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.mask_json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.text(k).into_owned(), self.mask_json(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The class of the name a key holds, where the key says (`userName`, `AwsAccountName`,
/// `domain`, OCSF's `user.name`…). `parent` is the key of the object holding it.
fn class_of_key(key: &str, parent: Option<&str>) -> Option<Class> {
    let key = key.to_ascii_lowercase();
    let parent = parent.map(str::to_ascii_lowercase);
    Some(match (key.as_str(), parent.as_deref()) {
        ("username" | "principalname" | "sessionname" | "displayname" | "invokedby", _) => {
            Class::User
        }
        ("accountname" | "awsaccountname", _) => Class::Account,
        ("bucketname", _) => Class::Bucket,
        ("name", Some("s3bucketdetails" | "bucket")) => Class::Bucket,
        ("name", Some("user" | "actor" | "owner" | "useridentity")) => Class::User,
        ("name", Some("account")) => Class::Account,
        ("domain" | "hostname" | "dnsname" | "privatednsname" | "publicdnsname" | "fqdn", _) => {
            Class::Host
        }
        _ => return None,
    })
}

fn learn_json(names: &mut names::Names, value: &Value, parent: Option<&str>) {
    match value {
        Value::Array(items) => {
            for item in items {
                learn_json(names, item, parent);
            }
        }
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::String(s) => {
                        if let Some(class) = class_of_key(key, parent) {
                            names.learn(class, s);
                        }
                    }
                    Value::Array(items) if class_of_key(key, parent).is_some() => {
                        for item in items.iter().filter_map(Value::as_str) {
                            if let Some(class) = class_of_key(key, parent) {
                                names.learn(class, item);
                            }
                        }
                    }
                    other => learn_json(names, other, Some(key)),
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
