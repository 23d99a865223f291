// Checks the file list of the packaged extension (a zip): the files the
// extension needs are in, the tests and snapshots are not. Node only, no
// packages: reads the zip's central directory.
"use strict";

const fs = require("fs");

function entries(path) {
  const zip = fs.readFileSync(path);
  // The end-of-central-directory record: within the last 64 KiB.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${path} is not a zip file`);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("a broken central directory");
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    names.push(zip.toString("utf8", at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

const path = process.argv[2] || "lq.vsix";
const names = entries(path);
const required = [
  "extension.vsixmanifest",
  "extension/package.json",
  "extension/extension.js",
  "extension/language-configuration.json",
  "extension/syntaxes/lq.tmLanguage.json",
  "extension/readme.md",
  "extension/node_modules/vscode-languageclient/package.json",
  "extension/node_modules/vscode-languageclient/node.js",
];
const missing = required.filter((r) => !names.includes(r));
const forbidden = names.filter(
  (n) =>
    n.startsWith("extension/tests/") ||
    n.endsWith(".snap") ||
    n.endsWith(".vsix") ||
    n.includes("node_modules/@vscode/vsce") ||
    n.includes("node_modules/vscode-tmgrammar-test"),
);
if (missing.length || forbidden.length) {
  console.error(`${path}: missing ${JSON.stringify(missing)}, unwanted ${JSON.stringify(forbidden)}`);
  process.exit(1);
}
const own = names.filter((n) => !n.includes("node_modules/"));
console.log(`${path}: ${names.length} files, ${own.length} of the extension's own: ${own.join(", ")}`);
