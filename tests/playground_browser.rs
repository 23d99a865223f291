//! The playground page in a real browser: `web/tests/playground.test.mjs`
//! (playwright-core driving Debian's Chromium) against this build's `lq`.
//! The steps — a typo's diagnostic, pasted leads whose table equals
//! `lq eval`'s outcomes, the class chart, an explanation, conversion and
//! the gains curve, the movement matrix after an edit — are in the script;
//! its screenshot is kept at `target/playground/playground.png`.
//!
//! It needs Node with `web/node_modules` (`npm ci` in `web/`) and
//! Chromium; without them it is skipped, unless `LQ_REQUIRE_BROWSER=1`
//! (as `.ci/run` sets) makes that a failure.

#![cfg(feature = "serve")]

use std::path::Path;
use std::process::Command;

#[test]
fn the_playground_works_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let ready = root.join("web/node_modules/playwright-core").is_dir()
        && Path::new(&chromium).exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !ready {
        let required = std::env::var("LQ_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "LQ_REQUIRE_BROWSER=1 but the browser test cannot run: install Chromium ({chromium}) and run `npm ci` in web/"
        );
        eprintln!(
            "skipped: no Chromium at {chromium} or no web/node_modules (run `npm ci` in web/)"
        );
        return;
    }
    let screenshot = root.join("target/playground/playground.png");
    let _ = std::fs::remove_file(&screenshot);
    let out = Command::new("node")
        .arg("tests/playground.test.mjs")
        .current_dir(root.join("web"))
        .env("LQ_BIN", env!("CARGO_BIN_EXE_lq"))
        .env("CHROMIUM", &chromium)
        .env("LQ_SCREENSHOT", &screenshot)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("playground: all steps passed"), "{stdout}");
    let png = std::fs::read(&screenshot).expect("the screenshot is kept");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}
