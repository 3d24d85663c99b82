//! Every snapshot template of the repository, written as YAML and read back by a YAML parser,
//! is the same document.

use std::path::PathBuf;

#[test]
fn every_snapshot_template_reads_back_the_same() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../snapshots");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("snapshots") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let template: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("JSON");
        let yaml = sagecdk_toolkit::to_yaml(&template);
        let back: serde_json::Value = serde_norway::from_str(&yaml)
            .unwrap_or_else(|e| panic!("{}: {e}\n{yaml}", path.display()));
        assert_eq!(back, template, "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} snapshots");
}
