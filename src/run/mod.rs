//! Runs: a check of plans and a run of policy fixtures, from resolved settings. Both evaluate
//! through the engine's one path ([`crate::engine::Engine::check_all`]).

pub mod check;
pub mod due;
pub mod fixtures;
pub mod params;
pub mod settings;
pub mod workspace;

pub use settings::{load_config, parse_as_of, RunError, Settings};
