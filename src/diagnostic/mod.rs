//! What all stages share for diagnostics: "did you mean", name lists, and
//! rendering a diagnostic as plain text (for tests, files and the REPL).

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::printable;
use crate::source::{Source, Span};
use shown::ShownSource;

mod shown;

/// A diagnostic's primary span: its first label (empty at 0 without one).
pub fn primary_span(d: &dyn Diagnostic) -> Span {
    d.labels()
        .and_then(|mut l| l.next())
        .map(|l| Span::new(l.offset(), l.offset() + l.len()))
        .unwrap_or_default()
}

/// The closest of `candidates` to `name`: the sole candidate, then a
/// case-insensitive match, then one within an edit distance of
/// max(len / 3, 1).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let candidates: Vec<&str> = candidates.into_iter().filter(|c| *c != name).collect();
    if let [only] = candidates.as_slice() {
        let close =
            strsim::osa_distance(&only.to_lowercase(), &name.to_lowercase()) <= name.len().max(3);
        return close.then(|| only.to_string());
    }
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        return Some(c.to_string());
    }
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| {
            (
                strsim::osa_distance(&c.to_lowercase(), &name.to_lowercase()),
                *c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c.to_string())
}

/// `` `a`, `b` and `c` ``, or "none" for an empty list; long lists are cut.
pub fn list_names(names: &[String]) -> String {
    const MAX: usize = 12;
    let quoted: Vec<String> = names
        .iter()
        .take(MAX)
        .map(|n| format!("`{}`", printable::escape(n)))
        .collect();
    match quoted.len() {
        0 => "none".to_string(),
        1 => quoted[0].clone(),
        _ if names.len() > MAX => format!("{}, ... ({} in all)", quoted.join(", "), names.len()),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// `a Role`, `an Occupation`: the name after the article its sound takes
/// (by its first letter: a vowel takes `an`).
pub fn with_article(name: &str) -> String {
    let vowel = name
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// Names joined by `, `, cut after `max` with `… (N in all)`.
pub fn list_cut(names: &[String], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!("{}, … ({} in all)", names[..max].join(", "), names.len())
    }
}

/// A count with thousands separated by commas: `1,048,576`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "did you mean `x`?", else the list of what exists.
pub fn suggestion_help(suggestion: &Option<String>, plural: &str, known: &[String]) -> String {
    match suggestion {
        Some(s) => format!("did you mean `{s}`?"),
        None if known.is_empty() => format!("there are no {plural} declared"),
        None => format!("the {plural} are {}", list_names(known)),
    }
}

/// Renders a diagnostic over its source as plain text (no colour), at a
/// fixed width, as tests snapshot it and `--color never` prints it.
pub fn render_plain(diagnostic: &dyn Diagnostic, source: Option<&Source>, width: usize) -> String {
    render(diagnostic, source, GraphicalTheme::unicode_nocolor(), width)
}

/// Renders a diagnostic over its source with a theme.
pub fn render(
    diagnostic: &dyn Diagnostic,
    source: Option<&Source>,
    theme: GraphicalTheme,
    width: usize,
) -> String {
    render_window(diagnostic, source, None, theme, width)
}

/// [`render`] over a part of a larger text: `source` holds the part, which
/// starts at byte `window.start` of the text the diagnostic's spans point
/// into and ends at `window.end`. Labels inside the part are moved onto
/// it; labels outside it are left out. The REPL shows a declaration's
/// diagnostics this way, on what was typed (its `<repl>` source), though
/// the checker saw it inside the whole policy.
pub fn render_window(
    diagnostic: &dyn Diagnostic,
    source: Option<&Source>,
    window: Option<std::ops::Range<usize>>,
    theme: GraphicalTheme,
    width: usize,
) -> String {
    // Control characters in the excerpt (an ESC in a string, a
    // right-to-left override in a comment) are shown, not obeyed.
    let named = source.map(|s| ShownSource::new(&s.name, &s.text));
    let wrapped = WithSource {
        inner: diagnostic,
        source: named.as_ref(),
        window,
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width);
    let mut out = String::new();
    if handler.render_report(&mut out, &wrapped).is_err() {
        out = format!("error: {diagnostic}\n");
    }
    out
}

/// Whether every label of a diagnostic (and at least one) lies within
/// `window` of its text.
pub fn labels_within(diagnostic: &dyn Diagnostic, window: &std::ops::Range<usize>) -> bool {
    let Some(labels) = diagnostic.labels() else {
        return false;
    };
    let mut any = false;
    for l in labels {
        let (start, end) = (l.offset(), l.offset() + l.len());
        if start < window.start || end > window.end {
            return false;
        }
        any = true;
    }
    any
}

/// A diagnostic shown over a source it does not carry itself, with the
/// text of its message, help and labels made printable (a column name or
/// a value from data may hold escape sequences).
struct WithSource<'a> {
    inner: &'a dyn Diagnostic,
    source: Option<&'a ShownSource<'a>>,
    /// The part of the diagnostic's text that `source` holds.
    window: Option<std::ops::Range<usize>>,
}

impl fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.inner, f)
    }
}

impl fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable::escape_keep_lines(&self.inner.to_string()))
    }
}

/// A text shown through [`printable::escape_keep_lines`].
fn printable_text<'b>(text: Box<dyn fmt::Display + 'b>) -> Box<dyn fmt::Display + 'b> {
    Box::new(printable::escape_keep_lines(&text.to_string()).into_owned())
}

impl std::error::Error for WithSource<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source()
    }
}

impl Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help().map(printable_text)
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        match self.source {
            Some(s) => Some(s),
            None => self.inner.source_code(),
        }
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let labels = self.inner.labels()?;
        let window = self.window.clone();
        Some(Box::new(labels.filter_map(move |l| {
            let text = l.label().map(|t| printable::escape(t).into_owned());
            let mut span = *l.inner();
            if let Some(w) = &window {
                if span.offset() < w.start || span.offset() + span.len() > w.end {
                    return None;
                }
                span = miette::SourceSpan::new((span.offset() - w.start).into(), span.len());
            }
            Some(if l.primary() {
                miette::LabeledSpan::new_primary_with_span(text, span)
            } else {
                miette::LabeledSpan::new_with_span(text, span)
            })
        })))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.inner.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.inner.diagnostic_source()
    }
}
