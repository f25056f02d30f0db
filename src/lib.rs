//! bcpcheck: checks business-continuity plans against declarative CEL policies.
//!
//! The pipeline, one module each: [`document`] loads plans -> [`policy`] loads and compiles
//! policies -> [`engine`] evaluates -> [`finding`]s -> [`waiver`] (exceptions) and
//! [`baseline`] -> [`render`].

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod authoring;
pub mod baseline;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod config;
pub mod document;
pub mod engine;
pub mod expression;
pub mod finding;
pub mod output;
pub mod policy;
pub mod render;
pub mod sanitize;
pub mod testing;
pub mod waiver;
