import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { printable } from '../../diagnostics/render.js';
import { DEFAULT_DEBOUNCE_MS, startServer } from '../../lsp/server.js';
import { isCalendarDate } from '../../util/isCalendarDate.js';
import { EXIT } from '../exitCodes.js';

export interface LspOptions {
  stdio?: boolean;
  asOf?: string;
  debounceMs?: string;
}

/** The most a pause may be set to: longer would look like a server that stopped answering. */
const MAX_DEBOUNCE_MS = 10_000;

/**
 * `govc lsp`: the language server over standard input and output. Returns an exit code only for bad options;
 * otherwise the server runs until the client sends `exit` (vscode-languageserver then ends the process).
 */
export function runLsp(opts: LspOptions): number | undefined {
  if (opts.asOf !== undefined && !isCalendarDate(opts.asOf)) {
    process.stderr.write(`govc: \`--as-of ${printable(opts.asOf)}\` is not a date; write it as YYYY-MM-DD\n`);
    return EXIT.usage;
  }
  let debounceMs = DEFAULT_DEBOUNCE_MS;
  if (opts.debounceMs !== undefined) {
    debounceMs = /^\d{1,5}$/.test(opts.debounceMs) ? Number(opts.debounceMs) : NaN;
    if (!(debounceMs <= MAX_DEBOUNCE_MS)) {
      process.stderr.write(`govc: --debounce-ms must be a whole number of milliseconds from 0 to ${MAX_DEBOUNCE_MS}, got \`${printable(opts.debounceMs)}\`\n`);
      return EXIT.usage;
    }
  }
  // Standard output carries the protocol: anything else written there would corrupt it.
  console.log = console.error;
  console.info = console.error;
  // An editor's server must outlive a govc bug: what escapes a handler is logged on standard error, not fatal.
  process.on('unhandledRejection', (err) => process.stderr.write(`govc lsp: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`));
  process.on('uncaughtException', (err) => process.stderr.write(`govc lsp: ${err.stack ?? err.message}\n`));
  const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout));
  startServer(connection, { ...(opts.asOf !== undefined && { asOf: opts.asOf }), debounceMs });
  return undefined;
}
