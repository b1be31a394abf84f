/**
 * The environment variables a gateway reads a provider's endpoint and secrets from (docs/gateways.md): endpoints
 * and keys never appear in a `.gov` file or a generated one. One function for every gateway and for the checker,
 * which refuses two providers whose names give the same variables (GOV2113): one would be sent the other's key.
 */
export function providerEnvName(provider: string, what: string): string {
  return `GOVC_${providerEnvStem(provider)}_${what}`;
}

/** The provider's part of its variables' names: upper-cased, every character other than A-Z and 0-9 as `_`. */
export function providerEnvStem(provider: string): string {
  return provider.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
