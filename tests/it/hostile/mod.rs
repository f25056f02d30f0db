//! Hostile inputs, policies and outputs, end to end: each case gives a clean diagnostic and exit
//! code 2 (or a correct verdict), never a panic, a hang or runaway memory, and the other files of
//! the run are still checked. Fuzz crashers, minimised, are replayed in `regressions`.

mod inputs;
mod nothing_lost;
mod outputs;
mod policies;
mod regressions;
mod repo;
