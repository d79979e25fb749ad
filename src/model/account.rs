//! Accounts of the organization: names and OU paths instead of raw ids.

use std::collections::HashMap;

use serde::Serialize;

use super::text::SafeText;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Account {
    pub id: SafeText,
    pub name: SafeText,
    /// OU path from the root, `Production/Payments`; empty for accounts directly under the root.
    pub ou_path: SafeText,
    /// Production accounts get a badge and an accent everywhere.
    pub production: bool,
}

/// Id → account, filled by whatever knows the organization (the demo, Organizations, config).
#[derive(Clone, Debug, Default)]
pub struct Directory {
    by_id: HashMap<Box<str>, Account>,
}

impl Directory {
    pub fn insert(&mut self, account: Account) {
        self.by_id.insert(account.id.as_str().into(), account);
    }

    pub fn get(&self, id: &str) -> Option<&Account> {
        self.by_id.get(id)
    }

    /// Whether an action on this account is confirmed as one on production: production
    /// accounts, and accounts picket cannot place (not in the directory). Not knowing an
    /// account is no reason to ask for less.
    pub fn counts_as_production(&self, id: &str) -> bool {
        self.get(id).is_none_or(|a| a.production)
    }

    /// The account's name, or its id when unknown.
    pub fn name_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.get(id).map(|a| a.name.as_str()).unwrap_or(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.by_id.values()
    }
}
