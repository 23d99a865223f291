//! Printing diagnostics: miette's graphical report, coloured only on a
//! terminal and never when `NO_COLOR` is set.

use std::io::IsTerminal;

use miette::{Diagnostic, GraphicalTheme};

use lq::Source;

/// `--color`
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// How to print diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    color: bool,
    width: usize,
}

impl Style {
    /// The style for stderr under `choice`.
    pub fn new(choice: ColorChoice) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stderr().is_terminal(),
        };
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Style { color, width }
    }

    /// No colour, fixed width: for piped output.
    pub fn plain() -> Style {
        Style {
            color: false,
            width: 100,
        }
    }

    /// The width text is wrapped to (`$COLUMNS`, else 100).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether colour is on.
    pub fn colored(&self) -> bool {
        self.color
    }

    /// Renders a diagnostic over its source.
    pub fn render(&self, diagnostic: &dyn Diagnostic, source: Option<&Source>) -> String {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        lq::diagnostic::render(diagnostic, source, theme, self.width)
    }

    /// A diagnostic over a part of the text it points into
    /// ([`lq::diagnostic::render_window`]).
    pub fn render_window(
        &self,
        diagnostic: &dyn Diagnostic,
        source: &Source,
        window: std::ops::Range<usize>,
    ) -> String {
        let theme = if self.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        lq::diagnostic::render_window(diagnostic, Some(source), Some(window), theme, self.width)
    }

    /// Prints a diagnostic to stderr.
    pub fn eprint(&self, diagnostic: &dyn Diagnostic, source: Option<&Source>) {
        err!("{}", self.render(diagnostic, source));
    }
}

/// `N errors, M warnings` with the right plurals.
pub fn counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// `--format` of the commands that print either for people or for programs.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HumanOrJson {
    /// Text for people.
    Human,
    /// JSON for programs.
    Json,
}
