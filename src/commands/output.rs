//! Writing reports and baselines: atomically (temporary file, then rename), and never over an input.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use thiserror::Error;

use crate::report::Report;

/// A report or baseline that cannot be written (exit code 2).
#[derive(Debug, Error, Diagnostic)]
pub enum OutputError {
    /// The destination is a file this run reads.
    #[error("refusing to write {path}: it is an input ({what}) of this run")]
    #[diagnostic(
        code(bcpcheck::output::input),
        help("write reports outside the plans, e.g. under `reports/` or `target/`")
    )]
    Input {
        /// The destination as given.
        path: String,
        /// Which input it is.
        what: &'static str,
    },
    /// Two outputs of the run go to the same file.
    #[error("two outputs of this run would be written to {path}")]
    #[diagnostic(
        code(bcpcheck::output::duplicate),
        help("give each --output, --report and --write-baseline its own file")
    )]
    Duplicate {
        /// The destination as given.
        path: String,
    },
    /// The operating system refused.
    #[error("cannot write {path}: {reason}")]
    #[diagnostic(code(bcpcheck::output::write))]
    Write {
        /// The destination as given.
        path: String,
        /// Why.
        reason: String,
    },
}

/// A path made absolute with symbolic links resolved, as far as it exists, for comparing files.
fn identity(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            std::fs::canonicalize(parent)
                .map(|p| p.join(name))
                .unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// The files a run read, and the destinations claimed so far.
pub struct Destinations {
    inputs: Vec<(PathBuf, &'static str)>,
    claimed: HashSet<PathBuf>,
}

impl Destinations {
    /// The inputs of `report`: plans and other discovered files, policy files, the exceptions file.
    /// `extra` adds more (the config file, a baseline that is read).
    pub fn new(report: &Report, extra: &[(&Path, &'static str)]) -> Self {
        let mut inputs: Vec<(PathBuf, &'static str)> = report
            .files
            .iter()
            .map(|f| (identity(&f.path), "a plan"))
            .collect();
        inputs.extend(
            report
                .policy_set
                .policies
                .iter()
                .filter(|p| !p.origin.path.as_os_str().is_empty())
                .map(|p| (identity(&p.origin.path), "a policy file")),
        );
        inputs.extend(
            report
                .exceptions
                .source_path()
                .map(|p| (identity(p), "the exceptions file")),
        );
        inputs.extend(extra.iter().map(|(p, what)| (identity(p), *what)));
        Destinations {
            inputs,
            claimed: HashSet::new(),
        }
    }

    /// Claims `path` as a destination: refused when it is an input or already claimed.
    pub fn claim(&mut self, path: &Path, shown: &str) -> Result<(), OutputError> {
        let id = identity(path);
        if let Some((_, what)) = self.inputs.iter().find(|(p, _)| *p == id) {
            return Err(OutputError::Input {
                path: shown.to_string(),
                what,
            });
        }
        if !self.claimed.insert(id) {
            return Err(OutputError::Duplicate {
                path: shown.to_string(),
            });
        }
        Ok(())
    }
}

/// Writes through a new temporary file in the same directory, then renames: readers never see half
/// a file. The temporary file is created exclusively under a random name, so a file or symbolic
/// link planted where it would go is never opened (nor written through), and it is flushed to
/// disk before the rename.
pub fn write_atomically(path: &Path, text: &str, shown: &str) -> Result<(), OutputError> {
    write_atomically_with(path, shown, |out| out.write_all(text.as_bytes()))
}

/// [`write_atomically`], the content written by `write` (through a buffer).
pub fn write_atomically_with(
    path: &Path,
    shown: &str,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let failed = |e: std::io::Error| OutputError::Write {
        path: shown.to_string(),
        reason: e.to_string(),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bcpcheck-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Like any new file: read-write as the umask allows, not the temporary file's 0600.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut file = builder.tempfile_in(dir).map_err(failed)?;
    let mut buffered = std::io::BufWriter::new(file.as_file_mut());
    write(&mut buffered)
        .and_then(|()| buffered.flush())
        .map_err(failed)?;
    drop(buffered);
    file.as_file().sync_all().map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Appends `text` to a file another program owns (GitHub's step summary).
pub fn append(path: &Path, text: &str, shown: &str) -> Result<(), OutputError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| OutputError::Write {
            path: shown.to_string(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_planted_link_at_a_temporary_name_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep\n").unwrap();
        #[cfg(unix)]
        for pid in 0..50 {
            let planted = dir.path().join(format!(".out.json.bcpcheck-tmp-{pid}"));
            std::os::unix::fs::symlink(&victim, planted).unwrap();
        }
        let out = dir.path().join("out.json");
        write_atomically(&out, "{}\n", "out.json").unwrap();
        write_atomically(&out, "{\"a\": 1}\n", "out.json").unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{\"a\": 1}\n");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
        let left = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".bcpcheck-")
            })
            .count();
        assert_eq!(left, 0, "no temporary file left");
    }
}
