#!/usr/bin/env node
import { Command, Option } from 'commander';
import { BACKENDS } from '../backends/index.js';
import { EXIT } from './exitCodes.js';
import { pruneDecisionLogs } from '../runtime/decisionLog.js';
import { stableJson } from '../codegen/json.js';
import { printable } from '../diagnostics/render.js';

// Each command's module is imported when the command runs: loading the checker costs about half a second, which
// `--version`, `--help` and an explain answered from its cache need not pay.

// A reader that stops early (`govc decide ... | head`) closes the pipe: that ends the output, it is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

/** Repeatable options: each use appends its value. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const program = new Command();
program
  .name('govc')
  .description(
    'govc compiles governance policies for AI systems, written in `.gov` files, into enforceable artifacts.\n\n' +
      'A program is a folder of .gov files (plus what they import). Typical use:\n' +
      '  govc check policies/acme            report every problem, with file:line:col and a hint\n' +
      '  govc build policies/acme --out out  write the IR (out/ir.json) for CI and runtimes\n' +
      '  govc decide policies/acme --request req.json   decide one request with the reference evaluator',
  )
  .version('0.1.0')
  .showHelpAfterError('(run `govc --help` or `govc <command> --help` for usage)');

const asOf = new Option('--as-of <date>', 'judge approvals as of this date (YYYY-MM-DD); default: today (UTC)');
const format = new Option('--format <format>', 'diagnostic output format').choices(['human', 'json']).default('human');
const color = new Option('--color', 'colour human output (default: when writing to a terminal)');
const maxDiagnostics = new Option('--max-diagnostics <n>', 'stop listing after this many diagnostics').default('100');
const root = new Option(
  '--root <dir>',
  'the program root: files of a program (imports included) must be inside it or the standard library; default: each program\'s folder',
);

program
  .command('check')
  .description('parse and type-check programs; exit 3 if any has errors')
  .argument('[paths...]', '.gov files or folders of them')
  .addOption(asOf)
  .addOption(format)
  .addOption(color)
  .addOption(maxDiagnostics)
  .addOption(root)
  .option('--explain <code>', 'print the explanation of a diagnostic code, e.g. GOV2030')
  .addHelpText('after', '\nExamples:\n  govc check examples\n  govc check examples/acme-support --as-of 2026-12-01 --format json\n  govc check --explain GOV2030')
  .action(async (paths: string[], opts) => {
    const { runCheck } = await import('./commands/check.js');
    process.exitCode = runCheck(paths, opts);
  });

program
  .command('build')
  .description('check programs and write the artifacts of every target (or those --target names) under --out, with manifest.json')
  .argument('<paths...>', '.gov files or folders of them')
  .requiredOption('--out <dir>', 'output folder (one sub-folder per program when several are built)')
  .option('--target <names>', `targets to build, separated by commas (default: all): ${BACKENDS.map((b) => b.name).join(', ')}`)
  .addOption(asOf)
  .addOption(format)
  .addOption(color)
  .addOption(maxDiagnostics)
  .addOption(root)
  .option('--signing-key <key>', 'sign the OPA bundle: a PEM private key (file or text) for RS256/ES256, or the secret for HS256')
  .option('--signing-alg <alg>', 'RS256 (default), ES256 or HS256')
  .option('--signing-key-id <id>', 'key id written as the JWT `kid` (OPA looks up its verification key by it)')
  .addHelpText(
    'after',
    '\nTargets:\n' +
      BACKENDS.map((b) => `  ${b.name.padEnd(10)} ${b.title}`).join('\n') +
      '\n\nExamples:\n  govc build examples --out out/examples\n  govc build policies/acme --out out/acme --target opa,wasm\n  govc build policies/acme --out dist/policy --as-of 2026-11-26 --signing-key keys/bundle.pem',
  )
  .action(async (paths: string[], opts) => {
    const { runBuild } = await import('./commands/build.js');
    process.exitCode = runBuild(paths, opts);
  });

program
  .command('decide')
  .description('decide requests against one program with the reference evaluator; prints decisions as JSON')
  .argument('<path>', 'the program: a folder of .gov files, a .gov file, or a built ir.json')
  .requiredOption('--request <file>', 'a JSON request, a JSON array of requests, a request corpus ({"cases": [{"input": ...}]}), or - for standard input')
  .addOption(asOf)
  .addOption(root)
  .addHelpText('after', '\nExamples:\n  govc decide examples/acme-support --request examples/acme-support/requests.json --as-of 2026-11-26\n  echo \'{"use_case":"support_assistant","tenant":"t1","region":"eu","time":"2026-11-26T09:30:00Z"}\' | govc decide out/acme/ir.json --request -')
  .action(async (path: string, opts) => {
    const { runDecide } = await import('./commands/decide.js');
    process.exitCode = runDecide(path, opts);
  });

program
  .command('explain')
  .description('who approved what, and why a request is decided as it is (docs/explain.md)')
  .argument('[args...]', 'WHAT [PROGRAM] (a use case, model, prompt, tool, provider, data class, corpus, person or team), or [PROGRAM] with --request')
  .option('--request <file>', 'explain the decision of this JSON request, step by step (- for standard input)')
  .option('--kind <kind>', 'when WHAT names several things, the one to explain: use_case, model, prompt, tool, provider, data_class, corpus, person, team')
  .addOption(new Option('--as-of <date>', 'judge approvals as of this date (YYYY-MM-DD); default: today (UTC)'))
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
  .addOption(root)
  .option('--no-provenance', 'skip the git history of each approval')
  .option('--no-cache', 'check the program afresh instead of reading the explain cache')
  .option('--cache-dir <dir>', 'the explain cache (default: $GOVC_CACHE_DIR, $XDG_CACHE_HOME/govc or ~/.cache/govc)')
  .addHelpText('after', '\nExamples:\n  govc explain support_assistant examples/acme-support --as-of 2026-11-26\n  govc explain dana examples/acme-support --format json\n  govc explain examples/acme-support --request req.json')
  .action(async (args: string[], opts) => {
    // Loaded on use: answering in well under a second means not loading the checker when the cache has the program.
    const { runExplain } = await import('./commands/explain.js');
    process.exitCode = await runExplain(args, opts);
  });

program
  .command('diff')
  .description('the change in meaning between two versions of a program, per use case: widened, narrowed or neutral, each with an example request (exit 0 none, 10 narrowed/neutral, 11 widened, 12 approval rule failed, 3 a side has errors)')
  .argument('<old>', 'the old version: a folder (or .gov file) or a git revision (branch, tag, commit)')
  .argument('<new>', 'the new version: a folder (or .gov file) or a git revision')
  .argument('[program-path]', "for a git revision: the program's folder in the repository (default: the folder side's path, else .)")
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
  .addOption(asOf)
  .addOption(color)
  .addOption(maxDiagnostics)
  .option('--require-approval-after-change', 'fail (exit 12) when a widened use case whose tier requires approvers has no approval dated on or after the change (the NEW commit\'s date, or --as-of)')
  .option('--no-examples', 'do not search for example requests')
  .addHelpText(
    'after',
    '\nExamples:\n  govc diff origin/main HEAD examples/acme-support\n  govc diff old/policy new/policy --format json\n  govc diff main HEAD policies/acme --format markdown --require-approval-after-change > comment.md',
  )
  .action(async (oldSpec: string, newSpec: string, programPath: string | undefined, opts) => {
    const { runDiff } = await import('./commands/diff.js');
    process.exitCode = runDiff(oldSpec, newSpec, programPath, opts);
  });

program
  .command('prune-logs')
  .description('delete decision-log entries (decisions-YYYY-MM-DD.jsonl from govc/runtime) older than their retention_days')
  .argument('<dir>', 'the folder a JsonlDecisionLog writes to')
  .option('--now <time>', 'judge retention as of this RFC 3339 time (default: now)')
  .addHelpText('after', '\nExample (daily, from cron):\n  govc prune-logs /var/log/govc/decisions')
  .action(async (dir: string, opts: { now?: string }) => {
    const now = opts.now === undefined ? Date.now() : Date.parse(opts.now);
    if (!Number.isFinite(now)) {
      process.stderr.write(`govc: --now must be an RFC 3339 time, got \`${printable(String(opts.now))}\`\n`);
      process.exitCode = EXIT.usage;
      return;
    }
    const r = await pruneDecisionLogs(dir, now);
    process.stdout.write(stableJson(r, { indent: 0 }));
  });

program
  .command('doc')
  .description('check a program and write its model registry under --out: Markdown, a static HTML site, CycloneDX ML-BOMs and EU AI Act registration items')
  .argument('[program...]', 'the program: a folder of .gov files or a .gov file (default: the current folder)')
  .requiredOption('--out <dir>', 'output folder (markdown/, site/, cyclonedx/, eu-ai-act/; one sub-folder per program when several)')
  .addOption(asOf)
  .addOption(format)
  .addOption(color)
  .addOption(maxDiagnostics)
  .addOption(root)
  .addHelpText('after', '\nExamples:\n  govc doc examples/eu-lender --out out/doc --as-of 2026-12-01\n  open out/doc/site/index.html')
  .action(async (paths: string[], opts) => {
    const { runDoc } = await import('./commands/doc.js');
    process.exitCode = runDoc(paths, opts);
  });

program
  .command('serve')
  .description('serve decisions over HTTP: OPA-compatible, metered (/v1/decide + /v1/settle), Envoy ext_authz and Portkey webhook (docs/serve.md)')
  .argument('<source>', 'a built program folder (govc build --out DIR), a bundle file (.tar.gz) or an http(s):// bundle URL')
  .option('--addr <host:port>', 'address to listen on (default 127.0.0.1:8181; another host only when said here)')
  .option('--poll <seconds>', 'reload the program when it changes, checking this often (default 10; 0: never)')
  .option('--verification-key <key>', 'accept only a bundle signed with this key: a PEM public key (file or text) for RS256/ES256, or the HS256 secret')
  .option('--verification-alg <alg>', 'RS256 (default), ES256 or HS256')
  .option('--verification-key-id <id>', 'the key id (`kid`) the signature must name')
  .option('--redis <url>', 'keep budgets and rates in Redis, shared by every replica (default: in memory, this process)')
  .addOption(new Option('--store-failure <mode>', 'when Redis fails: closed (deny) or soft (degrade/refuse as the program says)').choices(['closed', 'soft']))
  .option('--key-prefix <prefix>', 'prefix of every counter key (default govc:)')
  .option('--keys <file>', 'API keys → callers (JSON, as the LiteLLM target\'s keys file) for the Envoy and Portkey adapters; re-read when it changes')
  .option('--decision-log <dir|->', 'write decision logs as JSON lines to DIR/decisions-YYYY-MM-DD.jsonl, or - for standard output')
  .option('--settle-timeout <seconds>', 'charge an admitted call its estimate when no settle call came within this time (default 300)')
  .option('--max-body-bytes <n>', 'refuse larger request bodies with 413 (default 1048576)')
  .option('--max-headers <n>', 'refuse requests with more headers with 431 (default 100)')
  .option('--request-timeout-ms <n>', 'refuse a request not answered within this time (default 5000)')
  .option('--upstream-redacts', 'Envoy: allow requests holding data to redact, trusting the upstream to apply x-govc-redact (default: deny them)')
  .option('--replica <id>', 'this process\'s name in x-govc-replica and the logs (default: <hostname>-<pid>)')
  .option('--log-level <level>', 'operational log (pino JSON on standard error): off (default), error, warn, info, debug')
  .option('--drain-seconds <n>', 'on SIGTERM/SIGINT, wait at most this long for in-flight requests (default 10)')
  .addHelpText('after', '\nExamples:\n  govc serve out/acme --keys keys.json\n  govc serve out/acme/opa/bundle.tar.gz --verification-key keys/bundle.pub.pem --redis redis://127.0.0.1:6379\n  curl -s localhost:8181/v1/data/govc/decision -d \'{"input": {...}}\'')
  .action(async (spec: string, opts) => {
    const { runServe } = await import('./commands/serve.js');
    process.exitCode = await runServe(spec, opts);
  });

program
  .command('gate')
  .description('judge a release of a use case: eval results against its eval gates (thresholds, regression from a baseline), the approved model and prompt versions, its approvals on the date, its red-team suite (exit 0 pass, 2 failed, 5 bad results file; docs/gate.md)')
  .argument('<use-case>', 'the use case whose release is judged')
  .argument('[program]', 'the program: a folder of .gov files, a .gov file, or a built ir.json (default: the current folder)')
  .option('--results <[gate=]file>', "eval results: promptfoo's output file (.json) or govc's JSON Lines (.jsonl); GATE=FILE for one eval gate (repeatable)", collect, [])
  .option('--baseline <[gate=]file>', 'the baseline results a regression is measured from, same formats (repeatable)', collect, [])
  .option('--red-team <file>', "the results of the use case's red-team suite, same formats")
  .option('--model <name@version>', 'a model version the release ships (repeatable; default: read from the results\' provider ids)', collect, [])
  .option('--prompt <name@version>', 'a prompt version the release ships (repeatable; default: the prompts in the results whose sha256 is a governed prompt\'s)', collect, [])
  .addOption(new Option('--as-of <date>', 'the release date approvals are judged on (YYYY-MM-DD); default: today (UTC)'))
  .addOption(new Option('--format <format>', 'report format on standard output').choices(['table', 'json']).default('table'))
  .option('--junit <file>', 'also write the report as JUnit XML to this file')
  .option('--max-input-bytes <n>', `refuse results files larger than this (default ${64 * 1024 * 1024})`)
  .addOption(root)
  .addHelpText(
    'after',
    '\nExamples:\n  govc gate support_assistant examples/acme-support --results out/promptfoo.json --baseline out/baseline.json --red-team out/redteam.json\n  govc gate support_assistant policies --results support_quality=eval.json --model gpt-4.1@2025-04-14 --prompt support_system@v7 --junit gate.xml\n\nIn GitHub Actions (GITHUB_ACTIONS=true) failed checks are also written as ::error annotations.',
  )
  .action(async (useCase: string, programPath: string | undefined, opts) => {
    const { runGate } = await import('./commands/gate.js');
    process.exitCode = runGate(useCase, programPath, opts);
  });

program
  .command('fmt')
  .description('lay out .gov files in the one canonical format; print one file, or list the files that would change')
  .argument('[paths...]', '.gov files or folders of them (default: the current folder)')
  .option('--write', 'rewrite the files that would change, in place')
  .option('--check', 'list the files that would change and exit 7 if there are any (for CI)')
  .option('--diff', 'print a unified diff of each file that would change')
  .addOption(color)
  .addHelpText('after', '\nExamples:\n  govc fmt examples/acme-support/use_cases.gov\n  govc fmt --write policies\n  govc fmt --check --diff .')
  .action(async (paths: string[], opts) => {
    const { runFmt } = await import('./commands/fmt.js');
    process.exitCode = runFmt(paths, opts);
  });

program
  .command('lsp')
  .description('the govc language server (LSP) over standard input and output, for editors (docs/editors.md)')
  .option('--stdio', 'talk LSP over standard input and output (the default, and the only transport)')
  .option('--as-of <date>', 'judge approvals as of this date (YYYY-MM-DD); default: today (UTC), at each check')
  .option('--debounce-ms <n>', 'check again once typing pauses this long (default 200)')
  .addHelpText('after', '\nExamples:\n  govc lsp --stdio                      (started by an editor, see docs/editors.md)\n  govc lsp --stdio --as-of 2026-12-01')
  .action(async (opts) => {
    const { runLsp } = await import('./commands/lsp.js');
    const code = runLsp(opts);
    if (code !== undefined) process.exitCode = code;
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`govc: internal error: ${printable(err instanceof Error ? err.message : String(err))}\n`);
  process.exitCode = EXIT.usage;
}
