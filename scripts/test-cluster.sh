#!/usr/bin/env bash
# `npm test`'s local-Kubernetes phase. A real node: containerd + runc + bridge CNI + kubelet +
# kube-proxy next to the control plane (hack/local-cluster.sh up); a pod from a locally built image
# must become Ready, give its logs through the kubelet and answer HTTP on its pod IP (check). Then
# the shipped cluster path (hack/smoke-test.sh --cluster local): the controller and node images built
# without Docker, deploy/overlays/local installed with the release's kubectl, 200/403/PAUSE/approve/
# terminate through the node agent's eBPF redirect, and the uninstall. Then the same PAUSE path with
# the components as host processes (test/cluster/node-pause.test.ts). Always torn down (mounts,
# netns, cgroups, links, iptables), whatever the outcome; on failure the components' logs are shown.
#
# Needs root, the Kubernetes binaries (hack/build-k8s.sh), containerd and runc, and `npm run build`
# + `npm run build:bpf` done. Where root, the binaries or the runtime are absent the phase is skipped
# with the reason — an error under CI=true or SEMAMESH_REQUIRE_K8S=1 (.ci/run exports it).
# The cluster's state lives in ${SEMAMESH_CLUSTER_DIR:-/var/lib/semamesh/cluster}, one per machine.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/test-lib.sh
. scripts/test-lib.sh
PHASE=test-cluster
if [ "${SEMAMESH_REQUIRE_K8S:-}" = 1 ]; then REQUIRED_BY=SEMAMESH_REQUIRE_K8S=1; fi
STATE=${SEMAMESH_CLUSTER_DIR:-/var/lib/semamesh/cluster}

step "local Kubernetes: control plane + node, a pod Running (hack/local-cluster.sh)"
[ "$(id -u)" = 0 ] || unavailable "$PHASE" "needs root (a kubelet, containerd, mounts and iptables)"
# One cluster per machine (fixed node address, bridge and state dir): never start a second one, nor
# tear down one that another run (or a developer) is using.
for pidfile in "$STATE"/pids/*.pid; do
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$PHASE: a local cluster already runs in $STATE ($(basename "$pidfile" .pid), pid $(cat "$pidfile")): another test run's, or one left up (hack/local-cluster.sh down)" >&2
    exit 1
  fi
done
bin=${K8S_BIN:-$(bash hack/build-k8s.sh --print)}
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  [ -x "$bin/$b" ] || unavailable "$PHASE" "$bin/$b does not exist (build the binaries with hack/build-k8s.sh)"
done
for c in containerd runc; do
  command -v "$c" >/dev/null 2>&1 || unavailable "$PHASE" "$c is not installed (apt-get install containerd runc)"
done

cluster_t0=$(date +%s)
cluster_down() {
  local rc=$?
  if [ "$rc" != 0 ]; then
    for l in kubelet containerd kube-apiserver kube-proxy; do
      echo "--- tail of $l.log"
      tail -n 40 "$STATE/logs/$l.log" 2>/dev/null || true
    done
  fi
  bash hack/local-cluster.sh down --purge >/dev/null 2>&1 || true
}
trap cluster_down EXIT
bash hack/local-cluster.sh up
echo "hack/local-cluster.sh up: $(( $(date +%s) - cluster_t0 ))s"
bash hack/local-cluster.sh check

step "cluster mode end to end (hack/smoke-test.sh --cluster local)"
smoke_t0=$(date +%s)
bash hack/smoke-test.sh --cluster local
echo "hack/smoke-test.sh --cluster local: $(( $(date +%s) - smoke_t0 ))s"

# The pause path on that node: agent pod → waypoint (no token) → node agent socket → SemaIncident → freeze.
step "PAUSE on the node with host processes (test/cluster/node-pause.test.ts)"
SEMAMESH_LOCAL_CLUSTER_DIR=$STATE node scripts/run-tests.mjs test/cluster/node-pause.test.ts

bash hack/local-cluster.sh down --purge
trap - EXIT
echo "local cluster up + check + smoke + node-pause + down: $(( $(date +%s) - cluster_t0 ))s"
