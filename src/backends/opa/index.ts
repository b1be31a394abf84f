export { buildBundle, manifestOf, policyRego, REGO_PACKAGE, POLICY_PATH, DECISION_ENTRYPOINT, type OpaBundle, type BundleFile, type BundleOptions } from './bundle.js';
export { signaturesJson, bundleFileHash, SIGNING_ALGS, SigningError, type SigningAlg, type SigningOptions } from './sign.js';
export { regoTestsFromCorpus } from './regoTests.js';
export { OpaBackend } from './OpaBackend.js';
