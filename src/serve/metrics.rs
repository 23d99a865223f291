//! The server's counters, in the Prometheus text format (`GET /metrics`):
//! requests by endpoint and status, decisions by policy and class,
//! unreadable leads, request latency, reloads, and the decision log.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The labels of a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route, e.g. `decide` or `batch`.
    pub endpoint: String,
    /// The HTTP status answered.
    pub status: String,
}

/// The labels of a decision.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DecisionLabels {
    /// The policy's name.
    pub policy: String,
    /// The class: a tier, `disqualified`, `unmatched` or `error`.
    pub class: String,
}

/// The labels of a policy-wide count.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PolicyLabels {
    /// The policy's name.
    pub policy: String,
}

/// The labels of a reload.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// The policy's name.
    pub policy: String,
    /// `ok` or `failed`.
    pub result: String,
}

/// The labels of a latency observation.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The route.
    pub endpoint: String,
}

type Latency = Family<EndpointLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    decisions: Family<DecisionLabels, Counter>,
    unreadable: Family<PolicyLabels, Counter>,
    latency: Latency,
    reloads: Family<ReloadLabels, Counter>,
    log_lines: Counter,
    log_dropped: Counter,
    log_failed: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// The metrics, all zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("lq");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by endpoint and status",
            requests.clone(),
        );
        let decisions = Family::<DecisionLabels, Counter>::default();
        registry.register(
            "decisions",
            "Leads decided, by policy and class (a tier, disqualified, unmatched, error)",
            decisions.clone(),
        );
        let unreadable = Family::<PolicyLabels, Counter>::default();
        registry.register(
            "unreadable_leads",
            "Leads that could not be read (answered with an error outcome)",
            unreadable.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's head",
            latency.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "policy_reloads",
            "Policy reloads, by policy and result (ok, or failed and the old version kept)",
            reloads.clone(),
        );
        let log_lines = Counter::default();
        registry.register(
            "decision_log_lines",
            "Lines written to the decision log",
            log_lines.clone(),
        );
        let log_dropped = Counter::default();
        registry.register(
            "decision_log_dropped",
            "Decisions not logged because the log had failed",
            log_dropped.clone(),
        );
        let log_failed = Gauge::default();
        registry.register(
            "decision_log_failed",
            "1 when the decision log has stopped on a write error",
            log_failed.clone(),
        );
        Metrics {
            registry,
            requests,
            decisions,
            unreadable,
            latency,
            reloads,
            log_lines,
            log_dropped,
            log_failed,
        }
    }

    /// A request answered.
    pub fn request(&self, endpoint: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint: endpoint.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&EndpointLabels {
                endpoint: endpoint.to_string(),
            })
            .observe(seconds);
    }

    /// `n` leads of one class decided by a policy.
    pub fn decided(&self, policy: &str, class: &str, n: u64) {
        self.decisions
            .get_or_create(&DecisionLabels {
                policy: policy.to_string(),
                class: class.to_string(),
            })
            .inc_by(n);
        if class == "error" {
            self.unreadable
                .get_or_create(&PolicyLabels {
                    policy: policy.to_string(),
                })
                .inc_by(n);
        }
    }

    /// Starts a policy's counters at zero, so dashboards see them before
    /// the first reload or unreadable lead.
    pub fn policy(&self, policy: &str) {
        for result in ["ok", "failed"] {
            let _ = self.reloads.get_or_create(&ReloadLabels {
                policy: policy.to_string(),
                result: result.to_string(),
            });
        }
        let _ = self.unreadable.get_or_create(&PolicyLabels {
            policy: policy.to_string(),
        });
    }

    /// A reload tried.
    pub fn reload(&self, policy: &str, ok: bool) {
        self.reloads
            .get_or_create(&ReloadLabels {
                policy: policy.to_string(),
                result: if ok { "ok" } else { "failed" }.to_string(),
            })
            .inc();
    }

    /// Lines written to the decision log.
    pub fn logged(&self, n: u64) {
        self.log_lines.inc_by(n);
    }

    /// Lines the failed log could not write.
    pub fn log_dropped(&self, n: u64) {
        self.log_dropped.inc_by(n);
    }

    /// The log stopped on a write error.
    pub fn log_failed(&self) {
        self.log_failed.set(1);
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
