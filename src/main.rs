//! The `lq` binary: parses arguments and hands over to `lq::cli`... which
//! lives in this binary's `cli` module so the library stays free of I/O.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
