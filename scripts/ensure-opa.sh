#!/usr/bin/env bash
# Builds the pinned release of the real `opa` (the reference our Rego compiler is tested against)
# from the Go module proxy into a cache outside the checkout, keyed by version, and prints its path.
# Usage: bash scripts/ensure-opa.sh            (builds when absent, prints the binary's path)
#        bash scripts/ensure-opa.sh --wasm     (the same with opa's WebAssembly engine, build tag
#                                               opa_wasm as in opa's release binaries: runs bundles
#                                               holding policy.wasm; cached at <version>-wasm)
# Env:   SEMAMESH_OPA_VERSION (default: the pin in scripts/opa-version, which the tests read too),
#        SEMAMESH_CACHE (default /var/cache/semamesh).
set -euo pipefail

OPA_VERSION=${SEMAMESH_OPA_VERSION:-$(tr -d '[:space:]' <"$(dirname "$0")/opa-version")}
CACHE=${SEMAMESH_CACHE:-/var/cache/semamesh}
tags=""
suffix=""
if [ "${1:-}" = "--wasm" ]; then
  tags="opa_wasm"
  suffix="-wasm"
fi
dir="$CACHE/opa/$OPA_VERSION$suffix"
bin="$dir/opa"

build() {
  if ! command -v go >/dev/null 2>&1; then
    echo "ensure-opa: go is not installed; cannot build opa $OPA_VERSION" >&2
    exit 1
  fi
  mkdir -p "$dir"
  # Build into a private folder and move into place, so a concurrent or interrupted build never
  # leaves a half-written binary at the path tests look for.
  tmp=$(mktemp -d "$dir/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "ensure-opa: building opa $OPA_VERSION into $dir (go install, CGO off)" >&2
  CGO_ENABLED=0 GOBIN="$tmp" GOFLAGS=-buildvcs=false go install -tags "$tags" "github.com/open-policy-agent/opa@$OPA_VERSION" >&2
  mv -f "$tmp/opa" "$bin"
  rm -rf "$tmp"
  trap - EXIT
}

# Why the binary at $bin is not the one the path promises, or nothing when it is. The output is
# read whole before it is matched: `opa version | grep -q` under pipefail failed now and then, when
# grep quit at the first match and opa died of SIGPIPE writing the next line.
mismatch() {
  local out rc=0
  out=$("$bin" version 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then
    echo "\`opa version\` exited $rc: $(printf '%s' "$out" | head -c 300)"
  elif ! grep -q "^Version: ${OPA_VERSION#v}$" <<<"$out"; then
    echo "it reports $(grep -m1 '^Version:' <<<"$out" || echo 'no Version line')"
  elif [ -n "$tags" ] && ! grep -q "^WebAssembly: available$" <<<"$out"; then
    echo "it has no WebAssembly engine"
  fi
}

[ -x "$bin" ] || build
# A cache entry that is not the pinned release (a stale, foreign or damaged file: the cache outlives
# checkouts and machines' histories) is rebuilt once; a fresh build that still disagrees is an error.
why=$(mismatch)
if [ -n "$why" ]; then
  echo "ensure-opa: $bin is not opa $OPA_VERSION${suffix:+ with wasm} ($why); rebuilding" >&2
  rm -f "$bin"
  build
  why=$(mismatch)
  if [ -n "$why" ]; then
    echo "ensure-opa: freshly built $bin is not opa $OPA_VERSION${suffix:+ with wasm}: $why" >&2
    exit 1
  fi
fi
echo "$bin"
