//! Saved views: a filter and a sort under a name, applied with `:view NAME` and saved into the
//! config with `:view save NAME` (the config writes them; the app says what they are).

use crate::store::SortKey;

/// A saved filter from the config, applied with `:view NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedView {
    pub filter: String,
    pub sort: Option<SortKey>,
}

/// Why a view was not written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveError {
    /// The file has a view of that name (`:view save! NAME` replaces it).
    Exists,
    /// The file could not be read, parsed or written: why, one line naming the file.
    Failed(String),
}

/// A view name `:view` can apply and `[views.NAME]` holds as a bare key: letters, digits, `-`
/// and `_`, at most 64, and not `save` (the command's own word). Says why not.
pub fn check_view_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 {
        return Err("a view name has 1 to 64 characters".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "'{}' cannot be in a view name: letters, digits, - and _ only",
            bad.escape_default()
        ));
    }
    if name.eq_ignore_ascii_case("save") {
        return Err("'save' is the command's own word, not a view name".into());
    }
    Ok(())
}
