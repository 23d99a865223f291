//! `lq serve`: policies as an HTTP decision service.
//!
//! A CRM workflow, a form backend or a Salesforce flow posts a lead and
//! gets back the outcome `lq eval --format ndjson` would write for it,
//! with a decision id and the policy's SHA-256. The pieces:
//!
//! - [`registry`]: the named policies, each swapped atomically on reload
//!   (a broken edit keeps the old policy serving);
//! - [`api`]: the decide, batch, listing, health and readiness endpoints;
//! - [`log`]: the decision log, written on its own thread;
//! - [`metrics`]: Prometheus counters and the latency histogram;
//! - [`playground`]: the page for trying a policy in a browser, and the
//!   endpoints it calls (check, evaluate, explain, coverage, diff);
//! - [`reply`]: JSON error bodies, body limits and the bearer token.
//!
//! [`Server::bind`] opens everything that can fail at start (the policies,
//! the log, the socket) so a mistake is reported before the first request;
//! [`Server::run`] serves until the shutdown future resolves, then finishes
//! the requests in flight and flushes the log.

pub mod api;
pub mod error;
pub mod log;
pub mod metrics;
pub mod playground;
pub mod registry;
pub mod reply;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;

pub use error::ServeError;
use registry::Registry;

/// How `lq serve` runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The policies: each a name (what `/v1/policies/{name}` uses) and a
    /// file.
    pub policies: Vec<(String, PathBuf)>,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The bearer token the decide endpoints require, if any.
    pub token: Option<String>,
    /// The most bytes one `decide` body may have.
    pub max_body: usize,
    /// The most bytes one `decide/batch` body (or playground request) may
    /// have.
    pub max_batch_body: usize,
    /// The most body bytes all requests may hold at once; a request waits
    /// for room rather than growing memory without bound.
    pub max_inflight_bytes: usize,
    /// The decision log, if any.
    pub decision_log: Option<log::LogConfig>,
    /// How often policy files are looked at for changes (`None`: only on
    /// SIGHUP).
    pub watch: Option<Duration>,
    /// Whether `/` serves the playground page.
    pub playground: bool,
}

impl Config {
    /// The defaults, for `policies` on `addr`: 1 MiB for one lead, 64 MiB
    /// for a batch, 256 MiB in flight, files looked at every 500 ms.
    pub fn new(policies: Vec<(String, PathBuf)>, addr: SocketAddr) -> Config {
        Config {
            policies,
            addr,
            token: None,
            max_body: 1 << 20,
            max_batch_body: 64 << 20,
            max_inflight_bytes: 256 << 20,
            decision_log: None,
            watch: Some(Duration::from_millis(500)),
            playground: false,
        }
    }
}

/// What every handler shares.
pub struct State {
    /// The policies.
    pub registry: Registry,
    /// The settings.
    pub config: Config,
    /// The counters.
    pub metrics: Arc<metrics::Metrics>,
    /// The decision log, if any.
    pub log: Option<log::DecisionLog>,
    /// Room for request bodies, in KiB.
    pub inflight: Arc<tokio::sync::Semaphore>,
}

/// A server bound to its address, its policies loaded.
pub struct Server {
    state: Arc<State>,
    listener: tokio::net::TcpListener,
}

impl Server {
    /// Loads every policy (a policy with errors is a [`ServeError`] that
    /// carries its diagnostics), opens the decision log and binds the
    /// socket; `report` hears each reload. Call inside a tokio runtime.
    pub async fn bind(config: Config, report: registry::Reporter) -> Result<Server, ServeError> {
        let metrics = Arc::new(metrics::Metrics::new());
        let registry = Registry::load(&config.policies, report)?;
        for slot in registry.slots() {
            metrics.policy(&slot.name);
        }
        let log = match &config.decision_log {
            Some(c) => Some(log::DecisionLog::open(c.clone(), metrics.clone())?),
            None => None,
        };
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| ServeError::bind(config.addr, &e))?;
        let kib = (config.max_inflight_bytes / 1024).max(1);
        let state = Arc::new(State {
            registry,
            metrics,
            log,
            inflight: Arc::new(tokio::sync::Semaphore::new(kib)),
            config,
        });
        Ok(Server { state, listener })
    }

    /// The address it listens on (the port chosen, for `:0`).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (for reloading from outside, e.g. on SIGHUP).
    pub fn state(&self) -> Arc<State> {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves; then stops accepting, lets the
    /// requests in flight finish and flushes the decision log.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let state = self.state;
        let watcher = state.config.watch.map(|every| {
            let state = state.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    let state = state.clone();
                    // Reading and checking a policy is blocking work.
                    let _ = tokio::task::spawn_blocking(move || {
                        state.registry.reload_changed(&state.metrics)
                    })
                    .await;
                }
            })
        });
        let app = router(state.clone());
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        if let Some(watcher) = watcher {
            watcher.abort();
        }
        if let Some(log) = &state.log {
            let log = log.clone();
            let _ = tokio::task::spawn_blocking(move || log.close()).await;
        }
        served.map_err(|e| ServeError::Serve {
            reason: e.to_string(),
        })
    }
}

/// The routes.
pub fn router(state: Arc<State>) -> Router {
    let mut app = Router::new()
        .route("/v1/policies", get(api::list))
        .route("/v1/policies/{name}/decide", post(api::decide))
        .route("/v1/policies/{name}/decide/batch", post(api::batch))
        .route("/health", get(api::health))
        .route("/ready", get(api::ready))
        .route("/metrics", get(api::metrics));
    if state.config.playground {
        app = app.merge(playground::routes());
    }
    app.fallback(api::not_found)
        .method_not_allowed_fallback(api::wrong_method)
        .with_state(state)
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT): the shutdown signal for
/// [`Server::run`].
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

/// Reloads every policy on each SIGHUP, for as long as it runs (spawn it).
pub async fn reload_on_hangup(state: Arc<State>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            let state = state.clone();
            let _ = tokio::task::spawn_blocking(move || state.registry.reload_all(&state.metrics))
                .await;
        }
    }
    #[cfg(not(unix))]
    let _ = state;
}
