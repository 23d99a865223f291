//! `lq serve POLICY...`: policies as an HTTP decision service, with hot
//! reload, a decision log, metrics and (with `--playground`) a page for
//! trying a policy in a browser. The server itself is `lq::serve`; this
//! module reads the arguments, prints what happens and waits for signals.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lq::serve::registry::Event;
use lq::serve::{Config, ServeError, Server};

use super::render::Style;
use super::Exit;

/// Arguments of `lq serve`.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  lq serve examples/inbound-saas.lq\n  lq serve inbound=policies/inbound.lq --addr 0.0.0.0:8080 --token-file /etc/lq/token --decision-log decisions.ndjson\n  lq serve examples/inbound-saas.lq --playground    # then open http://127.0.0.1:8080/\n\nSee docs/serve.md for the endpoints."
)]
pub struct Args {
    /// Policy files, each served at /v1/policies/NAME/decide, NAME being
    /// the file's stem; `NAME=FILE` names it.
    #[arg(required = true, value_name = "POLICY")]
    policies: Vec<String>,
    /// The address to listen on (loopback unless you say otherwise; port 0
    /// picks a free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A file whose first line is the bearer token the decide and
    /// playground endpoints require.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// The largest body `decide` takes (e.g. 1MiB, 512KiB).
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_size)]
    max_body: usize,
    /// The largest body `decide/batch` (and the playground) takes.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    max_batch_body: usize,
    /// The most body bytes held by all requests at once; more wait.
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    max_inflight: usize,
    /// Append one NDJSON line per decision to FILE.
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
    /// Rotate the decision log when it reaches SIZE (FILE → FILE.1 → …).
    #[arg(long, value_name = "SIZE", default_value = "100MiB", value_parser = parse_size)]
    decision_log_max_size: usize,
    /// How many rotated decision logs to keep.
    #[arg(long, value_name = "N", default_value_t = 5)]
    decision_log_keep: usize,
    /// How often to look for changed policy files (e.g. 500ms, 2s); a
    /// changed file is loaded once it has stayed the same for one look.
    #[arg(long, value_name = "DURATION", default_value = "500ms", value_parser = parse_duration)]
    watch_every: Duration,
    /// Reload only on SIGHUP, never by looking at the files.
    #[arg(long)]
    no_watch: bool,
    /// Serve the playground page at / (and its endpoints).
    #[arg(long)]
    playground: bool,
}

/// Runs the server until SIGTERM or Ctrl-C.
pub fn run(args: Args, style: &Style) -> Exit {
    let config = match config(&args) {
        Ok(config) => config,
        Err(e) => {
            style.eprint(&e, None);
            return Exit::Usage;
        }
    };
    if config.playground && !config.addr.ip().is_loopback() && config.token.is_none() {
        errln!(
            "warning: the playground on {} lets anyone who can reach it run policies; add --token-file, or listen on 127.0.0.1",
            config.addr
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("lq-serve")
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            errln!("error: cannot start the server's threads: {e}");
            return Exit::Usage;
        }
    };
    let style = *style;
    runtime.block_on(async move {
        let report: lq::serve::registry::Reporter = Box::new(move |event| report(&style, event));
        let names: Vec<String> = config.policies.iter().map(|(n, _)| n.clone()).collect();
        let playground = config.playground;
        let server = match Server::bind(config, report).await {
            Ok(server) => server,
            Err(ServeError::Policy { errors, text }) => {
                for e in &errors {
                    style.eprint(e, Some(&text));
                }
                errln!(
                    "error: lq serves only policies that check; fix {} and start again",
                    text.name
                );
                return Exit::Failure;
            }
            Err(e) => {
                style.eprint(&e, None);
                return Exit::Usage;
            }
        };
        let addr = match server.local_addr() {
            Ok(addr) => addr,
            Err(e) => {
                errln!("error: cannot read the address listened on: {e}");
                return Exit::Usage;
            }
        };
        errln!("lq serve: listening on http://{addr}");
        for name in &names {
            errln!("  POST http://{addr}/v1/policies/{name}/decide");
        }
        if playground {
            errln!("  playground: http://{addr}/");
        }
        tokio::spawn(lq::serve::reload_on_hangup(server.state()));
        match server.run(lq::serve::shutdown_signal()).await {
            Ok(()) => {
                errln!("lq serve: stopped");
                Exit::Success
            }
            Err(e) => {
                style.eprint(&e, None);
                Exit::Usage
            }
        }
    })
}

/// Prints a reload.
fn report(style: &Style, event: &Event<'_>) {
    match event {
        Event::Reloaded { name, sha256 } => {
            errln!("lq serve: reloaded {name} (sha256 {sha256})");
        }
        Event::Rejected { name, problem } => {
            match problem {
                Ok((errors, source)) => {
                    for e in errors.iter() {
                        style.eprint(e, Some(source));
                    }
                    errln!(
                        "lq serve: {name} was not reloaded: {} has {} error{}; the previous version is still served",
                        source.name,
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" }
                    );
                }
                Err(message) => errln!(
                    "lq serve: {name} was not reloaded: {message}; the previous version is still served"
                ),
            }
        }
    }
}

/// The server's settings from the arguments.
fn config(args: &Args) -> Result<Config, ServeError> {
    let mut policies = Vec::with_capacity(args.policies.len());
    for given in &args.policies {
        let (name, path) = match given.split_once('=') {
            Some((name, path)) if !name.contains('/') && !name.contains('\\') => {
                (name.to_string(), PathBuf::from(path))
            }
            _ => {
                let path = PathBuf::from(given);
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (stem, path)
            }
        };
        let fits = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !fits {
            return Err(ServeError::BadName { name });
        }
        policies.push((name, path));
    }
    let mut config = Config::new(policies, args.addr);
    config.max_body = args.max_body;
    config.max_batch_body = args.max_batch_body;
    config.max_inflight_bytes = args.max_inflight.max(args.max_batch_body);
    config.playground = args.playground;
    config.watch = (!args.no_watch).then_some(args.watch_every);
    if let Some(path) = &args.token_file {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ServeError::Token {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        let token = text.lines().next().unwrap_or("").trim().to_string();
        if token.is_empty() {
            return Err(ServeError::Token {
                file,
                reason: "its first line is empty".into(),
            });
        }
        config.token = Some(token);
    }
    config.decision_log = args
        .decision_log
        .as_ref()
        .map(|path| lq::serve::log::LogConfig {
            path: path.clone(),
            max_bytes: args.decision_log_max_size as u64,
            keep: args.decision_log_keep,
        });
    Ok(config)
}

/// `1MiB`, `512KiB`, `64M`, `1000` (bytes).
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. 1MiB, 512KiB or 1000"))?;
    let scale: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => {
            return Err(format!(
                "`{text}` is not a size; write e.g. 1MiB, 512KiB or 1000"
            ))
        }
    };
    match n.checked_mul(scale) {
        Some(0) => Err("a size must be more than 0".into()),
        Some(size) => Ok(size),
        None => Err(format!("`{text}` is too large")),
    }
}

/// `500ms`, `2s`, `1m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("`{text}` is not a duration; write e.g. 500ms, 2s or 1m");
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(bad()),
    };
    if d < Duration::from_millis(10) {
        return Err("look at the files at most every 10ms".into());
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_as_written() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").is_err());
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("2").is_err());
        assert!(parse_duration("1ms").is_err());
    }
}
