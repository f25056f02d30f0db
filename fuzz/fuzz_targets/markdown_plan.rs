//! Fuzzes the Markdown plan loader: front matter and body structure, checked and rendered.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::exercise(data, bcpcheck::document::Format::Markdown);
});
