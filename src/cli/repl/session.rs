//! The REPL's state and what each input does: evaluate an expression,
//! extend the policy with a declaration, or run a `:command`.

use std::fmt::Write as _;

use lq::eval::Datum;
use lq::insight::OutcomeSpec;
use lq::{Error, Policy, Source};

/// What the session prints in answer to one input.
pub enum Reply {
    /// Text for the transcript.
    Text(String),
    /// Diagnostics over a source.
    Errors(Vec<Error>, Source),
    /// What a declaration typed at the prompt did: a note (where a rule
    /// went), and its diagnostics. Those that point only into what was
    /// typed are shown on it (`typed`, a `<repl>` source, which starts at
    /// byte `at` of `policy`); any other on the policy.
    Declared(Box<Declared>),
    /// Leave the REPL.
    Quit,
}

/// What a declaration typed at the prompt did ([`Reply::Declared`]).
pub struct Declared {
    /// Where a rule went (`ok` for other declarations); none on errors.
    pub note: Option<String>,
    /// Errors, or the warnings about what was typed.
    pub diagnostics: Vec<Error>,
    /// What was typed, as a `<repl>` source.
    pub typed: Source,
    /// Where `typed` starts in `policy`.
    pub at: usize,
    /// The whole policy the declaration was checked in.
    pub policy: Source,
}

/// A REPL session: the policy (with what was typed), the current lead and
/// the evaluation date.
pub struct Session {
    /// The file loaded, if any.
    path: Option<String>,
    /// The policy text, including declarations typed at the prompt.
    text: String,
    /// Whether `text` is the empty stand-in (no policy loaded yet).
    placeholder: bool,
    policy: Policy,
    lead: Vec<Datum>,
    lead_label: String,
    as_of: i32,
    /// The policy file's text as loaded, before anything was typed: what
    /// `:diff` compares the edited policy with.
    loaded: Option<String>,
    /// Parses each typed declaration's new version of the policy again
    /// only where its text changed.
    reparser: lq::syntax::Reparser,
    /// Whether the reparser's last parse is `policy`'s tree (it can move
    /// that tree's declarations into the next version).
    reparsed: bool,
}

const EMPTY: &str = "schema {}\n";

/// The commands, for `:help` and completion.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        ":load FILE",
        "load a policy (the previous one stays if it has errors)",
    ),
    (":reload", "load the policy file again"),
    (":lead {field: value, ...}", "set the current lead"),
    (":lead NAME", "use a `lead` declared in the policy"),
    (
        ":lead FILE ROW",
        "use record ROW of a CSV, NDJSON or JSON file",
    ),
    (":set FIELD VALUE", "change one field of the current lead"),
    (":eval", "the whole outcome of the current lead"),
    (
        ":run FILE",
        "evaluate every record of a file: the counts and a bar per tier",
    ),
    (
        ":diff FILE [OUTCOME]",
        "what the edits do to a file's leads, against the policy as loaded",
    ),
    (
        ":coverage FILE [OUTCOME]",
        "coverage of the edited policy on a file (with conversion by OUTCOME column)",
    ),
    (
        ":explain",
        "each disqualifier, score entry and rule, with its condition's value",
    ),
    (":schema", "the fields and enums"),
    (":rules", "the disqualifiers, score entries and tier rules"),
    (":type EXPR", "the type of an expression"),
    (":test", "run the policy's tests"),
    (":as-of DATE", "set the evaluation date (default: today)"),
    (
        ":save FILE",
        "write the policy, with what was typed, formatted",
    ),
    (
        ":before RULE DECLARATION",
        "add a tier rule just before the rule named RULE",
    ),
    (":help", "this list"),
    (":quit", "leave (also Ctrl-D)"),
];

impl Session {
    /// A session with no policy: only expressions over literals work until
    /// a `schema` is typed or a policy loaded.
    pub fn new(as_of: i32) -> Session {
        let policy = match Policy::from_source("<repl>", EMPTY) {
            Ok(p) => p,
            Err(_) => unreachable!("the empty schema checks"),
        };
        Session {
            path: None,
            text: EMPTY.to_string(),
            placeholder: true,
            lead: Vec::new(),
            policy,
            lead_label: "an empty lead".into(),
            as_of,
            loaded: None,
            reparser: lq::syntax::Reparser::new(),
            reparsed: false,
        }
    }

    /// The current policy (for completion).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Answers one complete input (possibly several lines).
    pub fn handle(&mut self, input: &str) -> Reply {
        let input = input.trim();
        if input.is_empty() {
            return Reply::Text(String::new());
        }
        if let Some(command) = input.strip_prefix(':') {
            return self.command(command);
        }
        if is_declaration(input) {
            return self.declare(input);
        }
        self.expression(input, false)
    }

    fn command(&mut self, command: &str) -> Reply {
        let (name, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        let rest = rest.trim();
        match name {
            "load" | "l" if !rest.is_empty() => self.load_file(rest),
            "reload" | "r" => match self.path.clone() {
                Some(p) => self.load_file(&p),
                None => Reply::Text("no policy file is loaded; use :load FILE".into()),
            },
            "lead" if !rest.is_empty() => self.set_lead(rest),
            "lead" => Reply::Text(format!(
                "the current lead is {}:\n{}",
                self.lead_label,
                self.show_lead()
            )),
            "set" => self.set_field(rest),
            "eval" | "e" => self.outcome(),
            "run" if !rest.is_empty() => self.run_file(rest),
            "diff" if !rest.is_empty() => self.diff(rest),
            "coverage" if !rest.is_empty() => self.coverage(rest),
            "explain" | "x" => self.explain(),
            "schema" | "s" => Reply::Text(self.schema()),
            "rules" => Reply::Text(self.rules()),
            "type" | "t" if !rest.is_empty() => self.expression(rest, true),
            "test" => Reply::Text(self.tests()),
            "as-of" => match lq::date::parse_iso(rest) {
                Some(d) => {
                    self.as_of = d;
                    Reply::Text(format!("evaluating as of {}", lq::date::format(d)))
                }
                None => Reply::Text(format!("`{rest}` is not a date; write YYYY-MM-DD")),
            },
            "save" if !rest.is_empty() => self.save(rest),
            "before" if !rest.is_empty() => self.declare_before(rest),
            "help" | "h" | "?" => Reply::Text(help()),
            "quit" | "q" | "exit" => Reply::Quit,
            _ => Reply::Text(format!(
                "unknown command `:{name}`{}; :help lists the commands",
                usage_hint(name)
            )),
        }
    }

    // ── the policy ──

    /// Loads a policy file; on errors the previous policy stays.
    pub fn load_file(&mut self, path: &str) -> Reply {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                return Reply::Errors(
                    vec![lq::data::DataError::io(path, &e).into()],
                    Source::new(path, ""),
                )
            }
        };
        match Policy::load(Source::new(path, text.clone())).into_result() {
            Ok(policy) => {
                self.path = Some(path.to_string());
                self.loaded = Some(text.clone());
                self.text = text;
                self.placeholder = false;
                self.replace(policy);
                let c = self.policy.checked();
                Reply::Text(format!(
                    "loaded {path}: {} fields, {} rules, {} tests",
                    c.schema.fields.len(),
                    c.rules.len(),
                    c.tests.len()
                ))
            }
            Err((errors, source)) => Reply::Errors(errors, source),
        }
    }

    /// Installs a new policy, keeping the lead where the schema allows.
    fn replace(&mut self, policy: Policy) {
        // Another parse made this tree (a file loaded); the next typed
        // declaration parses everything.
        self.reparsed = false;
        let fields: Vec<String> = policy
            .checked()
            .schema
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        let old: Vec<String> = self
            .policy
            .checked()
            .schema
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        if fields != old {
            self.lead = vec![Datum::Missing; fields.len()];
            self.lead_label = "an empty lead".into();
        }
        self.policy = policy;
    }

    fn declare(&mut self, input: &str) -> Reply {
        self.declare_at(input, None)
    }

    /// `:before NAME DECLARATION`: a tier rule placed just before the
    /// rule named NAME (or `otherwise`).
    fn declare_before(&mut self, rest: &str) -> Reply {
        let (name, decl) = rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(n, d)| (n, d.trim()));
        let rules = self.policy.ast.items.iter().filter_map(|i| match i {
            lq::syntax::ast::Item::Rule(r) => Some(r),
            _ => None,
        });
        let names: Vec<(String, usize)> = rules
            .map(|r| {
                let name = match (&r.name, &r.when) {
                    (Some(n), _) => n.node.clone(),
                    (None, None) => "otherwise".to_string(),
                    (None, Some(_)) => String::new(),
                };
                (name, r.span.start)
            })
            .filter(|(n, _)| !n.is_empty())
            .collect();
        let Some(at) = names.iter().find(|(n, _)| n == name).map(|(_, at)| *at) else {
            let hint = lq::diagnostic::did_you_mean(name, names.iter().map(|(n, _)| n.as_str()))
                .map_or_else(String::new, |n| format!("; did you mean `{n}`?"));
            return Reply::Text(format!(
                "no rule is named `{name}`{hint} (:rules lists them)"
            ));
        };
        if decl.is_empty() {
            return Reply::Text(format!(
                "give the rule to place: :before {name} when ... then tier T"
            ));
        }
        self.declare_at(decl, Some(at))
    }

    /// Adds a declaration to the policy; a tier rule goes before
    /// `otherwise`, or before the rule starting at byte `before`.
    fn declare_at(&mut self, input: &str, before: Option<usize>) -> Reply {
        // What was typed is parsed on its own first, by the grammar, so a
        // broken declaration is reported on the text the user typed (a
        // `<repl>` source), and where it goes is decided by what it is,
        // not by how it starts. A score entry (`+5 when ...`) is no
        // declaration alone: it goes into the last score block.
        let is_entry = input.starts_with('+') || input.starts_with('-');
        let parsed = if is_entry {
            None
        } else {
            match lq::syntax::parse(input) {
                Ok(p) => Some(p),
                Err(errors) => {
                    return Reply::Errors(
                        errors.into_iter().map(Error::from).collect(),
                        Source::new("<repl>", input),
                    )
                }
            }
        };
        let is_rule = matches!(
            parsed.as_ref().map(|p| p.items.as_slice()),
            Some([lq::syntax::ast::Item::Rule(r)]) if r.when.is_some()
        );
        if before.is_some() && !is_rule {
            return Reply::Text(
                ":before places one tier rule: :before NAME when ... then tier T".into(),
            );
        }
        let (new_text, at) = self.with_declaration(input, parsed.as_ref(), before);
        let name = self.path.clone().unwrap_or_else(|| "<repl>".to_string());
        let previous = self.reparsed.then(|| self.policy.ast.clone());
        let loaded = Policy::load_again(
            Source::new(name, new_text.clone()),
            &mut self.reparser,
            previous,
        );
        let window = at..at + input.len();
        let mine = |d: &Error| lq::diagnostic::labels_within(d, &window);
        let typed = Source::new("<repl>", input);
        match loaded.policy {
            Some(policy) => {
                // Warnings about what was typed (a rule that can never
                // decide, a condition always true); the policy's own
                // warnings were shown when it was loaded. That a `let`,
                // enum or tier just typed is not used yet is no news.
                let warnings: Vec<Error> = loaded
                    .diagnostics
                    .into_iter()
                    .filter(|d| d.is_warning() && mine(d) && !unused_yet(d))
                    .collect();
                let note = if is_rule {
                    placement(&policy, at)
                } else {
                    "ok".to_string()
                };
                self.text = new_text;
                self.placeholder = self.placeholder && !input.starts_with("schema");
                self.replace(policy);
                self.reparsed = true;
                Reply::Declared(Box::new(Declared {
                    note: Some(note),
                    diagnostics: warnings,
                    typed,
                    at,
                    policy: loaded.source,
                }))
            }
            None => {
                // The reparser holds the rejected version now.
                self.reparsed = false;
                Reply::Declared(Box::new(Declared {
                    note: None,
                    diagnostics: loaded
                        .diagnostics
                        .into_iter()
                        .filter(|d| !d.is_warning())
                        .collect(),
                    typed,
                    at,
                    policy: loaded.source,
                }))
            }
        }
    }

    /// The policy text with `decl` added where it belongs, and the byte
    /// where `decl` starts in it: a rule before `otherwise` (or before the
    /// rule at byte `before`), a score entry in the last score block, a
    /// schema in place of the empty stand-in, anything else at the end.
    fn with_declaration(
        &self,
        decl: &str,
        parsed: Option<&lq::syntax::ast::Policy>,
        before: Option<usize>,
    ) -> (String, usize) {
        use lq::syntax::ast::Item;
        let items = &self.policy.ast.items;
        let typed: &[Item] = parsed.map_or(&[], |p| p.items.as_slice());
        let only = match typed {
            [one] => Some(one),
            _ => None,
        };
        let is_rule = matches!(only, Some(Item::Rule(r)) if r.when.is_some());
        if matches!(only, Some(Item::Schema(_))) && self.placeholder {
            return (format!("{decl}\n"), 0);
        }
        // Declarations go in without adding a line before anything already
        // there, so that `line N` labels (and tests naming them) stay put.
        if let Some(Item::Enum(e)) = only {
            if let Some(extended) = self.extend_enum(decl, e) {
                return extended;
            }
        }
        if is_rule {
            let otherwise = items.iter().find_map(|i| match i {
                Item::Rule(r) if r.when.is_none() => Some(r.span.start),
                _ => None,
            });
            if let Some(at) = before.or(otherwise) {
                return (
                    format!("{}{decl}  {}", &self.text[..at], &self.text[at..]),
                    at,
                );
            }
        }
        if parsed.is_none() {
            let block = items.iter().rev().find_map(|i| match i {
                Item::Score(b) => Some(b.span.end),
                _ => None,
            });
            return match block {
                Some(end) => {
                    let close = end.saturating_sub(1);
                    (
                        format!("{}; {decl} {}", &self.text[..close], &self.text[close..]),
                        close + 2,
                    )
                }
                None => {
                    let head = format!("{}\nscore {{\n  ", self.text.trim_end());
                    (format!("{head}{decl}\n}}\n"), head.len())
                }
            };
        }
        let head = format!("{}\n", self.text.trim_end());
        (format!("{head}{decl}\n"), head.len())
    }

    /// `enum Role { Intern }` when `Role` exists: its variants (as typed,
    /// from the first variant's name to the last one's end, by the parsed
    /// spans) are added to the existing enum.
    fn extend_enum(
        &self,
        decl: &str,
        typed: &lq::syntax::ast::EnumDecl,
    ) -> Option<(String, usize)> {
        let existing = self.policy.ast.items.iter().find_map(|i| match i {
            lq::syntax::ast::Item::Enum(e) if e.name.node == typed.name.node => Some(e.span),
            _ => None,
        })?;
        let first = typed.variants.first()?;
        let last = typed.variants.last()?;
        let end = last
            .spellings
            .last()
            .map_or(last.name.span.end, |s| s.span.end);
        // A spelling's span ends at its closing quote; the `)` follows.
        let end = decl[end..]
            .find(|c: char| !c.is_whitespace())
            .filter(|i| decl[end + i..].starts_with(')'))
            .map_or(end, |i| end + i + 1);
        let from = first.name.span.start;
        let added = decl.get(from..end)?;
        let close = existing.end.checked_sub(1)?;
        let before = self.text[..close].trim_end();
        let comma = if before.ends_with('{') || before.ends_with(',') {
            ""
        } else {
            ","
        };
        let head = format!("{before}{comma} ");
        // Where `decl` would start, were all of it there: its variants
        // land at their own offset from it.
        let at = head.len().checked_sub(from)?;
        Some((format!("{head}{added} {}", &self.text[close..]), at))
    }

    fn save(&self, path: &str) -> Reply {
        let text = match lq::fmt::format(&self.text) {
            Ok(f) => f.text,
            Err(_) => self.text.clone(),
        };
        match std::fs::write(path, text) {
            Ok(()) => Reply::Text(format!("saved {path}")),
            Err(e) => Reply::Errors(
                vec![lq::data::DataError::write(path, &e).into()],
                Source::new(path, ""),
            ),
        }
    }

    // ── the lead ──

    fn set_lead(&mut self, rest: &str) -> Reply {
        if rest.starts_with('{') {
            return match self.record(rest) {
                Ok(values) => {
                    self.lead = values
                        .into_iter()
                        .map(|v| v.unwrap_or(Datum::Missing))
                        .collect();
                    self.lead_label = "the lead typed".into();
                    Reply::Text(self.show_lead())
                }
                Err(reply) => reply,
            };
        }
        let words: Vec<&str> = rest.split_whitespace().collect();
        match words.as_slice() {
            [name] => {
                let found = self
                    .policy
                    .checked()
                    .leads
                    .iter()
                    .find(|l| l.name == *name)
                    .cloned();
                match found {
                    Some(lead) => {
                        self.lead = lead
                            .values
                            .into_iter()
                            .map(|v| v.unwrap_or(Datum::Missing))
                            .collect();
                        self.lead_label = format!("lead {name}");
                        Reply::Text(self.show_lead())
                    }
                    None => {
                        let known: Vec<String> = self
                            .policy
                            .checked()
                            .leads
                            .iter()
                            .map(|l| l.name.clone())
                            .collect();
                        Reply::Text(format!(
                            "no lead `{name}`; the leads are {}",
                            lq::diagnostic::list_names(&known)
                        ))
                    }
                }
            }
            [file, row] => self.lead_from_file(file, row),
            _ => {
                Reply::Text("write :lead {field: value, ...}, :lead NAME or :lead FILE ROW".into())
            }
        }
    }

    /// A record literal checked against the schema.
    fn record(&self, literal: &str) -> Result<Vec<Option<Datum>>, Reply> {
        let text = format!("{}\nlead __repl_lead {literal}\n", self.text.trim_end());
        let p = Policy::load(Source::new("<lead>", text))
            .into_result()
            .map_err(|(errors, source)| Reply::Errors(errors, source))?;
        Ok(p.checked()
            .leads
            .iter()
            .find(|l| l.name == "__repl_lead")
            .map(|l| l.values.clone())
            .unwrap_or_default())
    }

    fn set_field(&mut self, rest: &str) -> Reply {
        let Some((field, value)) = rest.split_once(char::is_whitespace) else {
            return Reply::Text("write :set FIELD VALUE, e.g. :set budget 25k".into());
        };
        // One value: `:set n 5, id: 7` is not two fields, and `:set id [`
        // is not the start of a list that swallows what comes next.
        if let Err(errors) = lq::syntax::parse_expr(value.trim()) {
            return Reply::Errors(
                errors.into_iter().map(Error::from).collect(),
                Source::new("<repl>", value.trim()),
            );
        }
        match self.record(&format!("{{ {field}: {} }}", value.trim())) {
            Ok(values) => {
                if self.lead.len() != values.len() {
                    self.lead = vec![Datum::Missing; values.len()];
                }
                for (slot, v) in values.into_iter().enumerate() {
                    if let Some(v) = v {
                        self.lead[slot] = v;
                    }
                }
                Reply::Text(self.show_lead())
            }
            Err(reply) => reply,
        }
    }

    fn lead_from_file(&mut self, file: &str, row: &str) -> Reply {
        let Ok(row) = row.parse::<usize>() else {
            return Reply::Text(format!("`{row}` is not a row number"));
        };
        let (input, format) = match crate::cli::input::open_input(file, None) {
            Ok(opened) => opened,
            Err(e) => return Reply::Errors(vec![e.into()], Source::new(file, "")),
        };
        let reader = match lq::data::RecordReader::new(self.policy.checked(), input, format, file) {
            Ok(r) => r,
            Err(e) => return Reply::Errors(vec![e.into()], Source::new(file, "")),
        };
        for item in reader {
            match item {
                Err(e) => return Reply::Errors(vec![e.into()], Source::new(file, "")),
                Ok(Ok((n, record))) if n == row => {
                    self.lead = record;
                    self.lead_label = format!("row {row} of {file}");
                    return Reply::Text(self.show_lead());
                }
                Ok(Err(e)) if e.row == row => {
                    return Reply::Text(format!(
                        "cannot use this row:\n  {}",
                        e.messages().join("\n  ")
                    ))
                }
                Ok(_) => {}
            }
        }
        Reply::Text(format!("{file} has fewer than {row} records"))
    }

    /// Every record of a file through the batch engine, as `lq eval`
    /// counts them.
    fn run_file(&mut self, file: &str) -> Reply {
        let opened = crate::cli::input::open_input(file, None).and_then(|(input, format)| {
            lq::data::RecordReader::new(self.policy.checked(), input, format, file)
        });
        let reader = match opened {
            Ok(r) => r,
            Err(e) => return Reply::Errors(vec![e.into()], Source::new(file, "")),
        };
        let batch = lq::batch::Batch::new(&self.policy, self.as_of);
        match batch.run([reader], &mut lq::batch::CountOnly) {
            Ok(tally) => Reply::Text(format!(
                "{}\n{}",
                tally.line(),
                tally.bars(&self.policy.checked().tiers).trim_end()
            )),
            Err(lq::batch::Failed::Data(e)) => Reply::Errors(vec![e.into()], Source::new(file, "")),
            Err(lq::batch::Failed::Sink(never)) => match never {},
        }
    }

    /// `FILE [OUTCOME]`: the data file and the outcome spec, if any.
    fn file_and_outcome(rest: &str) -> Result<(String, Option<OutcomeSpec>), Reply> {
        let (file, spec) = match rest.split_once(char::is_whitespace) {
            Some((file, spec)) => (file, Some(spec.trim())),
            None => (rest, None),
        };
        let spec = match spec.filter(|s| !s.is_empty()).map(OutcomeSpec::parse) {
            None => None,
            Some(Ok(spec)) => Some(spec),
            Some(Err(e)) => {
                let help = miette::Diagnostic::help(&e).map_or_else(String::new, |h| h.to_string());
                return Err(Reply::Text(format!("error: {e}\n  help: {help}")));
            }
        };
        Ok((file.to_string(), spec))
    }

    /// What the edits typed at the prompt do to a file's leads, against
    /// the policy as loaded: `lq diff` of the two.
    fn diff(&mut self, rest: &str) -> Reply {
        let Some(loaded) = self.loaded.clone() else {
            return Reply::Text("no policy file is loaded to compare with; use :load FILE".into());
        };
        let (file, spec) = match Self::file_and_outcome(rest) {
            Ok(parsed) => parsed,
            Err(reply) => return reply,
        };
        let name = self.path.clone().unwrap_or_else(|| "<loaded>".into());
        let old = match Policy::load(Source::new(&name, loaded)).into_result() {
            Ok(policy) => policy,
            Err(_) => return Reply::Text(format!("{name} no longer checks; :reload it")),
        };
        let progress = crate::cli::progress::Progress::none();
        let files = [file.clone()];
        let readers = match crate::cli::diff::open_both(
            &old,
            &self.policy,
            &files,
            None,
            spec.as_ref(),
            &progress,
        ) {
            Ok(readers) => readers,
            Err(e) => return Reply::Errors(vec![e.into()], Source::new(&file, "")),
        };
        let compared = crate::cli::diff::compare(
            (&old, &self.policy),
            readers,
            self.as_of,
            spec.as_ref(),
            None::<lq::insight::moved::MovedWriter<std::io::Sink>>,
            progress,
        );
        match compared {
            Ok((diff, _)) => Reply::Text(diff.render(spec.as_ref(), false).trim_end().to_string()),
            Err(lq::batch::Failed::Data(e)) => {
                Reply::Errors(vec![e.into()], Source::new(&file, ""))
            }
            Err(lq::batch::Failed::Sink(e)) => Reply::Text(format!("cannot compare: {e}")),
        }
    }

    /// `lq coverage` of the edited policy on a file.
    fn coverage(&mut self, rest: &str) -> Reply {
        let (file, spec) = match Self::file_and_outcome(rest) {
            Ok(parsed) => parsed,
            Err(reply) => return reply,
        };
        let progress = crate::cli::progress::Progress::none();
        let files = [file.clone()];
        let counted = crate::cli::input::open_readers(
            self.policy.checked(),
            &files,
            None,
            &progress,
            spec.as_ref(),
        )
        .and_then(|readers| {
            crate::cli::coverage::count(&self.policy, readers, self.as_of, spec.as_ref(), progress)
        });
        match counted {
            Ok(coverage) => Reply::Text(coverage.render(spec.as_ref()).trim_end().to_string()),
            Err(e) => Reply::Errors(vec![e.into()], Source::new(&file, "")),
        }
    }

    fn show_lead(&self) -> String {
        let c = self.policy.checked();
        let mut out = String::new();
        for (f, d) in c.schema.fields.iter().zip(&self.lead) {
            let _ = writeln!(out, "  {}: {}", f.name, show(c, d, &f.ty));
        }
        out.trim_end().to_string()
    }

    // ── evaluation ──

    fn expression(&mut self, text: &str, type_only: bool) -> Reply {
        match self.policy.expression(text) {
            Ok(e) if type_only => Reply::Text(e.ty.to_string()),
            Ok(e) => {
                self.pad_lead();
                let value = self.policy.eval_expression(&e, &self.lead, self.as_of);
                Reply::Text(format!(
                    "{} : {}",
                    show(self.policy.checked(), &value, &e.ty),
                    e.ty
                ))
            }
            Err(errors) => Reply::Errors(errors, Source::new("<input>", text)),
        }
    }

    fn pad_lead(&mut self) {
        let n = self.policy.checked().schema.fields.len();
        self.lead.resize(n, Datum::Missing);
    }

    fn outcome(&mut self) -> Reply {
        self.pad_lead();
        let o = self.policy.evaluate(1, &self.lead, self.as_of);
        let mut out = format!("status {}", o.status.as_str());
        if let Some(t) = &o.tier {
            let _ = write!(out, ", tier {t}");
        }
        let _ = write!(out, ", score {}", o.score.unwrap_or(0));
        if !o.scores.is_empty() {
            let blocks: Vec<String> = o.scores.iter().map(|(n, s)| format!("{n} {s}")).collect();
            let _ = write!(out, " ({})", blocks.join(", "));
        }
        if let Some(r) = &o.rule {
            let _ = write!(out, ", rule {r}");
        }
        if let Some(r) = &o.route {
            let _ = write!(out, ", route {r:?}");
        }
        if !o.reasons.is_empty() {
            let _ = write!(out, ", reasons {:?}", o.reasons);
        }
        Reply::Text(out)
    }

    fn explain(&mut self) -> Reply {
        self.pad_lead();
        let trace = self.policy.trace(&self.lead, self.as_of);
        Reply::Text(
            lq::explain::render_width(&self.policy, &trace, Some(100))
                .trim_end()
                .to_string(),
        )
    }

    fn tests(&self) -> String {
        let results = lq::testing::run_tests(&self.policy, self.as_of);
        let mut out = String::new();
        for r in &results {
            let _ = writeln!(
                out,
                "test {:?} ... {}",
                r.name,
                if r.passed() { "ok" } else { "FAILED" }
            );
            for m in &r.failures {
                let _ = writeln!(out, "    expected {}, got {}", m.expected, m.actual);
            }
        }
        let passed = results.iter().filter(|r| r.passed()).count();
        let _ = write!(out, "{passed} passed; {} failed", results.len() - passed);
        out
    }

    fn schema(&self) -> String {
        let c = self.policy.checked();
        let mut out = String::new();
        for f in &c.schema.fields {
            let key = if c
                .schema
                .key
                .is_some_and(|k| c.schema.fields[k].name == f.name)
            {
                " key"
            } else {
                ""
            };
            let from = if f.column != f.name {
                format!(" from {:?}", f.column)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {}: {}{}{key}{from}",
                f.name,
                f.ty,
                if f.optional { "?" } else { "" }
            );
        }
        for e in &c.enums {
            let variants: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
            let _ = writeln!(out, "enum {} {{ {} }}", e.name, variants.join(", "));
        }
        if !c.tiers.is_empty() {
            let _ = writeln!(out, "tiers {}", c.tiers.join(" > "));
        }
        out.trim_end().to_string()
    }

    fn rules(&self) -> String {
        let c = self.policy.checked();
        let text = &self.policy.source.text;
        let snippet = |s: lq::source::Span| {
            text.get(s.start..s.end)
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = String::new();
        for d in &c.disqualifiers {
            let _ = writeln!(out, "  {}", snippet(d.span));
        }
        for b in &c.blocks {
            let _ = writeln!(out, "  score {}", b.name.as_deref().unwrap_or("(unnamed)"));
            for e in &b.entries {
                let _ = writeln!(out, "    {}", snippet(e.span));
            }
        }
        for r in &c.rules {
            let _ = writeln!(out, "  [{}] {}", r.label, snippet(r.span));
        }
        if out.is_empty() {
            out.push_str("no disqualifiers, score blocks or rules yet");
        }
        out.trim_end().to_string()
    }
}

/// Whether an input declares something (rather than being an expression).
pub fn is_declaration(input: &str) -> bool {
    let word: String = input
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    // `score` alone (or compared) is the total score; a block has braces.
    if word == "score" && !input.contains('{') {
        return false;
    }
    let first = input.chars().next().unwrap_or(' ');
    (first == '+' || first == '-')
        && input[1..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
        || matches!(
            word.as_str(),
            "let"
                | "enum"
                | "schema"
                | "tiers"
                | "disqualify"
                | "score"
                | "rule"
                | "when"
                | "otherwise"
                | "lead"
                | "test"
                | "policy"
        )
}

pub use lq::explain::show;

fn help() -> String {
    let mut out = String::from(
        "Type an expression to evaluate it against the current lead (`budget >= 10k`),\n\
         or a declaration to add it to the policy (`let big = budget >= 50k`, a rule,\n\
         `+5 when demo_requested` for the last score block, a test). Commands:\n",
    );
    for (c, what) in COMMANDS {
        let _ = writeln!(out, "  {c:<28} {what}");
    }
    out.trim_end().to_string()
}

fn usage_hint(name: &str) -> &'static str {
    match name {
        "load" | "l" => " (write :load FILE)",
        "type" | "t" => " (write :type EXPR)",
        "save" => " (write :save FILE)",
        _ => "",
    }
}

/// Where a rule typed at the prompt went, starting at byte `at`: after
/// which rule, before which.
fn placement(policy: &Policy, at: usize) -> String {
    let rules = &policy.checked().rules;
    let Some(i) = rules.iter().position(|r| r.span.start == at) else {
        return "ok".to_string();
    };
    let name = |r: &lq::check::tir::RuleDef| -> String {
        if r.when.is_none() {
            "`otherwise`".to_string()
        } else if let Some(line) = r.label.strip_prefix("line ") {
            format!("the rule at line {line}")
        } else {
            format!("rule `{}`", r.label)
        }
    };
    let this = if rules[i].label.starts_with("line ") {
        "the rule".to_string()
    } else {
        format!("rule `{}`", rules[i].label)
    };
    match (
        i.checked_sub(1).and_then(|p| rules.get(p)),
        rules.get(i + 1),
    ) {
        (None, None) => format!("added {this}, the only rule"),
        (None, Some(next)) => format!("added {this} first, before {}", name(next)),
        (Some(prev), None) => format!("added {this} last, after {}", name(prev)),
        (Some(prev), Some(next)) => {
            format!("added {this} after {}, before {}", name(prev), name(next))
        }
    }
}

/// Whether a warning only says that something is not used (yet).
fn unused_yet(d: &Error) -> bool {
    use miette::Diagnostic;
    let code = d.code().map(|c| c.to_string()).unwrap_or_default();
    matches!(
        code.as_str(),
        "lq::unused_let" | "lq::unused_enum" | "lq::unused_tier"
    )
}
