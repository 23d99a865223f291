//! Writing to standard output and standard error, every write checked.
//!
//! A reader that goes away (`lq ... | head`) is not an error: the run stops
//! quietly with exit 0, as `grep` and `rg` do. Any other failed write (a
//! full disk, an I/O error) stops the run with exit 2 and a message that
//! says it could not *write*. Pending `--output` temporary files are
//! removed either way. Use the [`out!`], [`outln!`], [`err!`] and
//! [`errln!`] macros instead of `print!` and friends, which panic.

use std::fmt;
use std::io::{self, Write};

use super::{atomic, Exit};

/// Which standard stream a write went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "standard output",
            Stream::Stderr => "standard error",
        }
    }
}

/// Writes to standard output, or stops the run if that fails.
pub fn stdout(args: fmt::Arguments<'_>) {
    let result = io::stdout().lock().write_fmt(args);
    checked(Stream::Stdout, result);
}

/// Writes to standard error, or stops the run if that fails. The text is
/// formatted first and written in one call: standard error is not
/// buffered, so writing the pieces of a format one by one let a reader
/// see half a line (a script waiting for `listening on http://…` could
/// read `http://127` and go to the wrong address).
pub fn stderr(args: fmt::Arguments<'_>) {
    let text = fmt::format(args);
    let result = io::stderr().lock().write_all(text.as_bytes());
    checked(Stream::Stderr, result);
}

/// Flushes standard output (at the end of a run), or stops the run.
pub fn flush() {
    let result = io::stdout().lock().flush();
    checked(Stream::Stdout, result);
}

/// Stops the run if `result` is a failed write to `stream`.
pub fn checked<T>(stream: Stream, result: io::Result<T>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(e) => failed(stream, &e),
    }
}

/// Stops the run after a failed write to `stream`: quietly with exit 0
/// when its reader has gone, else with a message and exit 2.
pub fn failed(stream: Stream, error: &io::Error) -> ! {
    atomic::remove_pending();
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(Exit::Success as i32);
    }
    if stream == Stream::Stdout {
        let _ = writeln!(io::stderr(), "{}", write_message(stream.name(), error));
    }
    std::process::exit(Exit::Usage as i32);
}

/// "error: cannot write to standard output: no space left on device".
fn write_message(what: &str, error: &io::Error) -> String {
    format!(
        "error: cannot write to {what}: {}",
        lq::data::DataError::write_reason(error)
    )
}

/// `print!` that stops the run on a failed write.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::out::stdout(format_args!($($arg)*)) };
}

/// `println!` that stops the run on a failed write.
macro_rules! outln {
    () => { $crate::cli::out::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that stops the run on a failed write.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::out::stderr(format_args!($($arg)*)) };
}

/// `eprintln!` that stops the run on a failed write.
macro_rules! errln {
    () => { $crate::cli::out::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}
