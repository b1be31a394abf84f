#!/usr/bin/env bash
# Install OPA (with Wasm support) at one pinned version under <repo>/.tools/.
# stdout: only the absolute path of the binary (last line). Diagnostics: stderr.
set -euo pipefail

# Single source of truth for the OPA version used by tests and CI.
OPA_VERSION=v1.22.3

log() { echo "install-opa: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Resolve the repo root from this script's location so any cwd works.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
INSTALL_DIR="$REPO_ROOT/.tools/opa/$OPA_VERSION"
OPA_BIN="$INSTALL_DIR/opa"
LINK="$REPO_ROOT/.tools/bin/opa"

# True if $1 runs and reports the pinned version with Wasm compiled in.
# (`opa version` prints "Version: 1.22.3", i.e. without the leading "v".)
is_good_opa() {
  local out
  out="$("$1" version 2>/dev/null)" || return 1
  grep -qx "Version: ${OPA_VERSION#v}" <<<"$out" || return 1
  grep -qx "WebAssembly: available" <<<"$out"
}

# Point the fixed path .tools/bin/opa at the pinned binary (relative link,
# so the repo can be moved). Only touched when it would change.
refresh_link() {
  local target="../opa/$OPA_VERSION/opa"
  mkdir -p "$(dirname "$LINK")"
  [[ "$(readlink "$LINK" 2>/dev/null)" == "$target" ]] || ln -sfn "$target" "$LINK"
}

mkdir -p "$INSTALL_DIR"
# Serialise concurrent runs (e.g. parallel test invocations) so two
# `go install`s never race on the same output file.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$INSTALL_DIR/.lock"
  flock 9
fi

# Fast path: reuse an existing, correct binary.
if [[ -x "$OPA_BIN" ]] && is_good_opa "$OPA_BIN"; then
  refresh_link
  echo "$OPA_BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "'go' not found on PATH; Go is required to build OPA $OPA_VERSION."
# The opa_wasm tag links wasmtime via cgo, so a C compiler is mandatory.
command -v "$(go env CC)" >/dev/null 2>&1 \
  || die "C compiler '$(go env CC)' not found; cgo is required for OPA's Wasm support (install gcc)."

log "building OPA $OPA_VERSION with Wasm support into $INSTALL_DIR (first run takes a few minutes)..."
# Check the module is fetchable first so a network problem gets a clear message.
# Run outside the repo so no go.mod/go.work can interfere. Default GOPATH,
# GOCACHE and GOMODCACHE are kept on purpose: they persist across runs.
cd "${TMPDIR:-/tmp}"
if ! err="$(go list -m "github.com/open-policy-agent/opa@$OPA_VERSION" 2>&1 >/dev/null)"; then
  die "cannot resolve github.com/open-policy-agent/opa@$OPA_VERSION via GOPROXY=$(go env GOPROXY) (proxy unreachable?): $err"
fi
rm -f "$OPA_BIN"
GOBIN="$INSTALL_DIR" CGO_ENABLED=1 \
  go install -tags opa_wasm "github.com/open-policy-agent/opa@$OPA_VERSION" >&2 \
  || die "'go install -tags opa_wasm github.com/open-policy-agent/opa@$OPA_VERSION' failed (see output above)."

[[ -x "$OPA_BIN" ]] || die "go install succeeded but $OPA_BIN is missing."
if ! is_good_opa "$OPA_BIN"; then
  "$OPA_BIN" version >&2 || true
  die "built binary does not report 'Version: ${OPA_VERSION#v}' and 'WebAssembly: available' (see above)."
fi

refresh_link
log "installed $("$OPA_BIN" version | head -n1)"
echo "$OPA_BIN"
