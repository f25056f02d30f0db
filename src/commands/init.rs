//! `bcpcheck init` (a plan skeleton) and `bcpcheck schema` (the plan's JSON Schema).

use std::path::Path;

use super::{print_or_fail, EXIT_ERROR, EXIT_OK};
use crate::cli::InitArgs;
use crate::document::{authoring, Format};

/// Runs `bcpcheck init`.
pub fn run(args: InitArgs) -> u8 {
    let written =
        authoring::target(args.path.as_deref(), args.markdown).and_then(|(path, format)| {
            authoring::init(&path, format, args.force).map(|()| (path, format))
        });
    match written {
        Ok((path, format)) => {
            eprintln!(
                "bcpcheck: wrote {0}: replace its placeholders, then run `bcpcheck check --pack core {0}`",
                path.display()
            );
            if format == Format::Yaml {
                let schema = path
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(authoring::SCHEMA_FILE_NAME);
                eprintln!(
                    "bcpcheck: for completion and validation in editors: `bcpcheck schema > {}`",
                    schema.display()
                );
            }
            EXIT_OK
        }
        Err(err) => {
            eprintln!("bcpcheck: {err}");
            EXIT_ERROR
        }
    }
}

/// Runs `bcpcheck schema`.
pub fn schema() -> u8 {
    match print_or_fail(authoring::SCHEMA) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
