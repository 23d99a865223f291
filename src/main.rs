//! The `lq` binary: hands the command line to the `cli` module, on a thread
//! with a generous stack (policies nest at most 200 levels, but a deep
//! policy should never be what stops a run).

mod cli;

fn main() -> std::process::ExitCode {
    const STACK: usize = 256 * 1024 * 1024;
    let worker = std::thread::Builder::new()
        .name("lq".into())
        .stack_size(STACK)
        .spawn(cli::run);
    match worker.map(|w| w.join()) {
        Ok(Ok(code)) => code,
        // The thread could not start, or it panicked (the panic message is
        // already printed): report an internal error.
        _ => std::process::ExitCode::from(101),
    }
}
