//! Scopes for tests of other crates (feature `testing`), which have no credential to
//! authenticate. Only `[dev-dependencies]` may enable the feature; the test below reads
//! every manifest of the workspace and fails if a normal dependency does, so the `vigie`
//! binary never contains this function.

use crate::scope::{Grant, TenantScope};

/// The scope of `grant`, as the access service would build it for a credential with it.
/// `None` for a grant of no tenant.
pub fn scope(grant: Grant) -> Option<TenantScope> {
    TenantScope::grant(grant)
}

/// The SOC staff's audience (internal notes too), as the access service gives a principal
/// with a SOC role.
pub fn staff_audience() -> crate::Audience {
    crate::Audience::staff()
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// One workspace crate's manifest: its normal dependencies on other workspace crates
    /// (with the features each names) and its own feature table.
    struct Manifest {
        deps: BTreeMap<String, Vec<String>>,
        features: BTreeMap<String, Vec<String>>,
        default: Vec<String>,
    }

    fn strings(value: Option<&toml::Value>) -> Vec<String> {
        value
            .and_then(|v| v.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// The `vigie` binary's normal dependency graph, read from the manifests: no crate in it
    /// may enable `vigie-access/testing` (directly, by a feature, or through the workspace
    /// table), so the binary never contains [`super::scope`].
    #[test]
    fn testing_feature_is_dev_only() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let read = |path: &Path| -> toml::Table {
            std::fs::read_to_string(path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
                .parse()
                .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
        };
        let workspace = read(&root.join("Cargo.toml"));
        let shared = workspace["workspace"]["dependencies"].as_table().unwrap();
        let mut crates = BTreeMap::new();
        for entry in std::fs::read_dir(root.join("crates")).unwrap() {
            let manifest = read(&entry.unwrap().path().join("Cargo.toml"));
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            let mut deps = BTreeMap::new();
            for table in ["dependencies", "build-dependencies"] {
                let Some(table) = manifest.get(table).and_then(|t| t.as_table()) else {
                    continue;
                };
                for (dep, spec) in table {
                    if !dep.starts_with("vigie-") {
                        continue;
                    }
                    let mut features = strings(spec.get("features"));
                    features.extend(strings(shared.get(dep).and_then(|s| s.get("features"))));
                    deps.insert(dep.clone(), features);
                }
            }
            let mut features = BTreeMap::new();
            if let Some(table) = manifest.get("features").and_then(|t| t.as_table()) {
                for (feature, enables) in table {
                    features.insert(feature.clone(), strings(Some(enables)));
                }
            }
            let default = features.get("default").cloned().unwrap_or_default();
            crates.insert(
                name,
                Manifest {
                    deps,
                    features,
                    default,
                },
            );
        }

        // (crate, feature) pairs reached from the binary; "" stands for the crate itself.
        let mut seen = BTreeSet::new();
        let mut todo = vec![("vigie".to_owned(), String::new())];
        while let Some((name, feature)) = todo.pop() {
            if !seen.insert((name.clone(), feature.clone())) {
                continue;
            }
            let manifest = &crates[&name];
            if feature.is_empty() {
                for (dep, features) in &manifest.deps {
                    todo.push((dep.clone(), String::new()));
                    todo.extend(features.iter().map(|f| (dep.clone(), f.clone())));
                }
                todo.extend(manifest.default.iter().map(|f| (name.clone(), f.clone())));
                continue;
            }
            for enables in manifest.features.get(&feature).into_iter().flatten() {
                match enables.split_once('/') {
                    Some((dep, f)) => {
                        let dep = dep.trim_end_matches('?').to_owned();
                        todo.push((dep, f.to_owned()));
                    }
                    None if !enables.starts_with("dep:") => {
                        todo.push((name.clone(), enables.clone()));
                    }
                    None => {}
                }
            }
        }
        assert!(
            seen.contains(&("vigie-access".to_owned(), String::new())),
            "the binary's graph as read here does not reach vigie-access: {seen:?}"
        );
        assert!(
            !seen.contains(&("vigie-access".to_owned(), "testing".to_owned())),
            "the vigie binary's normal dependencies enable vigie-access/testing: {seen:?}"
        );
    }
}
