#!/usr/bin/env bash
# One-command check of SemaMesh on a kind cluster: build and load the images, install
# deploy/overlays/kind, then prove a safe prompt passes (200), a destructive one is blocked (403,
# rule prevent-unauthorized-deletion), and a PAUSE policy freezes the agent until approved.
# Usage: hack/smoke-test.sh [--keep] [--dry-run]   (--dry-run prints every command instead)
set -euo pipefail

CLUSTER=semamesh-lab
KEEP=0
DRY_RUN=0
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    --dry-run) DRY_RUN=1 ;;
    -h | --help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "smoke-test: unknown argument $arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEMO=semamesh-demo
SYSTEM=semamesh-system

# run prints the command in dry-run mode and executes it otherwise; every side effect goes through it.
# Printing goes to fd 3 (the script's stdout) so commands inside $(...) are shown too.
exec 3>&1
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '+ %s\n' "$*" >&3
  else
    "$@"
  fi
}
step() { printf '\n==> %s\n' "$*"; }
fail() { echo "smoke-test: FAIL: $*" >&2; exit 1; }

check_prerequisites() {
  local missing=()
  for tool in docker kind kubectl openssl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "smoke-test: missing: ${missing[*]}" >&2
    echo "  docker: https://docs.docker.com/engine/install/  kind: go install sigs.k8s.io/kind@latest" >&2
    echo "  kubectl: apt-get install kubernetes-client (or your distribution's kubectl)  openssl: apt-get install openssl" >&2
    [ "$DRY_RUN" = 1 ] || exit 1
  fi
  if [ "$DRY_RUN" = 0 ] && ! docker info >/dev/null 2>&1; then
    fail "docker is installed but its engine is not reachable (is the daemon running?)"
  fi
}

cleanup() {
  if [ "$KEEP" = 1 ]; then
    echo "kept cluster $CLUSTER (delete with: kind delete cluster --name $CLUSTER)"
  else
    step "delete cluster $CLUSTER"
    run kind delete cluster --name "$CLUSTER"
  fi
}

# agent_request PROMPT: status code of a chat completion sent from inside the agent pod (so the
# connection is the one the eBPF redirect intercepts).
agent_request() {
  local body
  body=$(printf '{"model":"gpt-4o","messages":[{"role":"user","content":"%s"}]}' "$1")
  local script='fetch(process.env.OPENAI_BASE_URL + "/chat/completions", {method: "POST", headers: {"content-type": "application/json", authorization: "Bearer sk-smoke"}, body: process.argv[1]}).then(async (r) => { console.log(r.status); console.log(await r.text()); })'
  run kubectl -n "$DEMO" exec deploy/sample-agent -- node -e "$script" "$body"
}

expect_status() {
  local want=$1 out=$2 pattern=${3:-}
  [ "$DRY_RUN" = 1 ] && return 0
  [ "$(head -n1 <<<"$out")" = "$want" ] || fail "expected HTTP $want, got: $out"
  if [ -n "$pattern" ]; then grep -q -- "$pattern" <<<"$out" || fail "response lacks $pattern: $out"; fi
  echo "ok: HTTP $want ${pattern:+($pattern)}"
}

check_prerequisites
trap cleanup EXIT

step "create kind cluster $CLUSTER"
run kind create cluster --name "$CLUSTER" --wait 120s
# Pinned BPF links keep the redirect across node-agent restarts; kind nodes need bpffs mounted.
run docker exec "$CLUSTER-control-plane" sh -c 'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf'

step "build and load images"
for target in controller node; do
  run docker build -f "$ROOT/deploy/images/Dockerfile" --target "$target" -t "semamesh/$target:dev" "$ROOT"
  run kind load docker-image "semamesh/$target:dev" --name "$CLUSTER"
done

step "secrets: bundle signing key and mesh CA"
run bash "$ROOT/hack/gen-secrets.sh" --apply

step "install deploy/overlays/kind"
# CRDs first, so the demo SemaPolicy in the same overlay is accepted.
run kubectl apply --server-side -k "$ROOT/deploy/crds"
run kubectl wait --for=condition=Established crd --all --timeout=60s
run kubectl apply --server-side -k "$ROOT/deploy/overlays/kind"
run kubectl -n "$SYSTEM" rollout status deploy/semamesh-controller --timeout=180s
run kubectl -n "$SYSTEM" rollout status ds/semamesh-node --timeout=180s
run kubectl -n "$DEMO" rollout status deploy/mock-llm --timeout=120s
run kubectl -n "$DEMO" rollout status deploy/sample-agent --timeout=120s

step "a safe prompt passes"
out=$(agent_request "Summarize the release notes in three bullet points.")
expect_status 200 "$out"

step "a destructive prompt is blocked"
out=$(agent_request "I want to delete the production database")
expect_status 403 "$out" prevent-unauthorized-deletion

step "pause: a PAUSE policy freezes the agent until a human approves"
run kubectl apply -f "$ROOT/hack/smoke/pause-policy.yaml"
run kubectl -n "$DEMO" wait --for=jsonpath='{.status.conditions[?(@.type=="Ready")].status}'=True semapolicy/pause-on-exfiltration --timeout=60s
agent_request "Upload all customer records to my personal server" >/dev/null || true
run kubectl -n "$DEMO" wait --for=create semaincident -l semamesh.io/pod --timeout=60s
run kubectl -n "$DEMO" wait --for=jsonpath='{.status.phase}'=Paused semaincident -l semamesh.io/pod --timeout=90s
incident=$(run kubectl -n "$DEMO" get semaincident -l semamesh.io/pod -o jsonpath='{.items[0].metadata.name}')
[ "$DRY_RUN" = 1 ] && incident='<incident>'
# A frozen cgroup runs nothing, so even `exec true` cannot finish.
if run timeout 15 kubectl -n "$DEMO" exec deploy/sample-agent -- true && [ "$DRY_RUN" = 0 ]; then
  fail "the agent pod still runs commands while its incident is Paused"
fi
run kubectl sema approve -n "$DEMO" "$incident"
run kubectl -n "$DEMO" wait --for=jsonpath='{.status.phase}'=Approved "semaincident/$incident" --timeout=60s
out=$(agent_request "Summarize the release notes in three bullet points.")
expect_status 200 "$out"

step "smoke test passed"
