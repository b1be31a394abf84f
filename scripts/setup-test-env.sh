#!/usr/bin/env bash
# Idempotently prepare everything the test suite needs: OPA, the Python venv,
# redis-server and Chromium (for govc doc's browser tests). Reuses whatever is already in place, so re-runs are fast.
set -euo pipefail

log() { echo "setup-test-env: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

# Resolve the repo root from this script's location so any cwd works.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
REQS="$REPO_ROOT/scripts/requirements-test.txt"
PIP_REQS="$REPO_ROOT/scripts/requirements-pip.txt"
STAMP="$VENV/.requirements.sha256"

# (a) OPA: install-opa.sh is itself idempotent; we only need it to succeed.
log "OPA..."
opa_bin="$(bash "$REPO_ROOT/scripts/install-opa.sh" | tail -n1)" \
  || die "scripts/install-opa.sh failed"
log "OPA ready: $opa_bin"

# (b) Python venv. Recreate it if it is missing or its interpreter is broken
# (e.g. the base Python it was created from was removed).
if ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
  command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH"
  log "creating venv at $VENV..."
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
fi
# Reinstall only when the requirements files changed since the last
# successful install; the stamp is written only after pip succeeds.
want="$(cat "$PIP_REQS" "$REQS" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]]; then
  log "installing Python test requirements..."
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-hashes -r "$PIP_REQS" >&2 \
    || die "pip install -r $PIP_REQS failed"
  # --require-hashes: every file pip downloads must match a hash in the requirements file.
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q --require-hashes -r "$REQS" >&2 \
    || die "pip install -r $REQS failed"
  echo "$want" >"$STAMP"
fi
log "venv ready: $VENV"

# (c) redis-server binary only; tests start their own instance on 127.0.0.1.
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server via apt-get..."
  sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "redis-server missing and not root (no sudo) to apt-get install it"
    sudo=(sudo)
  fi
  # Keep the package's postinst from starting a system redis service:
  # policy-rc.d exit 101 forbids service starts. Only add one if absent,
  # and remove it again afterwards.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
    || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >&2 \
    || die "apt-get install redis-server failed"
  command -v redis-server >/dev/null 2>&1 || die "redis-server still not on PATH after apt-get install"
fi
log "redis-server ready: $(command -v redis-server)"

# (d) Debian's Chromium for the site tests (test/doc-browser.test.ts drives it
# through playwright-core over CDP; no browser is downloaded). Reuse an
# installed one; the tests start and stop their own headless instance. The
# screenshot golden is drawn in DejaVu (what fontconfig gives for the site's
# generic sans-serif/monospace), so its package comes too.
DEJAVU=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
if [[ ! -x /usr/bin/chromium || ! -e $DEJAVU ]]; then
  log "installing chromium and fonts-dejavu-core via apt-get..."
  sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "chromium missing and not root (no sudo) to apt-get install it"
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 \
    || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2 \
    || die "apt-get install chromium fonts-dejavu-core failed"
  [[ -x /usr/bin/chromium ]] || die "chromium still not at /usr/bin/chromium after apt-get install"
fi
log "chromium ready: /usr/bin/chromium ($(/usr/bin/chromium --version 2>/dev/null | head -n1))"

# (e) promptfoo 0.123.1 for govc gate's tests (test/gate-promptfoo.test.ts runs a real `promptfoo eval`, offline).
# Installed with `npm ci` from the committed scripts/promptfoo lock into the git-ignored .tools/promptfoo, again only
# when the lock changed; promptfoo needs Node >= 22.22, so the lock also pins a Node 22 binary (linux-x64).
PF_SRC="$REPO_ROOT/scripts/promptfoo"
PF_DIR="$REPO_ROOT/.tools/promptfoo"
PF_STAMP="$PF_DIR/.lock.sha256"
pf_want="$(cat "$PF_SRC/package.json" "$PF_SRC/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$PF_STAMP" 2>/dev/null)" != "$pf_want" || ! -e "$PF_DIR/node_modules/promptfoo/package.json" ]]; then
  log "installing promptfoo (npm ci into $PF_DIR)..."
  mkdir -p "$PF_DIR"
  cp "$PF_SRC/package.json" "$PF_SRC/package-lock.json" "$PF_DIR/"
  (cd "$PF_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci in $PF_DIR failed"
  echo "$pf_want" >"$PF_STAMP"
fi
log "promptfoo ready: $PF_DIR/node_modules/promptfoo ($(node -p "require('$PF_DIR/node_modules/promptfoo/package.json').version"))"
log "done"
