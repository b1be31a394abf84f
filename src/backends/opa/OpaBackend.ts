import type { Backend, BackendOutput } from '../Backend.js';
import { buildBundle, type OpaBundle } from './bundle.js';
import { regoTestsFromCorpus } from './regoTests.js';

/**
 * The OPA bundle: `opa/bundle.tar.gz` (data.json with the IR, the program-independent Rego policy, govc's Wasm
 * module, `.manifest`, `.signatures.json` when signed), the same files unpacked under `opa/bundle/` for review, and
 * `opa/tests/govc_test.rego` (`opa test`) from the request corpus beside the program.
 */
export const OpaBackend: Backend = {
  name: 'opa',
  title: 'the OPA bundle (opa/bundle.tar.gz, unpacked in opa/bundle/) and Rego tests (opa/tests/)',
  needs: ['corpus', 'signing'],
  // Written whole: a bundle signed last time, or tests of a corpus since removed, must not linger beside this one.
  replaces: ['opa'],
  emit: ({ ir, corpus }, { signing }): BackendOutput => {
    let bundle: OpaBundle;
    try {
      bundle = buildBundle(ir, signing ? { signing } : {});
    } catch (err) {
      // INVARIANT: only signing reads user input (the key); without it a failure is a govc bug.
      if (!signing) throw err;
      const message = err instanceof Error ? err.message : String(err);
      return {
        files: {},
        diagnostics: [
          {
            code: 'GOV5004',
            severity: 'error',
            message: `cannot sign the bundle: ${message}`,
            help: '`--signing-key` takes a PEM private key (a file or its text) for RS256 and ES256, or the shared secret for HS256; `--signing-alg` says which',
          },
        ],
      };
    }
    const companions: Record<string, string | Uint8Array> = {};
    for (const f of bundle.files) companions[`opa/bundle${f.name}`] = f.data;
    if (corpus) companions['opa/tests/govc_test.rego'] = regoTestsFromCorpus(corpus);
    return { files: { 'opa/bundle.tar.gz': bundle.tarGz }, companions };
  },
};
