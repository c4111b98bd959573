#!/usr/bin/env bash
# `npm test`'s OPA-suites phase: all v1 cases and the wasm-only suite of the pinned opa release, from
# its module source, through `semamesh eval` as a user runs it (npm run conformance:opa): fails on
# crashes and on changes against engine/conformance/exceptions-opa-{v1,wasm}.yaml. The side-by-side
# table with the real opa is `npm run conformance:docs` (docs/conformance.md).
# The module source is SEMAMESH_OPA_SOURCE, else the Go module cache (scripts/ensure-opa.sh puts it
# there), else `go mod download`; without Go or the source the phase is skipped with the reason
# (an error under CI=true).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/test-lib.sh
. scripts/test-lib.sh
PHASE=test-opa-suites

step "OPA's suites through semamesh eval (npm run conformance:opa)"
version=${SEMAMESH_OPA_VERSION:-$(tr -d '[:space:]' <scripts/opa-version)}
if [ -z "${SEMAMESH_OPA_SOURCE:-}" ]; then
  command -v go >/dev/null 2>&1 ||
    unavailable "$PHASE" "go is not installed, so opa $version's module source cannot be found (or set SEMAMESH_OPA_SOURCE)"
  src="$(go env GOMODCACHE)/github.com/open-policy-agent/opa@$version"
  if [ ! -d "$src/v1/test" ]; then
    src=$(go mod download -json "github.com/open-policy-agent/opa@$version" 2>/dev/null |
      sed -n 's/.*"Dir": "\(.*\)",/\1/p' || true)
    if [ -z "$src" ] || [ ! -d "$src/v1/test" ]; then
      unavailable "$PHASE" "opa $version's module source is not in the Go module cache and \`go mod download\` failed"
    fi
  fi
  export SEMAMESH_OPA_SOURCE=$src
fi

opa_suites_t0=$(date +%s)
npm run conformance:opa
echo "npm run conformance:opa: $(( $(date +%s) - opa_suites_t0 ))s"
