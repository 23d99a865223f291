//! `lq repl [POLICY]`: experiment with a policy against a lead. On a
//! terminal it is a line editor (history, completion, highlighting,
//! multi-line input); with piped input it reads lines and prints answers
//! without prompts or colour, so sessions can be scripted.

mod helper;
mod session;

use std::cell::RefCell;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use helper::{is_incomplete, LqHelper, Names};
use session::{Declared, Reply, Session};

use super::render::Style;
use super::Exit;

/// Arguments of `lq repl`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq repl examples/inbound-saas.lq\n  echo 'budget >= 10k' | lq repl examples/inbound-saas.lq\n\nType :help at the prompt for the commands."
)]
pub struct Args {
    /// A policy to load.
    policy: Option<String>,
    #[command(flatten)]
    as_of: crate::cli::common::AsOf,
}

/// Runs `lq repl`.
pub fn run(args: Args, style: &Style) -> Exit {
    let mut session = Session::new(args.as_of.date());
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let plain = Style::plain();
    let style = if interactive { style } else { &plain };
    if let Some(path) = &args.policy {
        let reply = session.load_file(path);
        let failed = matches!(reply, Reply::Errors(..));
        print_reply(reply, style);
        if failed && !interactive {
            return Exit::Failure;
        }
    }
    if interactive {
        interactive_loop(&mut session, style)
    } else {
        piped_loop(&mut session, style)
    }
}

/// Prints a reply; returns false when the session should end.
fn print_reply(reply: Reply, style: &Style) -> bool {
    match reply {
        Reply::Text(t) if t.is_empty() => true,
        Reply::Text(t) => {
            // Values may come from a loaded file: shown, not obeyed.
            outln!("{}", lq::printable::escape_keep_lines(&t));
            true
        }
        Reply::Errors(errors, source) => {
            for e in &errors {
                out!(
                    "{}",
                    style.render(e, Some(&source).filter(|s| !s.text.is_empty()))
                );
            }
            true
        }
        Reply::Declared(declared) => {
            let Declared {
                note,
                diagnostics,
                typed,
                at,
                policy,
            } = *declared;
            if let Some(note) = note {
                outln!("{}", lq::printable::escape_keep_lines(&note));
            }
            let window = at..at + typed.text.len();
            for d in &diagnostics {
                let shown = if lq::diagnostic::labels_within(d, &window) {
                    style.render_window(d, &typed, window.clone())
                } else {
                    style.render(d, Some(&policy))
                };
                out!("{shown}");
            }
            true
        }
        Reply::Quit => false,
    }
}

fn piped_loop(session: &mut Session, style: &Style) -> Exit {
    let mut pending = String::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        pending.push_str(&line);
        pending.push('\n');
        if is_incomplete(&pending) {
            continue;
        }
        let reply = session.handle(&pending);
        pending.clear();
        if !print_reply(reply, style) {
            break;
        }
        let _ = std::io::stdout().flush();
    }
    if !pending.trim().is_empty() {
        print_reply(session.handle(&pending), style);
    }
    Exit::Success
}

/// Where history is kept: `$LQ_HISTORY`, else the user's data directory.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LQ_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let dir = dirs::data_dir()?.join("lq");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}

/// The most a history file may hold to be read (bytes).
const HISTORY_MAX_BYTES: u64 = 4 << 20;

/// Whether `path` can serve as the history file: absent (it will be
/// created), or a regular file of at most [`HISTORY_MAX_BYTES`]. A device
/// such as `/dev/zero` or a FIFO would be read without end or block.
fn usable_history(path: &std::path::Path) -> Result<(), String> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(m) if !m.is_file() => Err("it is not a regular file".to_string()),
        Ok(m) if m.len() > HISTORY_MAX_BYTES => Err(format!(
            "it holds {} bytes, more than the {} a history may",
            lq::diagnostic::thousands(m.len()),
            lq::diagnostic::thousands(HISTORY_MAX_BYTES)
        )),
        Ok(_) => Ok(()),
    }
}

fn interactive_loop(session: &mut Session, style: &Style) -> Exit {
    let config = Config::builder()
        .auto_add_history(true)
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut editor: Editor<LqHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            errln!("cannot start the line editor: {e}");
            return Exit::Usage;
        }
    };
    let names = Rc::new(RefCell::new(Names::of(session.policy())));
    editor.set_helper(Some(LqHelper::new(names.clone(), style.colored())));
    let history = history_path().filter(|h| match usable_history(h) {
        Ok(()) => true,
        Err(why) => {
            errln!(
                "warning: history file {} not used: {why}; set LQ_HISTORY to another file",
                lq::printable::escape(&h.display().to_string())
            );
            false
        }
    });
    if let Some(h) = &history {
        let _ = editor.load_history(h);
    }
    outln!(
        "lq {} — :help for commands, Ctrl-D to leave",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match editor.readline("lq> ") {
            Ok(line) => {
                let reply = session.handle(&line);
                *names.borrow_mut() = Names::of(session.policy());
                if !print_reply(reply, style) {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                errln!("{e}");
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = editor.save_history(h);
    }
    Exit::Success
}
