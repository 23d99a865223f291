//! The command line: one file per subcommand, each an `Args` struct and a
//! function returning the exit code. Data goes to stdout, diagnostics to
//! stderr.

#[macro_use]
mod out;
mod atomic;
mod check;
mod common;
mod compile;
mod coverage;
mod diff;
mod eval;
mod explain;
mod fmt;
mod generate;
mod input;
#[cfg(feature = "lsp")]
mod lsp;
mod progress;
mod render;
mod repl;
mod schema;
#[cfg(feature = "serve")]
mod serve;
mod sweep;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, as the command-line contract fixes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success = 0,
    /// 1: the policy has errors, a test failed, or records were errors.
    Failure = 1,
    /// 2: a usage or I/O error.
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// lq: lead-qualification policies as checked, tested code.
#[derive(Parser)]
#[command(name = "lq", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  lq check examples/inbound-saas.lq\n  lq eval examples/inbound-saas.lq examples/data/inbound-leads.csv"
)]
struct Cli {
    /// When to colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = render::ColorChoice::Auto)]
    color: render::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check policies, printing every problem.
    Check(check::Args),
    /// Evaluate lead records (CSV, NDJSON or JSON) against a policy.
    Eval(eval::Args),
    /// Run the `test` blocks of policies.
    Test(test::Args),
    /// Show how one lead is decided: every disqualifier, score entry and rule.
    Explain(explain::Args),
    /// Count how often each disqualifier, score entry and rule fires on data.
    Coverage(coverage::Args),
    /// Show what a policy change does to the same leads: who moves, and whether they convert.
    Diff(diff::Args),
    /// Volume against conversion at every cut-off of a score: where should the line be?
    Sweep(sweep::Args),
    /// Compile a policy to SQL that gives the same outcomes in a database.
    Compile(compile::Args),
    /// Rewrite policies in the canonical layout (`--check` to only compare).
    Fmt(fmt::Args),
    /// Experiment with a policy: evaluate expressions and leads, add rules.
    Repl(repl::Args),
    /// Work with schemas: `lq schema infer DATA` proposes one for a data file.
    Schema(schema::Args),
    /// Write synthetic leads for a policy's schema (for benchmarks and trials).
    Generate(generate::Args),
    /// Run the language server for editors, over stdin and stdout.
    #[cfg(feature = "lsp")]
    Lsp(lsp::Args),
    /// Serve policies over HTTP: decisions, reload, metrics, a playground.
    #[cfg(feature = "serve")]
    Serve(serve::Args),
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let stream = if e.use_stderr() {
                out::Stream::Stderr
            } else {
                out::Stream::Stdout
            };
            out::checked(stream, e.print());
            out::flush();
            return if e.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Success.into()
            };
        }
    };
    let style = render::Style::new(cli.color);
    let exit = match cli.command {
        Command::Check(args) => check::run(args, &style),
        Command::Eval(args) => eval::run(args, &style),
        Command::Test(args) => test::run(args, &style),
        Command::Explain(args) => explain::run(args, &style),
        Command::Coverage(args) => coverage::run(args, &style),
        Command::Diff(args) => diff::run(args, &style),
        Command::Sweep(args) => sweep::run(args, &style),
        Command::Compile(args) => compile::run(args, &style),
        Command::Fmt(args) => fmt::run(args, &style),
        Command::Repl(args) => repl::run(args, &style),
        Command::Schema(args) => schema::run(args, &style),
        Command::Generate(args) => generate::run(args, &style),
        #[cfg(feature = "lsp")]
        Command::Lsp(args) => lsp::run(args, &style),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args, &style),
    };
    out::flush();
    exit.into()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks over every subcommand (a flattened
    /// argument named in `conflicts_with` that does not exist, a clash of
    /// names), which it otherwise makes only when that subcommand runs.
    #[test]
    fn every_subcommand_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
