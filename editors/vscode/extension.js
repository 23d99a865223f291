// The lq extension for VS Code: starts `lq lsp` (the language server in the
// lq binary) for .lq files. Everything else — diagnostics, completion,
// hover, go to definition, rename, formatting, quick fixes, test lenses,
// semantic colouring — comes from the server.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const command = vscode.workspace.getConfiguration("lq").get("path") || "lq";
  return {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio },
  };
}

async function start(context) {
  client = new LanguageClient(
    "lq",
    "lq",
    serverOptions(),
    {
      documentSelector: [{ language: "lq" }],
      synchronize: { configurationSection: "lq" },
    },
  );
  try {
    await client.start();
  } catch (e) {
    const path = vscode.workspace.getConfiguration("lq").get("path") || "lq";
    vscode.window.showErrorMessage(
      `lq: could not start \`${path} lsp\` (${e.message}). Install lq (cargo install --path .) or set "lq.path".`,
    );
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("lq.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("lq.path")) {
        await vscode.commands.executeCommand("lq.restartServer");
      }
    }),
  );
  await start(context);
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
