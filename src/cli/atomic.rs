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

fn set_pending(path: &Path, pending: bool) {
    if let Ok(mut list) = PENDING.lock() {
        if pending {
            list.push(path.to_path_buf());
        } else {
            list.retain(|p| p != path);
        }
    }
}

/// Writes `path` with `body`, atomically. The outer error is the file's
/// own (creating, flushing or renaming it); the inner one is `body`'s.
pub fn write_atomically<T, E>(
    path: &str,
    body: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> io::Result<Result<T, E>> {
    let target = Path::new(path);
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
    if let Some(permissions) = permissions_for(target) {
        builder.permissions(permissions);
    }
    let temp = builder.tempfile_in(dir)?;
    set_pending(temp.path(), true);
    let written = write_body(temp.as_file(), body);
    set_pending(temp.path(), false);
    let result = match written? {
        Ok(result) => result,
        // Dropping `temp` removes the file.
        Err(e) => return Ok(Err(e)),
    };
    temp.persist(target).map_err(|e| e.error)?;
    Ok(Ok(result))
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

fn write_body<T, E>(
    file: &File,
    body: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> io::Result<Result<T, E>> {
    let mut out = BufWriter::new(file);
    let result = body(&mut out);
    if result.is_ok() {
        out.flush()?;
        file.sync_all()?;
    }
    Ok(result)
}
