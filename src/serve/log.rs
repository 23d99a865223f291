//! The decision log: one NDJSON line per decision (its id, time, policy
//! name and SHA-256, the input and the outcome), appended to a file by a
//! thread of its own, so a request never waits on the disk — only, when
//! the disk falls far behind, on room in a bounded queue.
//!
//! The file is rotated by size (`FILE` → `FILE.1` → … → `FILE.N`). A write
//! error (a full disk) stops the log: the error is kept for `/ready`,
//! decisions go on being answered, and the lines not written are counted.
//! On shutdown the queue is drained and the file flushed.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::error::ServeError;
use super::metrics::Metrics;
use super::registry::lock;
use crate::data::DataError;

/// How the decision log is written.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// The file appended to.
    pub path: PathBuf,
    /// Rotate when the file would grow past this many bytes.
    pub max_bytes: u64,
    /// How many rotated files to keep (`FILE.1` … `FILE.N`).
    pub keep: usize,
}

enum Message {
    Lines(Vec<u8>, u64),
    Close,
}

/// The handle requests log through; cheap to clone.
#[derive(Clone)]
pub struct DecisionLog {
    queue: tokio::sync::mpsc::Sender<Message>,
    failed: Arc<Mutex<Option<String>>>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl DecisionLog {
    /// Opens (creates or appends to) the file and starts the writer.
    pub fn open(config: LogConfig, metrics: Arc<Metrics>) -> Result<DecisionLog, ServeError> {
        let file = open_append(&config.path).map_err(|e| ServeError::Log {
            file: config.path.display().to_string(),
            reason: DataError::write_reason(&e),
        })?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let (queue, rx) = tokio::sync::mpsc::channel(4096);
        let config_path = config.path.display().to_string();
        let failed = Arc::new(Mutex::new(None));
        let mut writer = Writer {
            config,
            out: Some(BufWriter::with_capacity(1 << 16, file)),
            size,
            failed: failed.clone(),
            metrics,
        };
        let handle = std::thread::Builder::new()
            .name("lq-decision-log".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| ServeError::Log {
                file: config_path,
                reason: format!("cannot start its thread: {e}"),
            })?;
        Ok(DecisionLog {
            queue,
            failed,
            writer: Arc::new(Mutex::new(Some(handle))),
        })
    }

    /// Queues lines (each ending in `\n`), `count` of them, waiting for
    /// room when the writer is far behind.
    pub async fn write(&self, lines: Vec<u8>, count: u64) {
        let _ = self.queue.send(Message::Lines(lines, count)).await;
    }

    /// [`DecisionLog::write`] from a blocking thread.
    pub fn write_blocking(&self, lines: Vec<u8>, count: u64) {
        let _ = self.queue.blocking_send(Message::Lines(lines, count));
    }

    /// Why the log stopped, if it did.
    pub fn failure(&self) -> Option<String> {
        lock(&self.failed).clone()
    }

    /// Writes what is queued, flushes and stops the writer (blocking).
    pub fn close(&self) {
        let _ = self.queue.blocking_send(Message::Close);
        if let Some(handle) = lock(&self.writer).take() {
            let _ = handle.join();
        }
    }
}

struct Writer {
    config: LogConfig,
    out: Option<BufWriter<File>>,
    size: u64,
    failed: Arc<Mutex<Option<String>>>,
    metrics: Arc<Metrics>,
}

impl Writer {
    fn run(&mut self, mut rx: tokio::sync::mpsc::Receiver<Message>) {
        while let Some(message) = rx.blocking_recv() {
            match message {
                Message::Lines(lines, count) => self.write(&lines, count),
                Message::Close => break,
            }
            // Flush whenever the queue is empty: a quiet server's log is
            // never more than a moment behind.
            if rx.is_empty() {
                self.flush();
            }
        }
        self.flush();
    }

    fn write(&mut self, lines: &[u8], count: u64) {
        if self.out.is_none() {
            self.metrics.log_dropped(count);
            return;
        }
        // Rotation falls between lines: a chunk that would cross the size
        // is written a line at a time.
        if self.size + lines.len() as u64 <= self.config.max_bytes {
            return self.write_lines(lines, count);
        }
        for (written, line) in (0u64..).zip(lines.split_inclusive(|&b| b == b'\n')) {
            if self.out.is_none() {
                self.metrics.log_dropped(count.saturating_sub(written));
                return;
            }
            self.write_lines(line, 1);
        }
    }

    /// Writes whole lines, rotating first if they would cross the size.
    fn write_lines(&mut self, lines: &[u8], count: u64) {
        if self.size > 0 && self.size + lines.len() as u64 > self.config.max_bytes {
            if let Err(e) = self.rotate() {
                self.fail(
                    &format!(
                        "cannot rotate the decision log: {}",
                        DataError::write_reason(&e)
                    ),
                    count,
                );
                return;
            }
        }
        let written = match self.out.as_mut() {
            Some(out) => out.write_all(lines),
            None => return,
        };
        match written {
            Ok(()) => {
                self.size += lines.len() as u64;
                self.metrics.logged(count);
            }
            Err(e) => self.fail(
                &format!(
                    "cannot write the decision log: {}",
                    DataError::write_reason(&e)
                ),
                count,
            ),
        }
    }

    fn flush(&mut self) {
        if let Some(out) = self.out.as_mut() {
            if let Err(e) = out.flush() {
                self.fail(
                    &format!(
                        "cannot write the decision log: {}",
                        DataError::write_reason(&e)
                    ),
                    0,
                );
            }
        }
    }

    /// `FILE.(N-1)` → `FILE.N`, …, `FILE` → `FILE.1`, and a new `FILE`.
    fn rotate(&mut self) -> std::io::Result<()> {
        if let Some(mut out) = self.out.take() {
            out.flush()?;
        }
        let path = &self.config.path;
        if self.config.keep == 0 {
            std::fs::remove_file(path)?;
        } else {
            for n in (1..self.config.keep).rev() {
                let from = numbered(path, n);
                if from.exists() {
                    std::fs::rename(&from, numbered(path, n + 1))?;
                }
            }
            std::fs::rename(path, numbered(path, 1))?;
        }
        self.out = Some(BufWriter::with_capacity(1 << 16, open_append(path)?));
        self.size = 0;
        Ok(())
    }

    fn fail(&mut self, message: &str, count: u64) {
        // What is buffered cannot be written either.
        if let Some(out) = self.out.take() {
            let (_, _) = out.into_parts();
        }
        self.metrics.log_failed();
        self.metrics.log_dropped(count);
        let mut failed = lock(&self.failed);
        if failed.is_none() {
            *failed = Some(message.to_string());
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn numbered(path: &Path, n: usize) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}
