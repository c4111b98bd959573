#!/usr/bin/env bash
# `npm test`'s last phase: every unit test file once more under Node 24 LTS (the package supports
# Node 20.19+; this catches what only the newer runtime breaks). The Node 24 used is the one .ci/run
# installs (npm install --prefix "${TMPDIR:-/tmp}/semamesh-node24" node@24); without it the phase is
# skipped with the reason (an error under CI=true). When `node` itself is 24, the unit phase before
# this one already ran under it, and this says so.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/test-lib.sh
. scripts/test-lib.sh
PHASE=test-node24

step "unit tests under Node 24 LTS"
if [ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ]; then
  echo "$PHASE: the unit phase already ran under this Node, $(node --version)"
  exit 0
fi
node24="${TMPDIR:-/tmp}/semamesh-node24/node_modules/node/bin/node"
[ -x "$node24" ] ||
  unavailable "$PHASE" "Node 24 is not installed at $node24 (npm install --no-save --prefix \"\${TMPDIR:-/tmp}/semamesh-node24\" node@24)"
"$node24" --version
# better-sqlite3 12 (node::ObjectWrap) aborts under Node 24 when a statement is garbage-collected
# without a current environment; quota/sqlite-driver.ts loads the Node-API build (13, prebuilt) from
# Node 22 on, so every test file runs here, with nothing to rebuild.
"$node24" scripts/run-tests.mjs
