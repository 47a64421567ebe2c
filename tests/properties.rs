//! Property tests: the resolver never lets a name escape, the writer round-trips any content,
//! and the manifest parser never panics.

use contextcore::fsio::{Backups, write_atomic};
use contextcore::paths::{WriteStrategy, check_safe_name, resolve};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_resolved_name_escapes_its_directory(name in "(\\PC|/|\\.\\.|\\x00|\\n){0,24}") {
        let dir = tempfile::tempdir().unwrap();
        for strategy in [WriteStrategy::UpdateExisting, WriteStrategy::NewOutput] {
            if let Ok(path) = resolve(dir.path(), &name, strategy) {
                prop_assert_eq!(path.parent(), Some(dir.path()));
                prop_assert!(!name.contains('/') && name != ".." && name != ".");
            }
        }
        if check_safe_name(&name).is_ok() {
            prop_assert!(resolve(dir.path(), &name, WriteStrategy::UpdateExisting).is_ok());
        }
    }

    #[test]
    fn the_writer_round_trips_any_content(first in proptest::collection::vec(any::<u8>(), 0..4096), second in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        write_atomic(&path, &first, &Backups::Beside).unwrap();
        prop_assert_eq!(std::fs::read(&path).unwrap(), first.clone());
        let w = write_atomic(&path, &second, &Backups::Beside).unwrap();
        prop_assert_eq!(std::fs::read(&path).unwrap(), second.clone());
        if first != second {
            prop_assert_eq!(std::fs::read(w.backup.unwrap()).unwrap(), first);
        }
    }

    #[test]
    fn the_manifest_parser_never_panics(text in "\\PC{0,400}") {
        if let Ok(node) = contextcore::yaml::parse(&text) {
            let _ = contextcore::model::manifest::validate_node(&node, "m.yaml");
        }
    }

    #[test]
    fn the_parser_never_panics_on_yaml_shaped_noise(parts in proptest::collection::vec(prop_oneof![
        Just("apiVersion: contextcore.io/v1alpha2\n"), Just("kind: ContextManifest\n"), Just("metadata:\n"),
        Just("  name: x\n"), Just("spec:\n"), Just("  targets:\n"), Just("    - name: a\n"), Just("  - "),
        Just("&a "), Just("*a"), Just("[ "), Just("]"), Just("{"), Just("}"), Just(": "), Just("\t"), Just("'"),
        Just("\""), Just("? "), Just("!!str "), Just("<<: *a\n"), Just("\n"), Just("---\n"), Just("99.9"),
    ], 0..60)) {
        let text: String = parts.concat();
        if let Ok(node) = contextcore::yaml::parse(&text) {
            let _ = contextcore::model::manifest::validate_node(&node, "m.yaml");
        }
    }
}
