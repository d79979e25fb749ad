//! `:view save`: a view written into the config file as `[views.NAME]`, under a comment saying
//! when, with the rest of the file kept byte for byte (comments, order, spacing), by toml_edit.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

use super::{ConfigError, position};
use crate::app::views::{SaveError, SavedView};

/// How the comment above a saved view starts; a view saved again gets a fresh one instead.
pub const SAVED_MARK: &str = "# saved by picket";

/// `text` (the config file at `path`) with view `name` set to `view` under the comment
/// `# saved by picket on {stamp}`. A new view goes after the last view, or at the end of the
/// file; a view replaced keeps its place and the comments above it. Nothing else changes.
pub fn with_view(
    text: &str,
    path: &Path,
    name: &str,
    view: &SavedView,
    replace: bool,
    stamp: &str,
) -> Result<String, SaveError> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        SaveError::Failed(
            ConfigError {
                path: path.to_path_buf(),
                position: e.span().map(|s| position(text, s.start)),
                message: format!("{} (the file is left as it is)", e.message().trim()),
            }
            .to_string(),
        )
    })?;
    let comment = format!("{SAVED_MARK} on {stamp}");
    let root = doc.as_table_mut();
    let views = root.entry("views").or_insert_with(|| {
        let mut views = Table::new();
        // `[views]` itself is not written: only `[views.NAME]`.
        views.set_implicit(true);
        Item::Table(views)
    });
    let Item::Table(views) = views else {
        return Err(SaveError::Failed(
            ConfigError {
                path: path.to_path_buf(),
                position: None,
                message: "`views` is not written as [views.NAME] sections: add the view by hand"
                    .into(),
            }
            .to_string(),
        ));
    };
    if views.contains_key(name) && !replace {
        return Err(SaveError::Exists);
    }
    // A view written as a section is rewritten where it is; one written another way (inline,
    // dotted keys) gives way to a section.
    if let Some(Item::Table(existing)) = views.get_mut(name)
        && !existing.is_dotted()
        && !existing.is_implicit()
    {
        existing.clear();
        fill(existing, view);
        let prefix = existing.decor().prefix().and_then(|p| p.as_str());
        let kept: String = prefix
            .unwrap_or_default()
            .split_inclusive('\n')
            .filter(|line| !line.trim_start().starts_with(SAVED_MARK))
            .collect();
        existing
            .decor_mut()
            .set_prefix(format!("{kept}{comment}\n"));
        return Ok(doc.to_string());
    }
    views.remove(name);
    // After the last view written as a section, or (none yet) at the end of the file.
    let after = views
        .iter()
        .filter_map(|(_, item)| item.as_table().and_then(Table::position))
        .chain(views.position())
        .max();
    let mut table = Table::new();
    fill(&mut table, view);
    // A blank line before, unless the file is empty. (toml_edit ends the line before.)
    let blank = if text.trim().is_empty() { "" } else { "\n" };
    table.decor_mut().set_prefix(format!("{blank}{comment}\n"));
    table.set_position(Some(after.unwrap_or(isize::MAX)));
    views.insert(name, Item::Table(table));
    Ok(doc.to_string())
}

fn fill(table: &mut Table, view: &SavedView) {
    table.insert("filter", value(view.filter.as_str()));
    if let Some(sort) = view.sort {
        table.insert("sort", value(sort.name()));
    }
}

/// Writes view `name` into the config file at `path`, creating the file (and its directory)
/// when missing. The file is replaced whole (a temporary beside it, renamed over it), so a
/// crash leaves the old file or the new one; a symbolic link is followed, not replaced.
pub fn save_view(
    path: &Path,
    name: &str,
    view: &SavedView,
    replace: bool,
    stamp: &str,
) -> Result<(), SaveError> {
    let failed = |what: &str, at: &Path, e: std::io::Error| {
        SaveError::Failed(
            crate::model::text::clean_line(
                &format!("{}: cannot {what}: {e}", at.display()),
                crate::model::text::MAX_LINE_CHARS,
            )
            .into_owned(),
        )
    };
    let (text, target, permissions) = match std::fs::read_to_string(path) {
        Ok(text) => {
            let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            let permissions = std::fs::metadata(&target).ok().map(|m| m.permissions());
            (text, target, permissions)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| failed("create", dir, e))?;
            }
            (String::new(), path.to_path_buf(), None)
        }
        Err(e) => return Err(failed("read", path, e)),
    };
    let edited = with_view(&text, path, name, view, replace, stamp)?;
    let mut temporary = target.as_os_str().to_os_string();
    temporary.push(format!(".picket-{}.tmp", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = std::fs::write(&temporary, edited.as_bytes())
        .and_then(|()| match permissions {
            Some(permissions) => std::fs::set_permissions(&temporary, permissions),
            None => Ok(()),
        })
        .and_then(|()| std::fs::rename(&temporary, &target));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(failed("write", path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::views::check_view_name;
    use crate::store::SortKey;

    const STAMP: &str = "2026-01-15 12:00 UTC";

    fn view(filter: &str, sort: Option<SortKey>) -> SavedView {
        SavedView {
            filter: filter.into(),
            sort,
        }
    }

    fn edit(text: &str, name: &str, v: &SavedView, replace: bool) -> Result<String, SaveError> {
        with_view(text, Path::new("config.toml"), name, v, replace, STAMP)
    }

    /// The views the edited text holds, as the config loader reads them.
    fn views(text: &str) -> std::collections::BTreeMap<String, SavedView> {
        super::super::Config::parse(
            text,
            Path::new("config.toml"),
            &crate::theme::ThemeSet::builtin(),
        )
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .views
    }

    const ODD: &str = "# my picket config\n\
theme   =   'mono'    # the quiet one\n\
\n\
[findings]\n\
  sort = \"last-seen\"\n\
\n\
# views I use\n\
[views.crit]\n\
filter = \"sev>=high\"   # the pager's\n\
\n\
# my keys\n\
[keys.findings]\n\
\"ctrl-d\" =     \"page_down\"\n\
# the end\n";

    #[test]
    fn a_new_view_goes_after_the_last_one_and_nothing_else_changes() {
        let out =
            edit(ODD, "prod", &view("is:prod", Some(SortKey::Account)), false).expect("saved");
        let added = "\n# saved by picket on 2026-01-15 12:00 UTC\n[views.prod]\nfilter = \"is:prod\"\nsort = \"account\"\n";
        let expected = ODD.replacen("\n# my keys", &format!("{added}\n# my keys"), 1);
        assert_eq!(out, expected);
        let views = views(&out);
        assert_eq!(views["prod"], view("is:prod", Some(SortKey::Account)));
        assert_eq!(views["crit"], view("sev>=high", None));
    }

    #[test]
    fn the_first_view_goes_at_the_end_whatever_the_last_line() {
        let text = "theme = \"mono\"\n[sla]\ncritical = \"2h\" # tight";
        let out = edit(text, "all", &view("", None), false).expect("saved");
        assert_eq!(
            out,
            format!("{text}\n\n# saved by picket on {STAMP}\n[views.all]\nfilter = \"\"\n")
        );
        assert_eq!(views(&out)["all"], view("", None));
    }

    #[test]
    fn a_last_view_without_a_final_newline_is_followed_on_a_line_of_its_own() {
        let text = "[views.a]\nfilter = \"x\"";
        let out = edit(text, "b", &view("y", None), false).expect("saved");
        assert_eq!(
            out,
            format!("{text}\n\n# saved by picket on {STAMP}\n[views.b]\nfilter = \"y\"\n")
        );
    }

    #[test]
    fn a_missing_or_empty_file_gets_just_the_view() {
        let out = edit(
            "",
            "crit",
            &view("sev>=high", Some(SortKey::Severity)),
            false,
        )
        .expect("saved");
        assert_eq!(
            out,
            format!(
                "# saved by picket on {STAMP}\n[views.crit]\nfilter = \"sev>=high\"\nsort = \"severity\"\n"
            )
        );
    }

    #[test]
    fn a_view_of_that_name_is_replaced_only_when_asked_in_its_place() {
        assert_eq!(
            edit(ODD, "crit", &view("sev>=medium", None), false),
            Err(SaveError::Exists)
        );
        let once =
            edit(ODD, "crit", &view("sev>=medium", Some(SortKey::Sla)), true).expect("replaced");
        let expected = ODD.replace(
            "# views I use\n[views.crit]\nfilter = \"sev>=high\"   # the pager's\n",
            &format!(
                "# views I use\n# saved by picket on {STAMP}\n[views.crit]\nfilter = \"sev>=medium\"\nsort = \"sla\"\n"
            ),
        );
        assert_eq!(once, expected);
        // Saved again: one comment, the latest.
        let twice = with_view(
            &once,
            Path::new("config.toml"),
            "crit",
            &view("sev>=low", None),
            true,
            "2026-01-16 08:00 UTC",
        )
        .expect("replaced");
        assert_eq!(twice.matches(SAVED_MARK).count(), 1, "{twice}");
        assert!(twice.contains("# views I use\n# saved by picket on 2026-01-16 08:00 UTC\n[views.crit]\nfilter = \"sev>=low\"\n"), "{twice}");
        assert_eq!(views(&twice)["crit"], view("sev>=low", None));
    }

    #[test]
    fn a_view_written_inline_gives_way_to_a_section() {
        let text = "[views]\ncrit = { filter = \"sev>=high\" }\nprod = { filter = \"is:prod\" }\n";
        assert_eq!(
            edit(text, "crit", &view("x", None), false),
            Err(SaveError::Exists)
        );
        let out = edit(text, "crit", &view("sev>=critical", None), true).expect("replaced");
        let saved = views(&out);
        assert_eq!(saved["crit"], view("sev>=critical", None));
        assert_eq!(saved["prod"], view("is:prod", None));
        assert!(
            out.starts_with("[views]\nprod = { filter = \"is:prod\" }\n"),
            "{out}"
        );
        // Dotted keys, at the top or under [views].
        for text in [
            "views.crit.filter = \"sev>=high\"\ntheme = \"mono\"\n",
            "[views]\ncrit.filter = \"sev>=high\"\n",
        ] {
            let out = edit(text, "crit", &view("sev>=low", None), true).expect("replaced");
            let out = edit(&out, "new", &view("is:new", None), false).expect("added");
            let saved = views(&out);
            assert_eq!(saved["crit"], view("sev>=low", None), "{out}");
            assert_eq!(saved["new"], view("is:new", None), "{out}");
        }
    }

    #[test]
    fn quotes_and_backslashes_in_a_filter_survive_the_trip() {
        for filter in [
            r#"title:"root login" -account:'sandbox'"#,
            r#"resource:C:\temp\x""""#,
            "a'''b\"\"\"c\\",
        ] {
            let out = edit("", "q", &view(filter, None), false).expect("saved");
            let table: toml::Table = toml::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
            assert_eq!(
                table["views"]["q"]["filter"].as_str(),
                Some(filter),
                "{out}"
            );
        }
    }

    #[test]
    fn a_broken_file_is_left_alone_and_located() {
        let Err(SaveError::Failed(why)) =
            edit("theme = \"mono\"\n[views\n", "x", &view("", None), false)
        else {
            panic!("accepted a broken file")
        };
        assert!(why.starts_with("config.toml:2:"), "{why}");
        let Err(SaveError::Failed(why)) = edit("views = 3\n", "x", &view("", None), false) else {
            panic!("accepted views = 3")
        };
        assert!(why.contains("add the view by hand"), "{why}");
    }

    #[test]
    fn names_are_bare_keys_and_not_the_commands_word() {
        for good in ["crit", "prod-high", "a_1", "X"] {
            assert_eq!(check_view_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "two words",
            "a.b",
            "save",
            "SAVE",
            "é",
            "x\u{1b}",
            &"x".repeat(65),
        ] {
            assert!(check_view_name(bad).is_err(), "{bad:?}");
        }
        let why = check_view_name("a.b").expect_err("dot");
        assert!(why.contains("'.'"), "{why}");
        assert!(
            !check_view_name("x\u{1b}")
                .expect_err("esc")
                .contains('\u{1b}')
        );
    }

    #[test]
    fn saving_creates_the_file_and_its_directory_and_keeps_a_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("picket").join("config.toml");
        save_view(&path, "crit", &view("sev>=high", None), false, STAMP).expect("created");
        assert_eq!(
            views(&std::fs::read_to_string(&path).expect("read"))["crit"].filter,
            "sev>=high"
        );
        save_view(&path, "prod", &view("is:prod", None), false, STAMP).expect("added");
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(views(&text).len(), 2);
        assert_eq!(
            save_view(&path, "prod", &view("x", None), false, STAMP),
            Err(SaveError::Exists)
        );
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            text,
            "untouched"
        );
        let leftovers = std::fs::read_dir(path.parent().expect("dir"))
            .expect("list")
            .count();
        assert_eq!(leftovers, 1, "no temporary file is left");
        #[cfg(unix)]
        {
            let link = dir.path().join("link.toml");
            std::os::unix::fs::symlink(&path, &link).expect("link");
            save_view(&link, "third", &view("", None), false, STAMP).expect("through the link");
            assert!(
                std::fs::symlink_metadata(&link)
                    .expect("link")
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(
                views(&std::fs::read_to_string(&path).expect("read")).len(),
                3
            );
        }
    }

    #[test]
    fn a_file_that_cannot_be_read_or_written_is_said() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A directory where the file should be.
        let Err(SaveError::Failed(why)) = save_view(dir.path(), "x", &view("", None), false, STAMP)
        else {
            panic!("wrote a directory")
        };
        assert!(why.contains("cannot read"), "{why}");
    }
}
