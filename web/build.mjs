// Builds the playground page into dist/ (committed, and embedded in the lq
// binary by src/serve/playground.rs): src/main.js and CodeMirror bundled
// by esbuild into one script, the HTML and CSS copied.
// `node build.mjs --check` builds in memory and fails if dist/ differs, so
// a change to src/ cannot land without its bundle.

import { build } from "esbuild";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";

const check = process.argv.includes("--check");
const banner = "// The lq playground, built from web/src by `npm run build` in web/. Do not edit.";

const result = await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: "es2020",
  legalComments: "none",
  banner: { js: banner },
  write: false,
});

const outputs = {
  "dist/playground.js": result.outputFiles[0].text,
  "dist/index.html": readFileSync("src/index.html", "utf8"),
  "dist/playground.css": readFileSync("src/playground.css", "utf8"),
};

if (check) {
  const stale = Object.entries(outputs)
    .filter(([path, text]) => !existsSync(path) || readFileSync(path, "utf8") !== text)
    .map(([path]) => path);
  if (stale.length > 0) {
    console.error(`web/${stale.join(", web/")} differ from what web/src builds: run \`npm run build\` in web/ and commit dist/`);
    process.exit(1);
  }
  console.log(`web/dist is up to date (${Object.keys(outputs).length} files)`);
} else {
  mkdirSync("dist", { recursive: true });
  for (const [path, text] of Object.entries(outputs)) writeFileSync(path, text);
  const kib = (outputs["dist/playground.js"].length / 1024).toFixed(0);
  console.log(`built web/dist: playground.js ${kib} KiB`);
}
