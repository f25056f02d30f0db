//! Minimised inputs found by the fuzzers (fuzz/README.md), replayed through the same code paths.

use std::path::PathBuf;
use std::sync::Arc;

use bcpcheck::document::{self, read, Format, SourceFile};

/// Loads `bytes` as a plan of `format` and walks every location in it, as the fuzz targets do.
#[allow(dead_code)]
fn replay(bytes: &[u8], format: Format) {
    let Ok(text) = read::decode(bytes.to_vec(), "fuzz.yaml") else {
        return;
    };
    let source = Arc::new(SourceFile::new(
        "fuzz.yaml".into(),
        PathBuf::from("fuzz.yaml"),
        text,
    ));
    if let Ok(loaded) = document::load_source(source.clone(), format, true) {
        for doc in &loaded.documents {
            doc.root.walk(&mut |path, _| {
                let location = doc.locate(path);
                assert!(location.span.end <= source.text.len());
            });
        }
    }
}
