import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../src/backends/opa/index.js';
import type { IrProgram } from '../src/ir/types.js';
import { createServer, type GovcServer } from '../src/serve/createServer.js';
import { servedProgram, staticProgramSource } from '../src/serve/staticProgram.js';
import { startOpaServer, type OpaServer } from './helpers/opa.js';
import { exampleIr } from './helpers/repo.js';
import { canonical } from './helpers/requests.js';

/**
 * govc serve's OPA-compatible endpoints answer as a real `opa run --server` does with the same program's bundle, on
 * the bodies that are not plain `{"input": {...}}` too: no input, empty, null, malformed, not an object, extra keys.
 * Bodies and statuses are compared (serve adds `decision_id`, which OPA adds when decision logging is on; OPA's
 * error message wording is Go's JSON decoder's, so only the error code and prefix are compared).
 */

describe('govc serve answers as opa run --server', () => {
  let dir: string;
  let ir: IrProgram;
  let opa: OpaServer;
  let serve: GovcServer;
  let base: string;

  beforeAll(async () => {
    ir = exampleIr('acme-support');
    dir = mkdtempSync(join(tmpdir(), 'govc-serve-opa-'));
    const bundle = join(dir, 'bundle.tar.gz');
    writeFileSync(bundle, buildBundle(ir).tarGz);
    opa = await startOpaServer(bundle);
    const p = servedProgram(ir, bundle);
    if (!p.ok) throw new Error(p.error);
    serve = createServer({ source: staticProgramSource(p.program) });
    const a = await serve.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${a.port}`;
  }, 60_000);

  afterAll(async () => {
    await serve?.close();
    await opa?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bodies = [
    '{"input":{"use_case":"support_assistant","tenant":"t1","region":"eu","time":"2026-11-26T09:00:00Z","model":"gpt-4.1","spend":{"use_case":{"month":0,"day":0},"tenant":{"month":0,"day":0}},"rate":{"use_case":{"requests":0,"tokens":0},"tenant":{"requests":0,"tokens":0}}}}',
    '{"input":{"use_case":"nope"}}',
    '{}',
    '',
    'null',
    '{"input":null}',
    '{"input":5}',
    '{"input":[1,2]}',
    '{"input":{"use_case":"support_assistant"},"extra":1}',
    '{"input":',
    '[1]',
    '"x"',
    '{"input":{}} trailing',
    '{"input":{"use_case":"x"}} {"input":5}',
    '{"input":{"use_case":"x}"}}]',
    ' {"input":{"use_case":"\\"{"}}',
    '{"input":{"a":1,"a":2}}',
    '{"input": [}',
    '{"input":{}}}',
  ];

  for (const path of ['decision', 'allow', 'reasons']) {
    it(`/v1/data/govc/${path}`, async () => {
      for (const body of bodies) {
        const theirs = await opa.request('POST', `/v1/data/govc/${path}`, body);
        const r = await fetch(`${base}/v1/data/govc/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        const ours = { status: r.status, text: await r.text() };
        expect([body, ours.status]).toEqual([body, theirs.status]);
        const o = JSON.parse(ours.text) as Record<string, unknown>;
        const t = JSON.parse(theirs.text) as Record<string, unknown>;
        if (theirs.status === 200) {
          delete o.decision_id;
          expect([body, canonical(o)]).toEqual([body, canonical(t)]);
        } else {
          expect([body, o.code]).toEqual([body, t.code]);
          expect(String(o.message)).toMatch(/^body contains malformed input document: /);
          expect(String(t.message)).toMatch(/^body contains malformed input document: /);
        }
      }
    }, 60_000);
  }
});
