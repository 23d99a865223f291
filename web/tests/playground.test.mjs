// The playground in a real browser: Debian's Chromium, driven by
// playwright-core. It starts `lq serve --playground` on a free loopback
// port, types a policy with a typo and waits for the diagnostic, pastes
// leads and compares the table's cells with `lq eval`'s outcomes, reads
// the chart, clicks a lead for its explanation, adds an outcome column for
// conversion and the gains curve, edits the policy for the movement matrix,
// and keeps a screenshot.
//
// Environment: LQ_BIN (the lq binary; default ../target/debug/lq),
// CHROMIUM (default /usr/bin/chromium), LQ_SCREENSHOT (where the
// screenshot goes; default ../target/playground/playground.png).

import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const lq = process.env.LQ_BIN ?? resolve(root, "target/debug/lq");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const screenshot = process.env.LQ_SCREENSHOT ?? resolve(root, "target/playground/playground.png");
const AS_OF = "2026-11-23";
const POLICY = resolve(root, "examples/inbound-saas.lq");
const LEADS = resolve(root, "examples/data/inbound-leads.csv");
const HISTORY = resolve(root, "examples/data/inbound-history.csv");

function step(text) {
  console.log(`· ${text}`);
}

/** Starts lq serve and resolves with its base URL once it listens. */
function startServer() {
  const child = spawn(lq, ["serve", "--playground", POLICY, "--addr", "127.0.0.1:0"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`lq serve did not listen:\n${stderr}`)), 30000);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      // Only a whole line: a chunk can end inside the address, and
      // `http://127` alone is the address 0.0.0.127.
      const found = stderr.match(/listening on (http:\/\/\S+)\r?\n/);
      if (found) {
        clearTimeout(timer);
        resolveStart({ child, base: found[1] });
      }
    });
    child.on("exit", (code) => reject(new Error(`lq serve exited ${code}:\n${stderr}`)));
  });
}

function evalOutcomes(data) {
  const out = execFileSync(lq, ["eval", POLICY, data, "--format", "ndjson", "--as-of", AS_OF], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return out.trim().split("\n").map((line) => JSON.parse(line));
}

const { child, base } = await startServer();
const browser = await chromium.launch({
  executablePath,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let failed = false;
// What the page reported (uncaught errors, console errors): printed with
// any failure, so that a step that times out says what the page saw.
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("response", (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
  page.on("requestfailed", (r) => errors.push(`failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));

  step("the page loads the served policy");
  await page.goto(base);
  await page.waitForSelector("body[data-ready=true]");
  await page.waitForSelector("#status.ok");
  const original = readFileSync(POLICY, "utf8");
  assert.equal(await page.evaluate(() => document.querySelector(".cm-content").innerText.length > 0), true);

  step("a rule typed with a typo is underlined, with its help");
  await page.click(".cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\ndisqualify when role = Directr because \"typo\"", { delay: 5 });
  await page.waitForSelector(".cm-lintRange-error");
  await page.waitForSelector("#diagnostics li[data-code='lq::unknown_variant']");
  const item = await page.textContent("#diagnostics li[data-code='lq::unknown_variant']");
  assert.match(item, /Directr/);
  assert.match(item, /help: .*Director/);
  assert.match(await page.textContent("#status"), /1 error/, await page.textContent("#diagnostics") + "\n" + await page.evaluate(() => window.lqPlayground.text().slice(-200)));
  const shown = await page.evaluate(() => window.lqPlayground.diagnostics());
  assert.equal(shown.length, 1);
  const underlined = await page.evaluate(([from, to]) => window.lqPlayground.text().slice(from, to), [shown[0].from, shown[0].to]);
  assert.equal(underlined, "Directr");

  step("reset: the policy checks again");
  await page.click("#reset");
  await page.waitForSelector("#status.ok");
  assert.equal(await page.evaluate(() => window.lqPlayground.text()), original);

  step("pasted leads: the table equals lq eval's outcomes");
  await page.fill("#as-of", AS_OF);
  const leads = readFileSync(LEADS, "utf8");
  // A real paste: the text on the clipboard, Ctrl+V in the box.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  await page.evaluate((text) => navigator.clipboard.writeText(text), leads);
  await page.focus("#leads");
  await page.keyboard.press("Control+V");
  const want = evalOutcomes(LEADS);
  await page.waitForFunction((n) => document.querySelectorAll("#outcomes tbody tr").length === n, want.length);
  const table = await page.$$eval("#outcomes tbody tr", (rows) => rows.map((tr) => {
    const cells = {};
    for (const td of tr.querySelectorAll("td")) cells[td.dataset.column] = td.textContent;
    return cells;
  }));
  const text = (v) => (v === null || v === undefined ? "" : String(v));
  for (const [i, o] of want.entries()) {
    const got = table[i];
    assert.equal(got.row, text(o.row), `row ${i + 1}`);
    assert.equal(got.id, text(o.id), `row ${i + 1} id`);
    assert.equal(got.status, o.status, `row ${i + 1} status`);
    assert.equal(got.tier, text(o.tier), `row ${i + 1} tier`);
    assert.equal(got.score, text(o.score), `row ${i + 1} score`);
    assert.equal(got.route, text(o.route), `row ${i + 1} route`);
    assert.equal(got.rule, text(o.rule), `row ${i + 1} rule`);
    assert.equal(got.reasons, o.reasons.join("; "), `row ${i + 1} reasons`);
    for (const [block, score] of Object.entries(o.scores)) {
      assert.equal(got[`score_${block}`], text(score), `row ${i + 1} score_${block}`);
    }
  }

  step("the chart has a bar per class, as long as its count");
  const counts = {};
  for (const o of want) {
    const cls = o.status === "qualified" ? o.tier : o.status;
    counts[cls] = (counts[cls] ?? 0) + 1;
  }
  const bars = await page.$$eval("#class-chart rect", (rects) => rects.map((r) => [r.dataset.class, Number(r.getAttribute("width"))]));
  assert.deepEqual(bars.map(([c]) => c).sort(), Object.keys(counts).sort());
  const widest = Math.max(...Object.values(counts));
  for (const [cls, width] of bars) {
    const expected = (widest === 0 ? 0 : counts[cls] / widest);
    const longest = Math.max(...bars.map(([, w]) => w));
    assert.ok(Math.abs(width / longest - expected) < 0.01, `bar ${cls}`);
  }

  step("a clicked lead is explained");
  await page.click("#outcomes tbody tr[data-row='2']");
  await page.waitForSelector("#explanation-box:not([hidden])");
  assert.match(await page.textContent("#explanation"), /student/);

  step("with an outcome column: conversion by class and the gains curve");
  await page.fill("#outcome", "converted");
  await page.fill("#leads", readFileSync(HISTORY, "utf8"));
  await page.waitForSelector("#refine:not([hidden]) #gains-curve");
  await page.waitForFunction(() => document.querySelectorAll("#conversion-chart rect").length > 0);
  assert.match(await page.textContent("#auc"), /AUC 0\.\d{3}/);
  const cli = JSON.parse(execFileSync(lq, ["coverage", POLICY, HISTORY, "--outcome", "converted", "--format", "json", "--as-of", AS_OF], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  assert.match(await page.textContent("#base-rate"), new RegExp(`${(cli.outcome.rate * 100).toFixed(1)}%`));

  step("after an edit: the movement matrix against the policy as loaded");
  await page.evaluate(() => {
    const text = window.lqPlayground.text();
    const at = text.indexOf("otherwise tier C") + "otherwise tier ".length;
    window.lqPlayground.select(at, at + 1);
  });
  await page.keyboard.type("B");
  await page.waitForSelector("#movement-box:not([hidden]) td.moved");
  const moved = await page.$$eval("#movement td.moved", (cells) => cells.map((c) => [c.dataset.from, c.dataset.to, c.textContent]));
  assert.ok(moved.some(([from, to]) => from === "C" && to === "B"), JSON.stringify(moved));
  assert.match(await page.textContent("#changed"), /^\d+ of 400 leads changed class$/);

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  step(`screenshot: ${screenshot}`);
  assert.deepEqual(errors, [], "no errors in the page's console");
  console.log("playground: all steps passed");
} catch (e) {
  failed = true;
  console.error(e);
  if (errors.length > 0) console.error(`the page reported:\n${errors.join("\n")}`);
} finally {
  await browser.close();
  child.kill("SIGTERM");
}
process.exit(failed ? 1 : 0);
