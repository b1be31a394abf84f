// What the generators (generate-grammar.mjs, generate-contract.mjs) share: comparing generated text with the files
// on disk, and the command line (`--check` writes nothing and exits 1 when a file is stale; otherwise write them).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The paths whose file under `root` differs from `files` (missing files included). */
export function staleFiles(files, root) {
  return Object.entries(files)
    .filter(([path, text]) => {
      const abs = join(root, path);
      return !existsSync(abs) || readFileSync(abs, 'utf8') !== text;
    })
    .map(([path]) => path);
}

/**
 * Runs a generator from the command line when `moduleUrl` is the script node was started with. `needs` are the
 * built files (under dist/) it imports; `generate()` returns the files by path; `source` names what they are
 * generated from, for the stale message.
 */
export function runGenerator({ name, moduleUrl, root, needs, generate, source, regenerate }) {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const main = async (argv) => {
    const check = argv.includes('--check');
    const unknown = argv.filter((a) => a !== '--check');
    if (unknown.length) {
      console.error(`${name}: unknown argument ${unknown[0]} (usage: ${name}.mjs [--check])`);
      return 2;
    }
    if (!needs.every((p) => existsSync(join(root, p)))) {
      console.error(`${name}: dist/ is missing; run \`npm run build\` first`);
      return 2;
    }
    const files = await generate();
    if (check) {
      const stale = staleFiles(files, root);
      if (stale.length) {
        console.error(`${name}: out of date with ${source}: ${stale.join(', ')}; run \`${regenerate}\``);
        return 1;
      }
      console.log(`${name}: ${Object.keys(files).join(', ')} up to date`);
      return 0;
    }
    for (const [path, text] of Object.entries(files)) {
      const abs = join(root, path);
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, text);
      console.log(`${name}: wrote ${relative(process.cwd(), abs) || abs}`);
    }
    return 0;
  };
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`${name}:`, err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
