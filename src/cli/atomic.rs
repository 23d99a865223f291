//! Output files written atomically: through a temporary file beside the
//! target (`.NAME.XXXXXX.lq-partial`), renamed over it only when everything
//! succeeded. A run that fails or is interrupted (Ctrl-C, SIGTERM, SIGHUP)
//! removes its temporary file and leaves the old target, or none; one that
//! is killed outright (SIGKILL, power loss) can leave only the temporary
//! file, never half a target.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// Temporary files being written, removed if the run is interrupted.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The exit status of an interrupted run, as a shell reports Ctrl-C.
pub const INTERRUPTED: i32 = 130;

/// Removes the pending temporary files on Ctrl-C, SIGTERM or SIGHUP, then
/// exits with [`INTERRUPTED`]. Installed once, by the first atomic write.
fn remove_pending_on_interrupt() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // If a handler cannot be installed, an interrupt still leaves the
        // target whole; only the temporary file stays behind.
        let _ = ctrlc::set_handler(|| {
            if remove_pending() {
                let _ = writeln!(
                    io::stderr(),
                    "interrupted: the output file was left as it was"
                );
            }
            std::process::exit(INTERRUPTED);
        });
    });
}

/// Removes the temporary files still being written (before the process
/// exits without unwinding); whether there were any.
pub fn remove_pending() -> bool {
    let mut removed = false;
    if let Ok(pending) = PENDING.lock() {
        for path in pending.iter() {
            removed |= std::fs::remove_file(path).is_ok();
        }
    }
    removed
}

/// An output file being written: a temporary file beside the real target
/// (symbolic links followed), renamed over it by [`AtomicFile::commit`];
/// dropped without a commit, it is removed. A target that is not a regular
/// file (`/dev/null`, a FIFO, a terminal) is written directly instead, as
/// renaming over it would replace the device with a file.
pub struct AtomicFile {
    kind: Kind,
}

enum Kind {
    Replace {
        temp: tempfile::NamedTempFile,
        target: PathBuf,
        _pending: Pending,
    },
    Direct(File),
}

/// A temporary file's place in the list an interrupt cleans up, for as
/// long as the file may need removing.
struct Pending(PathBuf);

impl Pending {
    fn new(path: &Path) -> Pending {
        if let Ok(mut list) = PENDING.lock() {
            list.push(path.to_path_buf());
        }
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Ok(mut list) = PENDING.lock() {
            list.retain(|p| *p != self.0);
        }
    }
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &str) -> io::Result<AtomicFile> {
        let target = real_target(Path::new(path))?;
        if let Ok(meta) = std::fs::metadata(&target) {
            if meta.is_dir() {
                return Err(io::Error::from(io::ErrorKind::IsADirectory));
            }
            if !meta.is_file() {
                let file = std::fs::OpenOptions::new().write(true).open(&target)?;
                return Ok(AtomicFile {
                    kind: Kind::Direct(file),
                });
            }
        }
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy());
        remove_pending_on_interrupt();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".lq-partial");
        if let Some(permissions) = permissions_for(&target) {
            builder.permissions(permissions);
        }
        let temp = builder.tempfile_in(dir)?;
        let pending = Pending::new(temp.path());
        Ok(AtomicFile {
            kind: Kind::Replace {
                temp,
                target,
                _pending: pending,
            },
        })
    }

    /// The file to write to.
    pub fn file(&self) -> &File {
        match &self.kind {
            Kind::Replace { temp, .. } => temp.as_file(),
            Kind::Direct(file) => file,
        }
    }

    /// Makes what was written the target's content.
    pub fn commit(self) -> io::Result<()> {
        match self.kind {
            // The temporary file leaves the interrupt list when `_pending`
            // is dropped, whatever happens here.
            Kind::Replace { temp, target, .. } => {
                temp.as_file().sync_all()?;
                temp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
            Kind::Direct(_) => Ok(()),
        }
    }
}

/// The file a path finally names: symbolic links followed (even to a file
/// that does not exist yet), so a link is written through, not replaced.
fn real_target(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Whether two paths name the same file: the same text, or the same
/// existing file once links are followed.
pub fn same_file(a: &str, b: &str) -> bool {
    a == b
        || match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

/// Why output `flag` cannot be written to `path`: it is the run's policy
/// or one of its data files, which writing would destroy.
pub fn overwrites_input(flag: &str, path: &str, policy: &str, data: &[String]) -> Option<String> {
    if same_file(path, policy) {
        return Some(format!(
            "{flag} {path} is the policy file; write to another file"
        ));
    }
    data.iter()
        .find(|d| same_file(path, d))
        .map(|d| format!("{flag} {path} is the data file {d}; write to another file"))
}

/// Writes `path` with `body`, atomically. The outer error is the file's
/// own (creating, flushing or renaming it); the inner one is `body`'s.
pub fn write_atomically<T, E>(
    path: &str,
    body: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> io::Result<Result<T, E>> {
    let file = AtomicFile::create(path)?;
    let result = {
        let mut out = BufWriter::new(file.file());
        let result = body(&mut out);
        if result.is_ok() {
            out.flush()?;
        }
        result
    };
    match result {
        Ok(value) => {
            file.commit()?;
            Ok(Ok(value))
        }
        // Dropping `file` removes the temporary file.
        Err(e) => Ok(Err(e)),
    }
}

/// The target's own permissions when it exists (so `lq fmt` keeps a
/// policy's mode), else those of a new file (`rw-r--r--` on Unix), rather
/// than the temporary file's private ones.
fn permissions_for(target: &Path) -> Option<std::fs::Permissions> {
    if let Ok(meta) = std::fs::metadata(target) {
        return Some(meta.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    {
        None
    }
}
