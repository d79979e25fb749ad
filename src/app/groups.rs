//! The log group picker (`o` on the logs screen): type a prefix, the groups starting with it are
//! listed (DescribeLogGroups), Space picks up to ten, Enter tails them. The choice is
//! remembered per profile in the state directory.

use std::collections::BTreeSet;

use super::keys::{Key, KeyCode};
use super::prompt::LineEditor;
use super::{App, Effect, Modal, NoticeLevel};

/// StartLiveTail takes at most ten groups.
pub const MOST_GROUPS: usize = crate::limits::LOG_GROUPS;

#[derive(Clone, Debug, PartialEq)]
pub struct GroupPicker {
    pub prefix: LineEditor,
    /// Groups found for the prefix, in name order.
    pub found: Vec<String>,
    pub chosen: BTreeSet<String>,
    pub cursor: usize,
    pub loading: bool,
    pub error: Option<String>,
    /// More groups start with the prefix than are listed.
    pub more: bool,
}

/// Opens the picker with the groups tailed now already chosen.
pub fn open(app: &mut App, current: Vec<String>) -> Vec<Effect> {
    let picker = GroupPicker {
        prefix: LineEditor::default(),
        found: Vec::new(),
        chosen: current.into_iter().collect(),
        cursor: 0,
        loading: true,
        error: None,
        more: false,
    };
    app.modal = Some(Modal::Groups(picker));
    vec![Effect::ListGroups(String::new())]
}

/// The groups found for `prefix` (answers to an older prefix are dropped); answers whether
/// the picker shows them.
pub fn listed(app: &mut App, prefix: &str, result: Result<Vec<String>, String>) -> bool {
    let Some(Modal::Groups(picker)) = &mut app.modal else {
        return false;
    };
    if picker.prefix.text() != prefix {
        return false;
    }
    picker.loading = false;
    match result {
        Ok(mut found) => {
            found.sort();
            found.dedup();
            picker.more = found.len() > crate::limits::GROUPS_LISTED;
            found.truncate(crate::limits::GROUPS_LISTED);
            picker.found = found;
            picker.cursor = picker.cursor.min(picker.found.len().saturating_sub(1));
            picker.error = None;
        }
        Err(e) => picker.error = Some(crate::model::SafeText::line(&e).to_string()),
    }
    true
}

pub fn on_key(app: &mut App, key: Key) -> Vec<Effect> {
    let Some(Modal::Groups(picker)) = &mut app.modal else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            app.modal = None;
            Vec::new()
        }
        KeyCode::Up => {
            picker.cursor = picker.cursor.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Down => {
            picker.cursor = (picker.cursor + 1).min(picker.found.len().saturating_sub(1));
            Vec::new()
        }
        KeyCode::Char(' ') => {
            if let Some(group) = picker.found.get(picker.cursor).cloned()
                && !picker.chosen.remove(&group)
            {
                if picker.chosen.len() >= MOST_GROUPS {
                    picker.error = Some(format!("at most {MOST_GROUPS} groups can be tailed"));
                } else {
                    picker.chosen.insert(group);
                }
            }
            Vec::new()
        }
        KeyCode::Enter => {
            let mut groups: Vec<String> = picker.chosen.iter().cloned().collect();
            if groups.is_empty()
                && let Some(group) = picker.found.get(picker.cursor)
            {
                groups.push(group.clone());
            }
            if groups.is_empty() {
                picker.error = Some("no group chosen: Space picks one".into());
                return Vec::new();
            }
            app.modal = None;
            app.notify(format!("tailing {}", groups.join(", ")), NoticeLevel::Info);
            app.logs.generation += 1;
            vec![Effect::SetGroups {
                groups,
                generation: app.logs.generation,
            }]
        }
        KeyCode::Backspace => {
            picker.prefix.edit(super::Command::DeleteBack);
            picker.loading = true;
            vec![Effect::ListGroups(picker.prefix.text().to_string())]
        }
        _ => match key.typed_char() {
            Some(c) => {
                picker.prefix.insert(c.encode_utf8(&mut [0; 4]));
                picker.loading = true;
                picker.cursor = 0;
                vec![Effect::ListGroups(picker.prefix.text().to_string())]
            }
            None => Vec::new(),
        },
    }
}
