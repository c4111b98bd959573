# shellcheck shell=bash
# Sourced by the shell phases of `npm test` (scripts/test-*.sh): what a phase does when something
# it needs is truly absent from this machine. Never a silent skip: the reason is always printed.

# unavailable PHASE REASON: PHASE cannot run here because of REASON. Under CI=true, or when the
# phase set REQUIRED_BY to the switch that requires it (the cluster phase: SEMAMESH_REQUIRE_K8S=1,
# which .ci/run exports), that is an error (exit 1); elsewhere the phase is skipped (exit 0).
unavailable() {
  if [ "${CI:-}" = true ]; then
    echo "$1: $2 (required under CI=true)" >&2
    exit 1
  elif [ -n "${REQUIRED_BY:-}" ]; then
    echo "$1: $2 (required by $REQUIRED_BY)" >&2
    exit 1
  fi
  echo "$1: skipped: $2"
  exit 0
}

step() { printf '\n==> %s\n' "$*"; }
