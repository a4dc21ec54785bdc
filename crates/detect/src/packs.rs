//! Content packs installed in a rules directory, as the loaders read them.
//!
//! `vigie pack import` installs a signed content pack under `packs/<name>/` of the rules
//! directory: a symbolic link to a hidden generation directory (`packs/.<name>.<id>/`) that
//! holds the pack's files, laid out like a rules directory of its own. A new version is
//! written to a new generation directory and put in force by renaming a new link over
//! `packs/<name>`, one atomic step. The loaders read the rules directory this way:
//!
//! - every entry whose name starts with `.` is skipped (generation directories, the
//!   import's lock and staging files, version control folders), as the cluster rule bundle
//!   skips them;
//! - `packs/<name>` is followed when it is a symbolic link to a directory (no other link to a
//!   directory is), and read with the logical paths `packs/<name>/...`, so a rule's derived
//!   id and the names in reports stay the same from one version of the pack to the next;
//! - in a pack, `filters/<tenant-slug>/` holds that tenant's filters and `intel/` (with
//!   `intel/<tenant-slug>/`) IOC sets, as at the top of the rules directory, and
//!   `pipelines/`, `mappings/` and `taxonomies/` hold files that are not rules (pySigma
//!   pipelines the configuration may name, reference data): the rule loader leaves them.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// The folder of the rules directory holding installed packs (`packs/<name>/`).
pub const PACKS_DIR: &str = "packs";

/// Top-level folders of a pack the rule loader does not read as rules: filters and IOC sets
/// (read by their own loaders), pipelines, mappings and taxonomies (not rules).
pub const NOT_RULES: [&str; 5] = ["filters", "intel", "pipelines", "mappings", "taxonomies"];

/// Whether a directory entry is hidden (its name starts with `.`): loaders skip it.
pub fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Whether `path` is `<root>/packs/<name>`, the place of an installed pack (followed even
/// when it is a symbolic link).
pub fn is_pack_entry(root: &Path, path: &Path) -> bool {
    let Ok(rest) = path.strip_prefix(root) else {
        return false;
    };
    let mut parts = rest.components();
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(Component::Normal(first)), Some(Component::Normal(_)), None) if first == PACKS_DIR
    )
}

/// Whether `relative` (a path relative to the rules directory) lies in a folder of a pack
/// that holds no rules ([`NOT_RULES`]: `packs/<name>/pipelines/...`, ...).
pub fn is_not_rules(relative: &Path) -> bool {
    let mut parts = relative.components();
    match (parts.next(), parts.next(), parts.next()) {
        (
            Some(Component::Normal(first)),
            Some(Component::Normal(_)),
            Some(Component::Normal(folder)),
        ) => first == PACKS_DIR && NOT_RULES.iter().any(|n| folder == *n),
        _ => false,
    }
}

/// The packs installed in `rules_dir`: `(name, rules_dir/packs/name)` for each entry of
/// `packs/` that is not hidden and is a directory or a link to one, sorted by name. Empty
/// when there is no `packs/` folder.
pub fn installed(rules_dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(rules_dir.join(PACKS_DIR)) else {
        return Vec::new();
    };
    let mut packs: Vec<(String, PathBuf)> = entries
        .flatten()
        .filter(|e| !is_hidden(&e.file_name()))
        .map(|e| e.path())
        // `is_dir` follows the link.
        .filter(|p| p.is_dir())
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_owned(), p)))
        .collect();
    packs.sort();
    packs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_of_packs_and_of_files_that_are_not_rules() {
        let root = Path::new("/r");
        assert!(is_pack_entry(root, Path::new("/r/packs/core")));
        assert!(!is_pack_entry(root, Path::new("/r/packs")));
        assert!(!is_pack_entry(root, Path::new("/r/packs/core/rules")));
        assert!(!is_pack_entry(root, Path::new("/r/other/core")));
        assert!(is_not_rules(Path::new("packs/core/pipelines/edr.yml")));
        assert!(is_not_rules(Path::new("packs/core/filters/acme/f.yml")));
        assert!(!is_not_rules(Path::new("packs/core/rules/r.yml")));
        assert!(!is_not_rules(Path::new("pipelines/edr.yml")));
        assert!(is_hidden(OsStr::new(".core.1f")));
        assert!(!is_hidden(OsStr::new("core")));
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_pack_is_loaded_with_its_logical_paths_and_hidden_entries_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let rule = |id: &str| {
            format!(
                "title: t {id}\nid: {id}\nlogsource:\n  product: windows\n  category: process_creation\n\
                 detection:\n  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel\n"
            )
        };
        std::fs::create_dir_all(root.join("packs/.core.a1/rules")).unwrap();
        std::fs::create_dir_all(root.join("packs/.core.a1/pipelines")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(
            root.join("packs/.core.a1/rules/r.yml"),
            rule("7f3c2a10-0000-4000-8000-000000000001"),
        )
        .unwrap();
        // Not rules: a pipeline, and a hidden folder's file.
        std::fs::write(
            root.join("packs/.core.a1/pipelines/p.yml"),
            "name: p\ntransformations: []\n",
        )
        .unwrap();
        std::fs::write(
            root.join(".git/x.yml"),
            rule("7f3c2a10-0000-4000-8000-000000000002"),
        )
        .unwrap();
        std::os::unix::fs::symlink(".core.a1", root.join("packs/core")).unwrap();
        let (set, report) = crate::RuleSet::load_dir(root).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(set.len(), 1);
        assert_eq!(
            report.loaded[0].path.as_deref(),
            Some(Path::new("packs/core/rules/r.yml"))
        );
        assert_eq!(
            installed(root),
            [("core".to_owned(), root.join("packs/core"))]
        );
    }
}
