//! The README's key list is the default keymap, so the docs cannot drift from the code.

use picket::app::Keymap;

#[test]
fn readme_keys_match_the_default_keymap() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- keys:start -->\n```text\n")
        .expect("keys:start marker")
        + "<!-- keys:start -->\n```text\n".len();
    let end = readme
        .find("\n```\n<!-- keys:end -->")
        .expect("keys:end marker");
    let expected = picket::ui::help::keymap_text(&Keymap::default());
    assert_eq!(
        &readme[start..end],
        expected,
        "README.md's key list is out of date; replace it with:\n{expected}"
    );
}

#[test]
fn readme_gives_the_two_commands() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    assert!(readme.contains("cargo run --release -- --demo"));
    assert!(readme.contains("cargo test"));
    let ci =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).expect(".ci/run");
    assert!(
        ci.contains("cargo test"),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn readme_lists_every_limit() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let limits = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/limits.rs"))
        .expect("src/limits.rs");
    let table = readme
        .split("## Limits")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a Limits section");
    let names: Vec<&str> = limits
        .lines()
        .filter_map(|l| l.strip_prefix("pub const "))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert!(names.len() >= 15, "{names:?}");
    for name in names {
        assert!(
            table.contains(&format!("`{name}`")),
            "README.md's Limits table does not list {name}"
        );
    }
}

#[test]
fn readme_filter_table_lists_every_field() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme.find("## Filter language").expect("filter section");
    let end = start + readme[start..].find("\n## ").expect("next section");
    let section = &readme[start..end];
    for field in picket::query::FIELDS {
        assert!(
            section.contains(&format!("| `{}", field.name))
                || section.contains(&format!(", `{}", field.name)),
            "README.md's filter table does not list `{}` ({})",
            field.name,
            field.example
        );
    }
}
