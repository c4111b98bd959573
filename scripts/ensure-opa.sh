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

if [ ! -x "$bin" ]; then
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
fi

# The binary must be the version the path promises.
if ! "$bin" version 2>/dev/null | grep -q "^Version: ${OPA_VERSION#v}$"; then
  echo "ensure-opa: $bin does not report version $OPA_VERSION" >&2
  exit 1
fi
if [ -n "$tags" ] && ! "$bin" version 2>/dev/null | grep -q "^WebAssembly: available$"; then
  echo "ensure-opa: $bin has no WebAssembly engine" >&2
  exit 1
fi
echo "$bin"
