//! Fuzzes the YAML plan loader: bytes in, a plan checked and rendered out, never a crash.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::exercise(data, bcpcheck::document::Format::Yaml);
});
