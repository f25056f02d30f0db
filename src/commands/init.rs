//! `bcpcheck init` (a plan, register or BIA skeleton) and `bcpcheck schema` (their JSON Schemas).

use std::path::Path;

use super::{print_or_fail, EXIT_ERROR, EXIT_OK};
use crate::cli::{DocumentKind, InitArgs, SchemaArgs};
use crate::document::{authoring, schema, Format};

/// Runs `bcpcheck init`.
pub fn run(args: InitArgs) -> u8 {
    let Some(skeleton) = authoring::skeleton_of(args.kind.name()) else {
        eprintln!("bcpcheck: no skeleton for {}", args.kind.name());
        return EXIT_ERROR;
    };
    let written = authoring::target(skeleton, args.path.as_deref(), args.markdown).and_then(
        |(path, format)| {
            authoring::init(skeleton, &path, format, args.force).map(|()| (path, format))
        },
    );
    match written {
        Ok((path, format)) => {
            let pack = if args.kind == DocumentKind::Plan {
                "--pack core "
            } else {
                ""
            };
            eprintln!(
                "bcpcheck: wrote {0}: replace its placeholders, then run `bcpcheck check {pack}{0}`",
                path.display()
            );
            if format == Format::Yaml {
                let schema = path
                    .parent()
                    .unwrap_or(Path::new(""))
                    .join(skeleton.schema_file);
                let kind = match args.kind {
                    DocumentKind::Plan => String::new(),
                    _ => format!(" --kind {}", skeleton.flag),
                };
                eprintln!(
                    "bcpcheck: for completion and validation in editors: `bcpcheck schema{kind} > {}`",
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
pub fn schema(args: SchemaArgs) -> u8 {
    let Some(text) = schema::text(args.kind.name()) else {
        eprintln!(
            "bcpcheck: the schema of {} does not compile",
            args.kind.name()
        );
        return EXIT_ERROR;
    };
    match print_or_fail(&text) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
