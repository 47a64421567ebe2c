//! Property tests: the resolver never lets a name escape, the writer round-trips any content,
//! the manifest parser never panics, and every path has one record text that decodes back.

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

/// JSON-shaped fragments of run records and notes, hostile strings among them.
fn record_noise() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(","),
            Just(":"),
            Just("\"run_id\""),
            Just("\"workflow_or_command\""),
            Just("\"inputs\""),
            Just("\"outputs\""),
            Just("\"path\""),
            Just("\"role\""),
            Just("\"exists\""),
            Just("\"git_blob\""),
            Just("\"sha256\""),
            Just("\"config_snapshot\""),
            Just("\"value\""),
            Just("\"source\""),
            Just("\"runs\""),
            Just("\"record\""),
            Just("\"commit\""),
            Just("\"schema\""),
            Just("\"../x\""),
            Just("\"/etc/passwd\""),
            Just("\"<outside>/a\""),
            Just("\"a\\u001b[31m\""),
            Just("\"\\\\\""),
            Just("\"out/x.yaml\""),
            Just("\"manifest export\""),
            Just("null"),
            Just("true"),
            Just("7"),
            Just("\"0123456789abcdef0123456789abcdef01234567\""),
            Just("[[[[[[[["),
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_record_and_note_validators_never_panic(text in record_noise(), any_text in "\\PC{0,200}") {
        use contextcore::lineage::validate;
        for t in [&text, &any_text] {
            let started = std::time::Instant::now();
            let record = validate::record_bytes(t.as_bytes());
            let _ = validate::note_text(t, "0123456789abcdef0123456789abcdef01234567");
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(t) {
                prop_assert_eq!(validate::record(&json).is_ok(), record.is_ok());
            }
            prop_assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }

    #[test]
    fn an_accepted_record_path_never_leaves_the_repository(path in "(\\PC|/|\\.\\.|\\\\|\\x00|\\x1b|<outside>/|C:){0,24}") {
        use contextcore::lineage::validate::{RepoPath, repo_path};
        match repo_path(&path) {
            Ok(RepoPath::Inside) => {
                prop_assert!(!path.starts_with('/') && !path.contains('\\'));
                prop_assert!(path.split('/').all(|c| !c.is_empty() && c != "." && c != ".."));
                prop_assert!(!path.chars().any(char::is_control));
            }
            Ok(RepoPath::Outside) => {
                let name = path.strip_prefix("<outside>/").unwrap_or("");
                prop_assert!(!name.is_empty() && !name.contains('/') && name != "..");
            }
            Err(_) => {}
        }
    }

    #[test]
    fn every_path_has_one_record_text_that_decodes_back(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
        use contextcore::path_bytes::{decode, encode};
        let text = encode(&bytes);
        prop_assert_eq!(decode(&text), Some(bytes.clone()));
        prop_assert_eq!(std::str::from_utf8(&bytes).is_ok_and(|s| !s.starts_with('"')), text.as_bytes() == bytes.as_slice());
    }

    #[test]
    fn an_accepted_quoted_record_path_names_bytes_inside_the_repository(bytes in proptest::collection::vec(prop_oneof![Just(b'/'), Just(b'.'), Just(b'\\'), Just(0u8), Just(0x1bu8), Just(0xffu8), Just(b'a'), Just(b'"')], 0..24)) {
        use contextcore::lineage::validate::{RepoPath, repo_path};
        let text = contextcore::path_bytes::encode(&bytes);
        if repo_path(&text) == Ok(RepoPath::Inside) {
            prop_assert!(!bytes.starts_with(b"/") && !bytes.contains(&b'\\'));
            prop_assert!(bytes.split(|&b| b == b'/').all(|c| !c.is_empty() && c != b"." && c != b".."));
            prop_assert!(!bytes.iter().any(|&b| b < 0x20 || b == 0x7f));
        }
    }
}
