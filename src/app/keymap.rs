//! Keys resolve to named commands through one table per mode. The config can rebind any of them;
//! the help screen is generated from the same table, so it cannot drift from what keys do.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::keys::{Key, KeyCode};

/// Where a key is pressed. A screen's table is consulted first, then `Global`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Global,
    Overview,
    Findings,
    Detail,
    Logs,
    Sources,
    Posture,
    Help,
    /// Editing the filter, a `:` command or a search.
    Prompt,
}

impl Mode {
    pub const ALL: [Mode; 9] = [
        Mode::Global,
        Mode::Overview,
        Mode::Findings,
        Mode::Detail,
        Mode::Logs,
        Mode::Sources,
        Mode::Posture,
        Mode::Help,
        Mode::Prompt,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::Overview => "Overview",
            Mode::Findings => "Findings",
            Mode::Detail => "Detail",
            Mode::Logs => "Logs",
            Mode::Sources => "Sources",
            Mode::Posture => "Posture",
            Mode::Help => "Help",
            Mode::Prompt => "Filter, command and search prompts",
        }
    }
}

macro_rules! commands {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// Everything a key can do, by the name the config file uses.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Command { $($variant),* }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name),* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $doc),* }
            }

            pub fn parse(name: &str) -> Option<Command> {
                match name { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Quit => "quit", "quit picket";
    Help => "help", "show this help";
    NextScreen => "next_screen", "next screen";
    PrevScreen => "prev_screen", "previous screen";
    ShowOverview => "show_overview", "overview screen";
    ShowFindings => "show_findings", "findings screen";
    ShowLogs => "show_logs", "logs screen";
    ShowSources => "show_sources", "sources screen (health of every account, region, service)";
    ShowPosture => "show_posture", "posture screen (compliance, exposure, coverage)";
    ShowCompliance => "show_compliance", "compliance: standards, controls, failing resources, pass rates";
    ShowExposure => "show_exposure", "exposure: resources exposed, with their traits";
    ShowCoverage => "show_coverage", "coverage: what is not watched";
    CommandLine => "command_line", "command line (:sort, :view, :theme, :q)";
    Filter => "filter", "edit the filter";
    ClearFilter => "clear_filter", "clear the filter";
    Refresh => "refresh", "poll every source now";
    Present => "present", "presenter mode: identifiers shown, copied and exported as stand-ins";
    Up => "up", "move up";
    Down => "down", "move down";
    Left => "left", "move left (the previous region)";
    Right => "right", "move right (the next region)";
    PrevColumn => "prev_column", "the severity cell to the left, then the whole line";
    NextColumn => "next_column", "the severity cell to the right (Enter: its findings only)";
    PageUp => "page_up", "page up";
    PageDown => "page_down", "page down";
    Top => "top", "go to the top";
    Bottom => "bottom", "go to the bottom";
    Open => "open", "open the selected item";
    Back => "back", "go back";
    CopyArn => "copy_arn", "copy the finding's ARN (OSC 52)";
    CopyJson => "copy_json", "copy the finding's JSON (OSC 52)";
    CopyLink => "copy_link", "copy the AWS console link (OSC 52)";
    Handoff => "handoff", "copy the marked findings (or the selected group) as a handoff in Markdown";
    ToggleMark => "toggle_mark", "mark or unmark the finding, then move down";
    MarkRange => "mark_range", "mark every finding from the last marked one to this one";
    MarkAll => "mark_all", "mark every finding the filter shows";
    ClearMarks => "clear_marks", "clear the marks (they stay after an action)";
    CatchUp => "catch_up", "mark every finding the filter shows as seen (clears the new count)";
    Act => "act", "act on the marked findings, or the selected one";
    Undo => "undo", "undo the last action (confirmed like any action)";
    Repeat => "repeat", "the last action again, on the marked findings or the selected one (confirmed like any action)";
    Pivot => "pivot", "the finding's CloudTrail activity: its key, principal, instance, IP, ±15 min";
    SortNext => "sort_next", "sort by the next column";
    SortReverse => "sort_reverse", "reverse the sort order";
    ToggleWide => "toggle_wide", "wide columns: fewer, each as wide as what it holds (again: all that fit)";
    GroupNext => "group_next", "incidents: group by sequence, resource, principal, type, account, then none";
    Expand => "expand", "expand the group (Enter toggles)";
    Collapse => "collapse", "collapse the group";
    Search => "search", "search the raw JSON";
    SearchNext => "search_next", "next match";
    SearchPrev => "search_prev", "previous match";
    SwitchPane => "switch_pane", "switch between summary and JSON";
    TogglePause => "toggle_pause", "pause or resume the stream";
    ChooseGroups => "choose_groups", "choose the log groups to tail (prefix search, up to 10)";
    Submit => "submit", "accept";
    Cancel => "cancel", "cancel";
    Complete => "complete", "complete the word";
    DeleteBack => "delete_back", "delete the character before the cursor";
    DeleteForward => "delete_forward", "delete the character under the cursor";
    DeleteWord => "delete_word", "delete the word before the cursor";
    ClearLine => "clear_line", "clear the line";
    CursorLeft => "cursor_left", "move the cursor left";
    CursorRight => "cursor_right", "move the cursor right";
    CursorStart => "cursor_start", "move the cursor to the start";
    CursorEnd => "cursor_end", "move the cursor to the end";
    HistoryPrev => "history_prev", "previous entry";
    HistoryNext => "history_next", "next entry";
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Ctrl-C quits from anywhere and cannot be rebound: the way out must always work.
pub const FORCE_QUIT: Key = Key::ctrl('c');

#[derive(Clone, Debug)]
pub struct Keymap {
    tables: BTreeMap<Mode, BTreeMap<Key, Command>>,
}

fn key(text: &str) -> Key {
    // Only called on the built-in table below, which the tests parse in full.
    Key::parse(text).unwrap_or(Key::plain(KeyCode::F(24)))
}

const DEFAULTS: &[(Mode, &str, Command)] = &[
    (Mode::Global, "q", Command::Quit),
    (Mode::Global, "?", Command::Help),
    (Mode::Global, "tab", Command::NextScreen),
    (Mode::Global, "backtab", Command::PrevScreen),
    (Mode::Global, "1", Command::ShowOverview),
    (Mode::Global, "2", Command::ShowFindings),
    (Mode::Global, "3", Command::ShowLogs),
    (Mode::Global, "4", Command::ShowSources),
    (Mode::Global, "5", Command::ShowPosture),
    (Mode::Global, ":", Command::CommandLine),
    (Mode::Global, "/", Command::Filter),
    (Mode::Global, "r", Command::Refresh),
    (Mode::Global, "ctrl-r", Command::Refresh),
    (Mode::Global, "P", Command::Present),
    (Mode::Global, "up", Command::Up),
    (Mode::Global, "k", Command::Up),
    (Mode::Global, "down", Command::Down),
    (Mode::Global, "j", Command::Down),
    (Mode::Global, "pgup", Command::PageUp),
    (Mode::Global, "ctrl-b", Command::PageUp),
    (Mode::Global, "pgdn", Command::PageDown),
    (Mode::Global, "ctrl-f", Command::PageDown),
    (Mode::Global, "home", Command::Top),
    (Mode::Global, "g", Command::Top),
    (Mode::Global, "end", Command::Bottom),
    (Mode::Global, "G", Command::Bottom),
    (Mode::Global, "enter", Command::Open),
    (Mode::Global, "esc", Command::Back),
    (Mode::Overview, "enter", Command::Open),
    (Mode::Overview, "left", Command::PrevColumn),
    (Mode::Overview, "h", Command::PrevColumn),
    (Mode::Overview, "right", Command::NextColumn),
    (Mode::Overview, "l", Command::NextColumn),
    (Mode::Findings, "y", Command::CopyArn),
    (Mode::Findings, "Y", Command::CopyJson),
    (Mode::Findings, "O", Command::CopyLink),
    (Mode::Findings, "H", Command::Handoff),
    (Mode::Findings, "space", Command::ToggleMark),
    (Mode::Findings, "V", Command::MarkRange),
    (Mode::Findings, "*", Command::MarkAll),
    (Mode::Findings, "M", Command::ClearMarks),
    (Mode::Findings, "c", Command::CatchUp),
    (Mode::Findings, "a", Command::Act),
    (Mode::Detail, "a", Command::Act),
    (Mode::Findings, "u", Command::Undo),
    (Mode::Findings, ".", Command::Repeat),
    (Mode::Findings, "L", Command::Pivot),
    (Mode::Detail, "L", Command::Pivot),
    (Mode::Findings, "s", Command::SortNext),
    (Mode::Findings, "S", Command::SortReverse),
    (Mode::Findings, "ctrl-w", Command::ToggleWide),
    (Mode::Findings, "i", Command::GroupNext),
    (Mode::Findings, "right", Command::Expand),
    (Mode::Findings, "l", Command::Expand),
    (Mode::Findings, "left", Command::Collapse),
    (Mode::Findings, "h", Command::Collapse),
    (Mode::Findings, "x", Command::ClearFilter),
    (Mode::Detail, "/", Command::Search),
    (Mode::Detail, "n", Command::SearchNext),
    (Mode::Detail, "N", Command::SearchPrev),
    (Mode::Detail, "tab", Command::SwitchPane),
    (Mode::Detail, "y", Command::CopyArn),
    (Mode::Detail, "Y", Command::CopyJson),
    (Mode::Detail, "O", Command::CopyLink),
    (Mode::Sources, "left", Command::Left),
    (Mode::Sources, "h", Command::Left),
    (Mode::Sources, "right", Command::Right),
    (Mode::Sources, "l", Command::Right),
    (Mode::Posture, "c", Command::ShowCompliance),
    (Mode::Posture, "e", Command::ShowExposure),
    (Mode::Posture, "w", Command::ShowCoverage),
    (Mode::Posture, "right", Command::Expand),
    (Mode::Posture, "l", Command::Expand),
    (Mode::Posture, "left", Command::Collapse),
    (Mode::Posture, "h", Command::Collapse),
    (Mode::Logs, "space", Command::TogglePause),
    (Mode::Logs, "p", Command::TogglePause),
    (Mode::Logs, "o", Command::ChooseGroups),
    (Mode::Logs, "S", Command::SortReverse),
    (Mode::Logs, "O", Command::CopyLink),
    (Mode::Help, "esc", Command::Back),
    (Mode::Help, "?", Command::Back),
    (Mode::Help, "q", Command::Back),
    (Mode::Prompt, "enter", Command::Submit),
    (Mode::Prompt, "esc", Command::Cancel),
    (Mode::Prompt, "tab", Command::Complete),
    (Mode::Prompt, "backspace", Command::DeleteBack),
    (Mode::Prompt, "delete", Command::DeleteForward),
    (Mode::Prompt, "ctrl-w", Command::DeleteWord),
    (Mode::Prompt, "ctrl-u", Command::ClearLine),
    (Mode::Prompt, "left", Command::CursorLeft),
    (Mode::Prompt, "right", Command::CursorRight),
    (Mode::Prompt, "home", Command::CursorStart),
    (Mode::Prompt, "ctrl-a", Command::CursorStart),
    (Mode::Prompt, "end", Command::CursorEnd),
    (Mode::Prompt, "ctrl-e", Command::CursorEnd),
    (Mode::Prompt, "up", Command::HistoryPrev),
    (Mode::Prompt, "down", Command::HistoryNext),
];

impl Default for Keymap {
    fn default() -> Self {
        let mut tables: BTreeMap<Mode, BTreeMap<Key, Command>> = BTreeMap::new();
        for &(mode, text, command) in DEFAULTS {
            tables.entry(mode).or_default().insert(key(text), command);
        }
        Self { tables }
    }
}

/// A binding the config asked for that cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BindingError {
    UnknownKey(String),
    UnknownCommand(String),
    ReservedKey(String),
}

impl fmt::Display for BindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindingError::UnknownKey(k) => write!(
                f,
                "unknown key '{k}' (examples: ctrl-d, G, pgdn, enter, f5)"
            ),
            BindingError::UnknownCommand(c) => {
                write!(
                    f,
                    "unknown command '{c}'; commands are {}",
                    Command::ALL
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            BindingError::ReservedKey(k) => write!(f, "'{k}' always quits and cannot be rebound"),
        }
    }
}

impl Keymap {
    /// Binds `key` to `command` in `mode`; the command name `none` removes a binding.
    pub fn bind(
        &mut self,
        mode: Mode,
        key_text: &str,
        command_name: &str,
    ) -> Result<(), BindingError> {
        let key =
            Key::parse(key_text).ok_or_else(|| BindingError::UnknownKey(key_text.to_string()))?;
        if key == FORCE_QUIT {
            return Err(BindingError::ReservedKey(key_text.to_string()));
        }
        let table = self.tables.entry(mode).or_default();
        if command_name == "none" {
            table.remove(&key);
            return Ok(());
        }
        let command = Command::parse(command_name)
            .ok_or_else(|| BindingError::UnknownCommand(command_name.to_string()))?;
        table.insert(key, command);
        Ok(())
    }

    /// The command for `key` in `mode`, falling back to the global table (except in prompts,
    /// where unbound keys type text, and in help).
    pub fn resolve(&self, mode: Mode, key: Key) -> Option<Command> {
        let own = self.tables.get(&mode).and_then(|t| t.get(&key)).copied();
        match mode {
            Mode::Prompt => own,
            Mode::Help => own.or_else(|| {
                let global = self
                    .tables
                    .get(&Mode::Global)
                    .and_then(|t| t.get(&key))
                    .copied();
                global.filter(|c| {
                    matches!(
                        c,
                        Command::Up
                            | Command::Down
                            | Command::PageUp
                            | Command::PageDown
                            | Command::Top
                            | Command::Bottom
                            | Command::Quit
                    )
                })
            }),
            _ => own.or_else(|| {
                self.tables
                    .get(&Mode::Global)
                    .and_then(|t| t.get(&key))
                    .copied()
            }),
        }
    }

    /// Every binding of a mode, grouped by command in the order commands are declared.
    pub fn bindings(&self, mode: Mode) -> Vec<(Command, Vec<Key>)> {
        let mut by_command: BTreeMap<Command, Vec<Key>> = BTreeMap::new();
        if let Some(table) = self.tables.get(&mode) {
            for (key, command) in table {
                by_command.entry(*command).or_default().push(*key);
            }
        }
        by_command.into_iter().collect()
    }

    /// Removes every binding of the given commands (read-only mode hides actions this way).
    pub fn remove_commands(&mut self, commands: &[Command]) {
        for table in self.tables.values_mut() {
            table.retain(|_, c| !commands.contains(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses() {
        for (_, text, _) in DEFAULTS {
            assert!(
                Key::parse(text).is_some(),
                "default key {text:?} does not parse"
            );
        }
    }

    #[test]
    fn screen_tables_override_global() {
        let map = Keymap::default();
        assert_eq!(
            map.resolve(Mode::Findings, Key::plain(KeyCode::Esc)),
            Some(Command::Back),
            "Esc goes back, and only back: x clears the filter"
        );
        assert_eq!(
            map.resolve(Mode::Detail, Key::plain(KeyCode::Esc)),
            Some(Command::Back)
        );
        assert_eq!(
            map.resolve(Mode::Detail, Key::char('/')),
            Some(Command::Search)
        );
        assert_eq!(
            map.resolve(Mode::Findings, Key::char('j')),
            Some(Command::Down)
        );
        assert_eq!(
            map.resolve(Mode::Prompt, Key::char('j')),
            None,
            "prompts type unbound keys"
        );
        assert_eq!(map.resolve(Mode::Help, Key::char('/')), None);
    }

    #[test]
    fn config_rebinds_and_unbinds() {
        let mut map = Keymap::default();
        map.bind(Mode::Findings, "ctrl-d", "page_down")
            .expect("valid binding");
        assert_eq!(
            map.resolve(Mode::Findings, Key::ctrl('d')),
            Some(Command::PageDown)
        );
        map.bind(Mode::Global, "q", "none")
            .expect("valid unbinding");
        assert_eq!(map.resolve(Mode::Findings, Key::char('q')), None);
        assert!(matches!(
            map.bind(Mode::Global, "ctrl-c", "help"),
            Err(BindingError::ReservedKey(_))
        ));
        assert!(matches!(
            map.bind(Mode::Global, "hyper-x", "help"),
            Err(BindingError::UnknownKey(_))
        ));
        assert!(matches!(
            map.bind(Mode::Global, "x", "explode"),
            Err(BindingError::UnknownCommand(_))
        ));
    }

    #[test]
    fn command_names_round_trip() {
        for c in Command::ALL {
            assert_eq!(Command::parse(c.name()), Some(*c));
        }
    }
}
