//! Reading input files safely: regular files only, within a size limit, never through a symbolic
//! link that leaves the repository, decoded to UTF-8 text.

use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Component, Path, PathBuf};

use miette::{NamedSource, SourceSpan};

use super::LoadError;

/// Reads a file as text within the size limit, refusing anything that is not a regular file.
///
/// Neither a FIFO nor a device is ever opened for a blocking read: the type is checked before
/// opening, the file is opened non-blocking, and the type is checked again on the open file, so a
/// file swapped for a FIFO in between is refused too. The size is checked before reading, and the
/// read stops one byte past the limit, so a file growing meanwhile cannot exhaust memory.
///
/// UTF-8 is read as is (a byte-order mark is dropped); UTF-16 with a byte-order mark is decoded.
/// Spans and offsets then count bytes of the decoded UTF-8 text.
pub fn read_text(path: &Path, name: &str, max_size: u64) -> Result<String, LoadError> {
    let read_err = |e: std::io::Error| LoadError::Read {
        file: name.to_string(),
        reason: e.to_string(),
    };
    let not_a_file = |what| LoadError::NotAFile {
        file: name.to_string(),
        what,
    };
    let kind = fs::metadata(path).map_err(read_err)?.file_type();
    if !kind.is_file() {
        return Err(not_a_file(describe(kind)));
    }
    let file = open_non_blocking(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if !meta.file_type().is_file() {
        return Err(not_a_file(describe(meta.file_type())));
    }
    let too_large = |size: u64| LoadError::TooLarge {
        file: name.to_string(),
        size,
        limit: max_size,
    };
    if meta.len() > max_size {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > max_size {
        return Err(too_large(bytes.len() as u64));
    }
    decode(bytes, name)
}

#[cfg(unix)]
fn open_non_blocking(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_non_blocking(path: &Path) -> std::io::Result<fs::File> {
    fs::File::open(path)
}

/// What a file that is not a regular file is, in words.
fn describe(kind: fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

/// Turns the bytes of a file into text: UTF-8, or UTF-16 with a byte-order mark.
pub fn decode(bytes: Vec<u8>, name: &str) -> Result<String, LoadError> {
    let encoding = |problem: &str| LoadError::Encoding {
        file: name.to_string(),
        problem: problem.to_string(),
    };
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Err(encoding("UTF-32 text is not supported"));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes, name);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes, name);
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        return Err(LoadError::Binary {
            file: name.to_string(),
            offset: at,
        });
    }
    let bytes = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes());
        let shown = crate::document::sanitize::mask_controls(&text).into_owned();
        LoadError::NotUtf8 {
            file: name.to_string(),
            src: NamedSource::new(name, shown),
            at: SourceSpan::new(at.into(), 1),
        }
    })
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Result<String, LoadError> {
    let encoding = |problem: String| LoadError::Encoding {
        file: name.to_string(),
        problem,
    };
    if bytes.len() % 2 != 0 {
        return Err(encoding(
            "UTF-16 text with an odd number of bytes (cut short?)".into(),
        ));
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len());
    for (i, c) in char::decode_utf16(units).enumerate() {
        match c {
            Ok('\0') => {
                return Err(LoadError::Binary {
                    file: name.to_string(),
                    offset: 2 + 2 * i,
                })
            }
            Ok(c) => text.push(c),
            Err(_) => {
                return Err(encoding(format!(
                    "invalid UTF-16: unpaired surrogate at byte {}",
                    2 + 2 * i
                )))
            }
        }
    }
    Ok(text)
}

/// The path to read for `path`, refusing a symbolic link loop, a link to nothing, and a path
/// inside `root` that a symbolic link leads outside it: a pull request could otherwise make
/// bcpcheck read and quote a file such as a CI secret. A path that is outside `root` as written
/// was named by the user and is read as is.
pub fn confine(path: &Path, name: &str, root: &Path) -> Result<PathBuf, LoadError> {
    let link = |problem: String| LoadError::Link {
        file: name.to_string(),
        problem,
    };
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(e) if e.raw_os_error() == Some(libc_eloop()) => {
            return Err(link("symbolic link loop".into()))
        }
        Err(e) if e.kind() == ErrorKind::NotFound && is_link => {
            return Err(link(format!(
                "broken symbolic link (to {})",
                shown_target(path)
            )))
        }
        Err(e) => {
            return Err(LoadError::Read {
                file: name.to_string(),
                reason: e.to_string(),
            })
        }
    };
    let written_inside = lexical(path).starts_with(lexical(root));
    let real_root = root.canonicalize().unwrap_or_else(|_| lexical(root));
    if written_inside && !real.starts_with(&real_root) {
        return Err(link(format!(
            "a symbolic link leads outside the repository (to {})",
            crate::document::sanitize::strip_controls(&real.to_string_lossy())
        )));
    }
    Ok(real)
}

fn shown_target(path: &Path) -> String {
    let target = fs::read_link(path).unwrap_or_default();
    crate::document::sanitize::strip_controls(&target.to_string_lossy())
}

#[cfg(unix)]
fn libc_eloop() -> i32 {
    libc::ELOOP
}

#[cfg(not(unix))]
fn libc_eloop() -> i32 {
    -1
}

/// `path` made absolute and without `.` or `..`, without touching the file system.
fn lexical(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a: ü\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(le, "x").unwrap(), "a: ü\n");
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("a: 1\n".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(be, "x").unwrap(), "a: 1\n");
        assert!(matches!(
            decode(vec![0xFF, 0xFE, 0x00, 0xD8], "x"),
            Err(LoadError::Encoding { .. })
        ));
    }

    #[test]
    fn byte_order_mark_is_dropped_and_nul_means_binary() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFa: 1\n".to_vec(), "x").unwrap(),
            "a: 1\n"
        );
        assert!(matches!(
            decode(b"a\0: 1".to_vec(), "x"),
            Err(LoadError::Binary { offset: 1, .. })
        ));
        assert!(matches!(
            decode(b"a: \xff\n".to_vec(), "x"),
            Err(LoadError::NotUtf8 { .. })
        ));
    }
}
