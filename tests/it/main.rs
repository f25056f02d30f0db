//! The integration tests, one binary: the CLI end to end, reports, policies, authoring and
//! hostile inputs. Shared helpers live in `support`.

mod authoring;
mod cel;
mod cel_conformance;
mod cli;
mod daily;
mod due;
mod hostile;
mod packs;
mod policies;
mod portfolio;
mod reports;
mod support;
mod typed;
mod verdicts;
mod workspace;
