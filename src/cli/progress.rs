//! A progress bar on stderr for long runs (`eval`, `coverage`, `diff`,
//! `sweep`): bytes read of the inputs' total, records decided, the rate
//! and the time left. Only when stderr is a terminal, and only for large
//! inputs (or stdin, whose size is unknown); never in a pipe or a log.

use std::io::{IsTerminal, Read};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Inputs smaller than this finish before a bar would help.
const LARGE: u64 = 16 << 20;

/// How often (in records) the records count on the bar is refreshed.
const EVERY: u64 = 1 << 14;

/// The bar of one run, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    records: u64,
    shown: u64,
}

impl Progress {
    /// No bar.
    pub fn none() -> Progress {
        Progress {
            bar: None,
            records: 0,
            shown: 0,
        }
    }

    /// A bar for reading `paths` (`-` is stdin), when stderr is a
    /// terminal and the inputs are large.
    pub fn for_inputs(paths: &[String]) -> Progress {
        let quiet = Progress::none();
        if !std::io::stderr().is_terminal() {
            return quiet;
        }
        let stdin = paths.is_empty() || paths.iter().any(|p| p == "-");
        let total: u64 = paths
            .iter()
            .filter(|p| *p != "-")
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum();
        if !stdin && total < LARGE {
            return quiet;
        }
        let bar = if stdin {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {bytes} read, {msg} ({bytes_per_sec})")
            {
                bar.set_style(style);
            }
            bar
        } else {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "{wide_bar} {bytes}/{total_bytes}, {msg} ({bytes_per_sec}, {eta} left)",
            ) {
                bar.set_style(style);
            }
            bar
        };
        bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
        bar.set_message("0 records");
        Progress {
            bar: Some(bar),
            ..quiet
        }
    }

    /// `input` with its bytes counted on the bar.
    pub fn wrap(&self, input: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
        match &self.bar {
            Some(bar) => Box::new(bar.wrap_read(input)),
            None => input,
        }
    }

    /// Counts records decided (the count shown is refreshed now and then).
    #[inline]
    pub fn records(&mut self, n: usize) {
        self.records += n as u64;
        if self.records - self.shown >= EVERY {
            self.show();
        }
    }

    fn show(&mut self) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} records", self.records));
        }
        self.shown = self.records;
    }

    /// Removes the bar, before the results are printed.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
