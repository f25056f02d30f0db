//! bcpcheck: checks business-continuity plans against declarative CEL policies.
//!
//! The pipeline, one layer per module, each importing only the layers before it:
//!
//! | layer | owns |
//! |---|---|
//! | [`document`] | plan files: discovery, span-aware YAML and Markdown, logical paths and their grammar, the plan schema and skeletons |
//! | [`expression`] | CEL: compiling, static analysis, scopes, bcpcheck's extension functions |
//! | [`config`] | `bcpcheck.yaml` |
//! | [`finding`] | findings and severities: a policy's verdict at a logical path resolved to a span |
//! | [`policy`] | policy files: model, sources (built-in packs, user files), validation, compilation, selectors |
//! | [`engine`] | evaluating compiled policies over documents, within the time and memory budget |
//! | [`waiver`], [`baseline`] | exceptions (file and inline) and baselines, applied to findings |
//! | [`report`] | a run's result per file, for the renderers |
//! | [`render`] | one module per output format; renderers only read a report |
//! | [`run`] | a check run and a fixture run, from resolved settings |
//! | [`commands`] | one module per subcommand: flags and config merged once, output written, exit code |
//!
//! [`cli`] holds the clap definitions the commands read; `main.rs` only parses and dispatches.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod document;
pub mod engine;
pub mod expression;
pub mod finding;
pub mod policy;
pub mod render;
pub mod report;
pub mod run;
pub mod waiver;
