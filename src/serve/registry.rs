//! The served policies, by name, and their hot reload.
//!
//! Each name holds an `Arc` of the policy being served. A request clones
//! that `Arc` once and decides with it to the end, so a reload — which
//! checks the new text completely before it swaps the `Arc` — never leaves
//! a moment with no policy or half of one, and requests in flight finish
//! on the policy they started with. A file that stops checking keeps the
//! old policy serving; the failure is kept for `/ready` and
//! `/v1/policies` until a good version replaces it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::error::ServeError;
use super::metrics::Metrics;
use crate::report::Record;
use crate::{Error, Policy, Source};

/// One version of a policy, as served.
#[derive(Debug)]
pub struct Served {
    /// Its name in the URLs.
    pub name: String,
    /// The checked, compiled policy.
    pub policy: Policy,
    /// The SHA-256 of its text, in hex.
    pub sha256: String,
    /// When it was loaded (RFC 3339, UTC).
    pub loaded_at: String,
}

impl Served {
    /// The policy's text checked and compiled, or its diagnostics.
    pub fn load(name: &str, file: &str, text: String) -> Result<Served, (Vec<Error>, Source)> {
        let sha256 = sha256_hex(text.as_bytes());
        let policy = Policy::load(Source::new(file, text)).into_result()?;
        Ok(Served {
            name: name.to_string(),
            policy,
            sha256,
            loaded_at: now(),
        })
    }

    /// The schema as `/v1/policies` shows it: each field's name, column,
    /// type and whether it may be missing; the key; the tiers.
    pub fn schema_json(&self) -> Value {
        let checked = self.policy.checked();
        let schema = &checked.schema;
        let fields: Vec<Value> = schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                json!({
                    "name": f.name,
                    "column": f.column,
                    "type": f.ty.to_string(),
                    "optional": f.optional,
                    "key": schema.key == Some(i),
                })
            })
            .collect();
        json!({ "fields": fields, "tiers": checked.tiers })
    }
}

/// Why the last reload of a policy did not take.
#[derive(Clone, Debug)]
pub struct Failure {
    /// When it was tried (RFC 3339, UTC).
    pub at: String,
    /// What went wrong: `the policy has 2 errors` or why the file cannot
    /// be read.
    pub message: String,
    /// The diagnostics, located in the file.
    pub diagnostics: Vec<Record>,
}

impl Failure {
    /// As JSON, for `/ready` and `/v1/policies`.
    pub fn json(&self) -> Value {
        json!({
            "at": self.at,
            "message": self.message,
            "diagnostics": self.diagnostics,
        })
    }
}

/// What happened on a reload, for whoever reports it (the CLI prints it).
pub enum Event<'a> {
    /// A new version is being served.
    Reloaded {
        /// The policy's name.
        name: &'a str,
        /// The new version's SHA-256.
        sha256: &'a str,
    },
    /// A changed file does not check; the old version goes on serving.
    Rejected {
        /// The policy's name.
        name: &'a str,
        /// The diagnostics and the text they point into, or why the file
        /// cannot be read.
        problem: Result<(&'a [Error], &'a Source), &'a str>,
    },
}

/// The file's modification time and length, to notice a change cheaply.
type Stamp = Option<(SystemTime, u64)>;

/// One name: the version served, the file it comes from, and the last
/// failed reload.
pub struct Slot {
    /// The name.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    current: RwLock<Arc<Served>>,
    failure: Mutex<Option<Failure>>,
    /// What the watcher last saw of the file.
    seen: Mutex<Seen>,
}

/// What the watcher last saw of a policy file.
struct Seen {
    /// The file's stamp when last read.
    stamp: Stamp,
    /// The text's hash when last tried.
    sha: String,
    /// A changed stamp seen on the last tick and not read yet: the file
    /// is read once its stamp has held for a tick.
    waiting: Option<Stamp>,
}

impl Slot {
    /// The version being served.
    pub fn current(&self) -> Arc<Served> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The last reload's failure, if the file has not been fixed since.
    pub fn failure(&self) -> Option<Failure> {
        lock(&self.failure).clone()
    }

    /// Reads the file and, if its text changed since it was last tried,
    /// checks it and swaps it in (or keeps the failure). `force` reads
    /// even when the file's stamp has not changed (SIGHUP).
    fn reload(&self, force: bool, metrics: &Metrics, report: &Reporter) {
        let stamp = stamp(&self.path);
        let mut seen = lock(&self.seen);
        // Unchanged stamps are trusted only once the file is old enough
        // that a second write could not share its modification time.
        let settled = stamp
            .is_some_and(|(modified, _)| modified.elapsed().is_ok_and(|age| age.as_secs() >= 2));
        if !force && settled && stamp == seen.stamp {
            return;
        }
        // A changed file is read once its stamp has held for a tick, so
        // that one caught while it is written (emptied, then filled) is
        // read when the writer is done rather than rejected half written.
        if !force && stamp != seen.stamp && seen.waiting != Some(stamp) {
            seen.waiting = Some(stamp);
            return;
        }
        seen.waiting = None;
        let file = self.path.display().to_string();
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|_| format!("{file} is not UTF-8 text; save it as UTF-8")),
            Err(e) => Err(format!(
                "cannot read {file}: {}",
                crate::data::DataError::read_reason(&e)
            )),
        };
        let text = match text {
            Ok(text) => text,
            Err(message) => {
                // A file being replaced may be missing for a moment: say
                // so once, keep serving, and look again on the next tick.
                if seen.stamp.is_some() || force {
                    report(&Event::Rejected {
                        name: &self.name,
                        problem: Err(&message),
                    });
                    metrics.reload(&self.name, false);
                    self.fail(message, Vec::new());
                }
                seen.stamp = None;
                return;
            }
        };
        seen.stamp = stamp;
        let sha = sha256_hex(text.as_bytes());
        if sha == seen.sha {
            return;
        }
        seen.sha = sha.clone();
        if sha == self.current().sha256 {
            *lock(&self.failure) = None;
            return;
        }
        match Served::load(&self.name, &file, text) {
            Ok(served) => {
                let served = Arc::new(served);
                match self.current.write() {
                    Ok(mut current) => *current = served.clone(),
                    Err(poisoned) => *poisoned.into_inner() = served.clone(),
                }
                *lock(&self.failure) = None;
                metrics.reload(&self.name, true);
                report(&Event::Reloaded {
                    name: &self.name,
                    sha256: &served.sha256,
                });
            }
            Err((errors, source)) => {
                metrics.reload(&self.name, false);
                report(&Event::Rejected {
                    name: &self.name,
                    problem: Ok((&errors, &source)),
                });
                let diagnostics: Vec<Record> = errors
                    .iter()
                    .map(|e| Record::new(e, Some(&source), &file))
                    .collect();
                let n = diagnostics.len();
                let message = format!(
                    "{file} has {n} error{}; still serving sha256 {}",
                    if n == 1 { "" } else { "s" },
                    self.current().sha256
                );
                self.fail(message, diagnostics);
            }
        }
    }

    fn fail(&self, message: String, diagnostics: Vec<Record>) {
        *lock(&self.failure) = Some(Failure {
            at: now(),
            message,
            diagnostics,
        });
    }
}

/// Hears reload events.
pub type Reporter = Box<dyn Fn(&Event<'_>) + Send + Sync>;

/// The policies served, by name.
pub struct Registry {
    slots: Vec<Slot>,
    report: Reporter,
}

impl Registry {
    /// Loads every policy; the first that does not check is an error
    /// carrying its diagnostics.
    pub fn load(policies: &[(String, PathBuf)], report: Reporter) -> Result<Registry, ServeError> {
        let mut slots: Vec<Slot> = Vec::with_capacity(policies.len());
        for (name, path) in policies {
            if slots.iter().any(|s| &s.name == name) {
                return Err(ServeError::DuplicateName {
                    name: name.clone(),
                    path: path.display().to_string(),
                });
            }
            let file = path.display().to_string();
            let stamp = stamp(path);
            let text = std::fs::read_to_string(path).map_err(|e| ServeError::Read {
                file: file.clone(),
                reason: crate::data::DataError::read_reason(&e),
            })?;
            let served =
                Served::load(name, &file, text).map_err(|(errors, source)| ServeError::Policy {
                    errors,
                    text: source,
                })?;
            slots.push(Slot {
                name: name.clone(),
                path: path.clone(),
                seen: Mutex::new(Seen {
                    stamp,
                    sha: served.sha256.clone(),
                    waiting: None,
                }),
                current: RwLock::new(Arc::new(served)),
                failure: Mutex::new(None),
            });
        }
        Ok(Registry { slots, report })
    }

    /// The policy named `name`.
    pub fn get(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }

    /// Every policy, in the order given.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// The closest name to a name that is not served, for "did you mean".
    pub fn closest(&self, name: &str) -> Option<&str> {
        self.slots
            .iter()
            .map(|s| (strsim::jaro_winkler(&s.name, name), s.name.as_str()))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| n)
    }

    /// Reloads the policies whose files changed.
    pub fn reload_changed(&self, metrics: &Metrics) {
        for slot in &self.slots {
            slot.reload(false, metrics, &self.report);
        }
    }

    /// Reads and reloads every policy file (SIGHUP).
    pub fn reload_all(&self, metrics: &Metrics) {
        for slot in &self.slots {
            slot.reload(true, metrics, &self.report);
        }
    }
}

/// The hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        use std::fmt::Write;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Now, as RFC 3339 in UTC with milliseconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn stamp(path: &Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Locks a mutex, going on past a panic in another holder (the data is
/// replaced whole, never left half-written).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registry serving one copy of the inbound example, and the
    /// events it reports.
    fn serving(dir: &Path) -> (Registry, PathBuf, Arc<Mutex<Vec<&'static str>>>) {
        let path = dir.join("inbound.lq");
        std::fs::write(&path, include_str!("../../examples/inbound-saas.lq")).expect("written");
        let events = Arc::new(Mutex::new(Vec::new()));
        let heard = events.clone();
        let report: Reporter = Box::new(move |event| {
            lock(&heard).push(match event {
                Event::Reloaded { .. } => "reloaded",
                Event::Rejected { .. } => "rejected",
            })
        });
        let registry = Registry::load(&[("inbound".into(), path.clone())], report).expect("loads");
        (registry, path, events)
    }

    /// A file caught while it is written (emptied, half filled) is not
    /// rejected: it is read once its stamp has held for a tick, whole.
    #[test]
    fn a_file_caught_half_written_is_read_once_it_holds() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (registry, path, events) = serving(dir.path());
        let metrics = Metrics::new();
        let edited = include_str!("../../examples/inbound-saas.lq").replacen(
            "otherwise tier C",
            "otherwise tier B",
            1,
        );
        std::fs::write(&path, &edited[..edited.len() / 2]).expect("written");
        registry.reload_changed(&metrics);
        std::fs::write(&path, &edited).expect("written");
        registry.reload_changed(&metrics);
        assert!(lock(&events).is_empty(), "{:?}", lock(&events));
        registry.reload_changed(&metrics);
        assert_eq!(*lock(&events), ["reloaded"]);
        let slot = registry.get("inbound").expect("served");
        assert_eq!(slot.current().sha256, sha256_hex(edited.as_bytes()));
        assert!(slot.failure().is_none());
        let rendered = metrics.render();
        assert!(!rendered.contains("result=\"failed\""), "{rendered}");
    }

    /// A broken file that holds is rejected on the tick after it changed;
    /// `SIGHUP` reads a file at once.
    #[test]
    fn a_broken_file_that_holds_is_rejected_and_sighup_reads_at_once() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (registry, path, events) = serving(dir.path());
        let metrics = Metrics::new();
        let text = include_str!("../../examples/inbound-saas.lq");
        std::fs::write(&path, text.replace("tiers A > B > C", "tiers A > B >")).expect("written");
        registry.reload_changed(&metrics);
        assert!(lock(&events).is_empty());
        registry.reload_changed(&metrics);
        assert_eq!(*lock(&events), ["rejected"]);
        let slot = registry.get("inbound").expect("served");
        assert!(slot.failure().is_some());
        let edited = text.replacen("otherwise tier C", "otherwise tier B", 1);
        std::fs::write(&path, &edited).expect("written");
        registry.reload_all(&metrics);
        assert_eq!(*lock(&events), ["rejected", "reloaded"]);
        assert_eq!(slot.current().sha256, sha256_hex(edited.as_bytes()));
        assert!(slot.failure().is_none());
    }
}
