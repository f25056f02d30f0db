//! CLI entry: parse arguments, dispatch to a command, exit with its code.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::process::ExitCode;

use bcpcheck::cli::{self, Command};
use bcpcheck::commands;

// Evaluation allocates many small CEL values; mimalloc makes the allocator's share of a run much smaller.
// The guard parks an evaluating thread that asks for more memory than the budget, rather than aborting.
#[global_allocator]
static ALLOCATOR: bcpcheck::engine::alloc::GuardedAlloc<mimalloc::MiMalloc> =
    bcpcheck::engine::alloc::GuardedAlloc(mimalloc::MiMalloc);

fn main() -> ExitCode {
    let code = match cli::parse().command {
        Command::Check(args) => commands::check::run(args),
        Command::Policies(command) => commands::policies::run(command),
        Command::Due(args) => commands::due::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Init(args) => commands::init::run(args),
        Command::Schema(args) => commands::init::schema(args),
        Command::Completions(args) => commands::shell::completions(args.shell),
        Command::Manpage => commands::shell::manpage(),
    };
    ExitCode::from(code)
}
