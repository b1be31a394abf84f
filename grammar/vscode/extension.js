'use strict';
// The govc extension's client: starts `govc lsp --stdio` for .gov files. Plain JavaScript, so the extension needs
// no build step; everything else (diagnostics, navigation, hover, completion, formatting, quick fixes) is the server's.
const { workspace } = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

/** The language id contributed in package.json (`contributes.languages`). */
const LANGUAGE_ID = 'gov';

let client;

/** The command line of the server, from the settings `govc.path` and `govc.asOf`. */
function serverCommand(config) {
  const command = config.get('path') || 'govc';
  const args = ['lsp', '--stdio'];
  const asOf = config.get('asOf');
  if (asOf) args.push('--as-of', asOf);
  return { command, args };
}

function activate(context) {
  const config = workspace.getConfiguration('govc');
  const { command, args } = serverCommand(config);
  // No `transport` given: the client talks over the child's standard input and output, and adds no arguments.
  const run = { command, args, options: { shell: process.platform === 'win32' } };
  const serverOptions = { run, debug: run };
  const clientOptions = {
    documentSelector: [{ scheme: 'file', language: LANGUAGE_ID }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher('**/*.gov') },
  };
  client = new LanguageClient('govc', 'govc', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate, serverCommand, LANGUAGE_ID };
