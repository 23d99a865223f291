//! `lq lsp`: the language server, over stdin and stdout, for editors.

use super::render::Style;
use super::Exit;

/// Arguments of `lq lsp`.
#[derive(clap::Args)]
pub struct Args {
    /// Talk over stdin and stdout (the only transport; accepted because
    /// some editors pass it).
    #[arg(long)]
    stdio: bool,
}

/// Runs the server until the editor shuts it down.
pub fn run(args: Args, style: &Style) -> Exit {
    let _ = args.stdio;
    match lq::lsp::stdio() {
        Ok(()) => Exit::Success,
        Err(lq::lsp::LspError::Write(e)) => super::out::failed(super::out::Stream::Stdout, &e),
        Err(e) => {
            style.eprint(&e, None);
            Exit::Usage
        }
    }
}
