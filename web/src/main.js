// The lq playground: a CodeMirror editor whose diagnostics come from
// `lq serve` (/v1/playground/check), and panels for the outcomes, classes,
// conversion, cumulative gains and movement of pasted leads. Every answer
// comes from the server; this page only draws them. Text from the leads is
// put on the page as text nodes, never as HTML.

import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { linter, lintGutter, forEachDiagnostic } from "@codemirror/lint";
import { StreamLanguage } from "@codemirror/language";

// ---------------------------------------------------------------- server

// A bearer token, when the server wants one: open the page as
// http://host:port/#token=TOKEN.
const token = new URLSearchParams(location.hash.slice(1)).get("token");

async function post(path, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
  let json = null;
  try {
    json = await response.json();
  } catch {
    json = { error: { message: `the server answered ${response.status} without JSON` } };
  }
  return { status: response.status, json };
}

// ---------------------------------------------------------------- the language, for colours

const KEYWORDS = new Set(("and or not in between contains starts ends with matches before after within is missing present " +
  "ago day days week weeks month months year years true false when then tier route because per score up to let rule " +
  "disqualify otherwise tiers schema enum policy lead test given expect key from as of").split(" "));
const FUNCTIONS = new Set("lower trim count days_since coalesce".split(" "));

const lqLanguage = StreamLanguage.define({
  name: "lq",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.match("#")) { stream.skipToEnd(); return "comment"; }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^\d{4}-\d{2}-\d{2}/)) return "number";
    if (stream.match(/^\$?\d[\d,_]*(?:\.\d+)?[kKmM]?%?/)) return "number";
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (KEYWORDS.has(word)) return "keyword";
      if (FUNCTIONS.has(word)) return "function";
      if (/^[A-Z]/.test(word)) return "typeName";
      return "variableName";
    }
    if (stream.match(/^(?:>=|<=|!=|[-+<>=*\/])/)) return "operator";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "#" } },
});

// ---------------------------------------------------------------- state

const $ = (id) => document.getElementById(id);
let original = "";       // the policy as the server loaded it
let lastCheck = { errors: 0, warnings: 0, diagnostics: [] };
let evaluated = null;    // the last /evaluate answer, with its request

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function policyText() {
  return view.state.doc.toString();
}

function setMessage(text, ok = false) {
  $("message").textContent = text;
  $("message").className = ok ? "ok" : "";
}

// ---------------------------------------------------------------- diagnostics

function showCheck(result) {
  lastCheck = result;
  const status = $("status");
  if (result.errors > 0) {
    status.textContent = `${result.errors} error${result.errors === 1 ? "" : "s"}`;
    status.className = "badge bad";
  } else {
    status.textContent = result.warnings > 0 ? `checks · ${result.warnings} warning${result.warnings === 1 ? "" : "s"}` : "checks";
    status.className = "badge ok";
  }
  const list = $("diagnostics");
  list.replaceChildren(...result.diagnostics.map((d) =>
    el("li", { class: d.severity, "data-code": d.code, onclick: () => jump(d.from) },
      el("span", { class: "where" }, `${d.line}:${d.column}`),
      el("strong", {}, d.message), " ",
      el("span", { class: "code" }, d.code),
      d.help ? el("span", { class: "help" }, `help: ${d.help}`) : null)));
}

function jump(offset) {
  const at = Math.min(offset, view.state.doc.length);
  view.dispatch({ selection: { anchor: at }, scrollIntoView: true });
  view.focus();
}

const lqLinter = linter(async (v) => {
  const text = v.state.doc.toString();
  const { status, json } = await post("/v1/playground/check", { policy: text });
  if (status !== 200) {
    setMessage(json.error?.message ?? "the check failed");
    return [];
  }
  showCheck(json);
  scheduleEvaluate();
  const length = v.state.doc.length;
  return json.diagnostics.map((d) => {
    const from = Math.min(d.from, length);
    const to = Math.min(Math.max(d.to, from + 1), length);
    return {
      from,
      to: to > from ? to : from,
      severity: d.severity === "warning" ? "warning" : "error",
      source: d.code,
      message: d.help ? `${d.message}\nhelp: ${d.help}` : d.message,
    };
  });
}, { delay: 250 });

// ---------------------------------------------------------------- editor

const view = new EditorView({
  parent: $("editor"),
  state: EditorState.create({
    doc: "",
    extensions: [basicSetup, lqLanguage, lintGutter(), lqLinter],
  }),
});

// ---------------------------------------------------------------- leads

let timer = null;
function scheduleEvaluate() {
  clearTimeout(timer);
  timer = setTimeout(evaluate, 300);
}

function leadsRequest() {
  const request = { policy: policyText(), leads: $("leads").value };
  const asOf = $("as-of").value;
  if (asOf) request.as_of = asOf;
  return request;
}

async function evaluate() {
  const leads = $("leads").value;
  if (!leads.trim()) {
    $("results").hidden = true;
    return;
  }
  if (lastCheck.errors > 0) {
    setMessage("Fix the policy's errors to see outcomes.");
    return;
  }
  const request = leadsRequest();
  const { status, json } = await post("/v1/playground/evaluate", request);
  if (status !== 200) {
    setMessage(json.error?.help ? `${json.error.message}\nhelp: ${json.error.help}` : json.error?.message);
    return;
  }
  setMessage("");
  evaluated = { request, answer: json };
  $("results").hidden = false;
  $("total").textContent = `${json.total} lead${json.total === 1 ? "" : "s"}`;
  $("shown").textContent = json.shown < json.total ? `(the first ${json.shown})` : "";
  drawClasses(json.classes);
  drawOutcomes(json);
  $("explanation-box").hidden = true;
  await Promise.all([refine(request), movement(request)]);
}

// ---------------------------------------------------------------- charts and tables

function bars(target, rows, { label, value, text, max }) {
  const width = 560, barHeight = 20, gap = 6, left = 110, right = 90;
  const height = rows.length * (barHeight + gap) + gap;
  const top = max ?? Math.max(1, ...rows.map(value));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  rows.forEach((row, i) => {
    const y = gap + i * (barHeight + gap);
    const w = ((width - left - right) * value(row)) / top;
    chart.append(svg("text", { x: left - 6, y: y + 14, "text-anchor": "end" }, label(row)));
    chart.append(svg("rect", { x: left, y, width: Math.max(w, 0), height: barHeight, rx: 3, fill: "#2f5bea", "data-class": label(row) }));
    chart.append(svg("text", { x: left + w + 6, y: y + 14 }, text(row)));
  });
  target.replaceChildren(chart);
}

function drawClasses(classes) {
  const shown = classes.filter((c) => c.leads > 0);
  bars($("class-chart"), shown, { label: (c) => c.class, value: (c) => c.leads, text: (c) => String(c.leads) });
}

const COLUMNS = ["row", "KEY", "status", "tier", "score", "route", "rule", "reasons"];

function drawOutcomes(answer) {
  const key = answer.key;
  const columns = COLUMNS.filter((c) => c !== "KEY" || key).map((c) => (c === "KEY" ? key : c));
  const blocks = answer.blocks ?? [];
  const head = el("tr", {}, ...columns.map((c) => el("th", {}, c)), ...blocks.map((b) => el("th", {}, `score_${b}`)));
  const body = answer.outcomes.map((o) => {
    const cells = columns.map((c) => {
      let v = o[c];
      if (c === "reasons") v = (o.reasons ?? []).join("; ");
      const cls = c === "score" || c === "row" ? "num" : c === "status" ? `status-${o.status}` : "";
      return el("td", { class: cls, "data-column": c }, v === null || v === undefined ? "" : v);
    });
    const scores = blocks.map((b) => el("td", { class: "num", "data-column": `score_${b}` }, o.scores?.[b] ?? ""));
    return el("tr", { "data-row": o.row, onclick: (e) => explain(o.row, e.currentTarget) }, ...cells, ...scores);
  });
  $("outcomes").replaceChildren(el("thead", {}, head), el("tbody", {}, ...body));
}

async function explain(row, tr) {
  for (const selected of document.querySelectorAll("#outcomes tr.selected")) selected.classList.remove("selected");
  tr.classList.add("selected");
  const { status, json } = await post("/v1/playground/explain", { ...leadsRequest(), row });
  $("explanation-box").hidden = false;
  $("explained-row").textContent = String(row);
  $("explanation").textContent = status === 200 ? json.text : json.error?.message;
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

async function refine(request) {
  const outcome = $("outcome").value.trim();
  if (!outcome) {
    $("refine").hidden = true;
    return;
  }
  const { status, json } = await post("/v1/playground/coverage", { ...request, outcome });
  if (status !== 200) {
    $("refine").hidden = true;
    setMessage(json.error?.help ? `${json.error.message}\nhelp: ${json.error.help}` : json.error?.message);
    return;
  }
  $("refine").hidden = false;
  $("base-rate").textContent = `overall ${percent(json.outcome?.rate)}`;
  const classes = (json.classes ?? []).filter((c) => c.leads > 0);
  bars($("conversion-chart"), classes, {
    label: (c) => c.class,
    value: (c) => c.rate ?? 0,
    text: (c) => `${percent(c.rate)} of ${c.positive + c.negative}`,
    max: 1,
  });
  drawGains(json.scores?.[0]);
}

function drawGains(ranking) {
  const target = $("gains");
  if (!ranking) {
    target.replaceChildren(el("p", { class: "muted" }, "No score to rank by."));
    $("auc").textContent = "";
    return;
  }
  $("auc").textContent = `by ${ranking.block ?? "score"}, AUC ${ranking.auc === null ? "—" : ranking.auc.toFixed(3)}`;
  const width = 560, height = 240, pad = 36;
  const x = (share) => pad + share * (width - 2 * pad);
  const y = (share) => height - pad - share * (height - 2 * pad);
  const total = ranking.deciles.reduce((n, d) => n + d.leads, 0) || 1;
  let seen = 0;
  const points = [[0, 0]];
  for (const d of ranking.deciles) {
    seen += d.leads;
    points.push([seen / total, d.cumulative_gain ?? 0]);
  }
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
  chart.append(svg("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(1), stroke: "#98a2b3", "stroke-dasharray": "4 4" }));
  chart.append(svg("line", { x1: x(0), y1: y(0), x2: x(1), y2: y(0), stroke: "#667085" }));
  chart.append(svg("line", { x1: x(0), y1: y(0), x2: x(0), y2: y(1), stroke: "#667085" }));
  chart.append(svg("polyline", {
    points: points.map(([a, b]) => `${x(a)},${y(b)}`).join(" "),
    fill: "none", stroke: "#2f5bea", "stroke-width": 2, id: "gains-curve",
  }));
  for (const [a, b] of points.slice(1)) chart.append(svg("circle", { cx: x(a), cy: y(b), r: 3, fill: "#2f5bea" }));
  chart.append(svg("text", { x: width / 2, y: height - 6, "text-anchor": "middle" }, "share of leads, best scores first"));
  chart.append(svg("text", { x: 4, y: 14 }, "share of conversions"));
  target.replaceChildren(chart);
}

async function movement(request) {
  const box = $("movement-box");
  if (!original || request.policy === original) {
    box.hidden = true;
    return;
  }
  const outcome = $("outcome").value.trim();
  const body = { ...request, old: original };
  if (outcome) body.outcome = outcome;
  const { status, json } = await post("/v1/playground/diff", body);
  if (status !== 200) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  $("changed").textContent = `${json.changed} of ${json.leads} lead${json.leads === 1 ? "" : "s"} changed class`;
  const used = json.classes.filter((c) => c.old > 0 || c.new > 0).map((c) => c.class);
  const cell = (from, to) => json.moves.find((m) => m.from === from && m.to === to)?.leads ?? 0;
  const head = el("tr", {}, el("th", {}, "was ↓ / now →"), ...used.map((c) => el("th", {}, c)));
  const rows = used.map((from) => el("tr", {}, el("th", {}, from), ...used.map((to) => {
    const n = cell(from, to);
    return el("td", { class: n > 0 && from !== to ? "moved" : "", "data-from": from, "data-to": to }, n || "");
  })));
  $("movement").replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
}

// ---------------------------------------------------------------- wiring

$("leads").addEventListener("input", scheduleEvaluate);
$("outcome").addEventListener("change", scheduleEvaluate);
$("as-of").addEventListener("change", scheduleEvaluate);
$("run").addEventListener("click", evaluate);
$("file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  $("leads").value = await file.text();
  // A column that looks like an outcome is offered.
  const header = $("leads").value.split("\n", 1)[0];
  const guess = header.split(/[,;\t|]/).map((h) => h.trim()).find((h) => /^(converted|outcome|won)$/i.test(h));
  if (guess && !$("outcome").value) $("outcome").value = guess;
  scheduleEvaluate();
});
$("reset").addEventListener("click", () => {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: original } });
});

async function start() {
  const response = await fetch("/v1/playground/policy", { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const policy = await response.json();
  if (!response.ok) {
    setMessage(policy.error?.message ?? "the server has no policy");
    return;
  }
  original = policy.text;
  $("policy-name").textContent = policy.name;
  $("policy-name").title = policy.file;
  view.dispatch({ changes: { from: 0, to: 0, insert: original } });
  document.body.dataset.ready = "true";
}

// For tests and the curious: the diagnostics the editor shows.
window.lqPlayground = {
  diagnostics() {
    const found = [];
    forEachDiagnostic(view.state, (d, from, to) => found.push({ from, to, message: d.message, severity: d.severity }));
    return found;
  },
  text() {
    return view.state.doc.toString();
  },
  select(from, to) {
    view.dispatch({ selection: { anchor: from, head: to } });
    view.focus();
  },
};

start();
