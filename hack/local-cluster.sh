#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, from the binaries hack/build-k8s.sh builds, with no
# Docker, kind or systemd:
#
#   hack/local-cluster.sh up [--no-node]   etcd, kube-apiserver, kube-controller-manager and
#                                          kube-scheduler on 127.0.0.1; then (unless --no-node)
#                                          containerd + kubelet (node IP 10.243.255.1 on a bridge
#                                          link) with a bridge CNI and a locally built sandbox image
#   hack/local-cluster.sh up --api-only    etcd + kube-apiserver only (envtest style; no root
#                                          needed): what test/cluster/ starts on free ports
#   hack/local-cluster.sh env              prints `export KUBECONFIG=...` (eval "$(... env)")
#   hack/local-cluster.sh status           which processes run, and the nodes
#   hack/local-cluster.sh check            schedules a busybox pod (locally built image), waits for
#                                          Ready, reads its logs and fetches HTTP from its pod IP
#   hack/local-cluster.sh down [--purge]   stops everything; cleans mounts, netns, cgroups and
#                                          the bridge; --purge also deletes the state directory
#
# State (certificates, etcd data, logs, kubelet and containerd roots) lives outside the checkout in
# ${SEMAMESH_CLUSTER_DIR:-/var/lib/semamesh/cluster}. Everything listens on 127.0.0.1 only; pods get
# addresses on the bridge `semamesh0` (10.244.0.0/24) inside network namespaces containerd creates.
# Needs root, openssl, jq; the node also needs containerd, runc and containernetworking-plugins
# (Debian packages) and a C compiler for the sandbox process.
set -euo pipefail

HACK=$(cd "$(dirname "$0")" && pwd)
STATE=${SEMAMESH_CLUSTER_DIR:-/var/lib/semamesh/cluster}
BIN=${K8S_BIN:-$("$HACK/build-k8s.sh" --print)}
API_PORT=${K8S_API_PORT:-6443}
# The API server's address: loopback for --api-only; the node IP when a node runs (`up` sets it).
API_HOST=127.0.0.1
ETCD_PORT=${K8S_ETCD_PORT:-2379}
ETCD_PEER_PORT=${K8S_ETCD_PEER_PORT:-$((ETCD_PORT + 1))}
KCM_PORT=${K8S_CONTROLLER_MANAGER_PORT:-10257}
SCHEDULER_PORT=${K8S_SCHEDULER_PORT:-10259}
NODE_NAME=${K8S_NODE_NAME:-semamesh-node}
# The kubelet refuses a loopback node IP ("nodeIP can't be loopback address"), and without an
# address the API server cannot reach it for logs/exec; the node gets this address on a bridge
# interface of its own (local to this machine: nothing is routed anywhere).
NODE_IP=${K8S_NODE_IP:-10.243.255.1}
NODE_LINK=semamesh-node
POD_CIDR=${K8S_POD_CIDR:-10.244.0.0/24}
SERVICE_CIDR=${K8S_SERVICE_CIDR:-10.96.0.0/16}
BRIDGE=semamesh0
PAUSE_IMAGE=localhost/semamesh/pause:local
BUSYBOX_IMAGE=localhost/semamesh/busybox:local
CTR_SOCK="$STATE/containerd/containerd.sock"
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Processes: each component runs detached in its own session, pid in $PIDS, log in $LOGS.
start_proc() { # NAME CMD...
  local name=$1
  shift
  if is_running "$name"; then log "$name already running (pid $(cat "$PIDS/$name.pid"))"; return; fi
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  log "started $name (pid $!), log $LOGS/$name.log"
}
is_running() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }
stop_proc() {
  local name=$1 pid _
  [ -f "$PIDS/$name.pid" ] || return 0
  pid=$(cat "$PIDS/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then log "$name did not stop on SIGTERM; SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid"
}
wait_for() { # DESCRIPTION SECONDS CMD...
  local what=$1 secs=$2 _
  shift 2
  for _ in $(seq 1 $((secs * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what not ready after ${secs}s (see $LOGS/)"
}

# ---------------------------------------------------------------------------------------------
# PKI: one CA; serving certs for 127.0.0.1; client certs per component; service-account keys.
cert() { # NAME CN ORG(or -) KIND(server|client|both) SANS
  local name=$1 cn=$2 org=$3 kind=$4 sans=${5:-} subj ext
  [ -f "$PKI/$name.crt" ] && return 0
  subj="/CN=$cn"
  [ "$org" != - ] && subj="/O=$org$subj"
  case $kind in
    server) ext="extendedKeyUsage=serverAuth" ;;
    client) ext="extendedKeyUsage=clientAuth" ;;
    *) ext="extendedKeyUsage=serverAuth,clientAuth" ;;
  esac
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "$ext"
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } >"$PKI/$name.ext"
  openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
  chmod 600 "$PKI/$name.key"
}
kubeconfig() { # FILE CERTNAME
  local file=$1 c=$2
  umask 077
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: semamesh-local
  cluster:
    server: https://$API_HOST:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $c
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$c.crt")
    client-key-data: $(base64 -w0 "$PKI/$c.key")
contexts:
- name: semamesh-local
  context: {cluster: semamesh-local, user: $c}
current-context: semamesh-local
EOF
  umask 022
}
make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=semamesh-local-ca" -days 365 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$PKI/ca.crt" 2>/dev/null
    chmod 600 "$PKI/ca.key"
  fi
  local svc_ip
  # The first address of the service range (the `kubernetes` Service's ClusterIP).
  local net=${SERVICE_CIDR%/*}
  svc_ip="${net%.*}.$(( ${net##*.} + 1 ))"
  cert apiserver kube-apiserver - server \
    "IP:127.0.0.1,IP:$NODE_IP,IP:$svc_ip,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters client
  cert admin kubernetes-admin system:masters client
  cert controller-manager system:kube-controller-manager - client
  cert scheduler system:kube-scheduler - client
  cert kube-proxy system:kube-proxy - client
  cert kubelet-client "system:node:$NODE_NAME" system:nodes client
  cert kubelet "$NODE_NAME" - server "IP:127.0.0.1,IP:$NODE_IP,DNS:$NODE_NAME,DNS:localhost"
  if [ ! -f "$PKI/sa.key" ]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
    chmod 600 "$PKI/sa.key"
  fi
  kubeconfig "$STATE/admin.kubeconfig" admin
  kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
  kubeconfig "$STATE/scheduler.kubeconfig" scheduler
  kubeconfig "$STATE/kubelet.kubeconfig" kubelet-client
  kubeconfig "$STATE/kube-proxy.kubeconfig" kube-proxy
}

kubectl() { "$BIN/kubectl" --kubeconfig "$STATE/admin.kubeconfig" "$@"; }
api_ready() { kubectl get --raw /readyz; }

# ---------------------------------------------------------------------------------------------
control_plane_up() {
  for b in etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [ -x "$BIN/$b" ] || die "$BIN/$b missing: run hack/build-k8s.sh first"
  done
  command -v openssl >/dev/null || die "openssl is required"
  mkdir -p "$STATE" "$LOGS" "$PIDS" "$STATE/etcd"
  make_pki

  start_proc etcd "$BIN/etcd" --name semamesh --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "semamesh=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" \
    --unsafe-no-fsync --log-level warn
  wait_for etcd 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  # API only: loopback, and --endpoint-reconciler-type=none (the `kubernetes` Service cannot point
  # at 127.0.0.0/8). With a node: the node IP (on the node's own bridge link, local to this
  # machine), which the `kubernetes` Service's endpoint names, so pods reach the API at its ClusterIP.
  local reconciler=none
  if [ "$API_HOST" != 127.0.0.1 ]; then reconciler=lease; node_link_up; fi
  start_proc kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$API_HOST" --advertise-address "$API_HOST" --secure-port "$API_PORT" \
    --endpoint-reconciler-type "$reconciler" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --authorization-mode Node,RBAC --allow-privileged=true --profiling=false
  wait_for kube-apiserver 120 api_ready
  if [ "${API_ONLY:-}" = 1 ]; then log "API server ready: https://$API_HOST:$API_PORT"; return; fi

  start_proc kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$STATE/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --profiling=false
  start_proc kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig "$STATE/scheduler.kubeconfig" \
    --authentication-kubeconfig "$STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig "$STATE/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" --leader-elect=false --profiling=false
  # The default ServiceAccount appears once the controller-manager runs; pods need it.
  wait_for "default ServiceAccount" 90 kubectl -n default get serviceaccount default
  log "control plane ready: https://$API_HOST:$API_PORT"
}

# ---------------------------------------------------------------------------------------------
# Node: containerd (private socket and roots) + kubelet + bridge CNI + local images.
cgroup_v2_unified() { [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; }

# Whether this process may lower oom_score_adj (CAP_SYS_RESOURCE in its effective set).
capsh_has_sys_resource() {
  local eff
  eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (( (16#$eff >> 24) & 1 ))
}

build_images() {
  local img="$STATE/images" root
  mkdir -p "$img"
  if [ ! -f "$img/pause.tar" ]; then
    command -v cc >/dev/null || die "a C compiler is required for the sandbox (pause) process"
    root=$(mktemp -d)
    cc -static -Os -o "$root/pause" "$HACK/local-cluster/pause.c"
    strip "$root/pause" 2>/dev/null || true
    "$HACK/oci-image.sh" --layer "$root" "$PAUSE_IMAGE" "$img/pause.tar" /pause
    rm -rf "$root"
  fi
  if [ ! -f "$img/busybox.tar" ]; then
    [ -x /bin/busybox ] || die "/bin/busybox missing: apt-get install busybox-static"
    if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is not static (apt-get install busybox-static)"; fi
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/etc" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for a in sh ls cat echo sleep wget nc ip hostname id env ps top; do ln -s busybox "$root/bin/$a"; done
    echo "root:x:0:0:root:/:/bin/sh" >"$root/etc/passwd"
    echo "root:x:0:" >"$root/etc/group"
    "$HACK/oci-image.sh" --layer "$root" --env PATH=/bin "$BUSYBOX_IMAGE" "$img/busybox.tar" /bin/sh
    rm -rf "$root"
  fi
}

node_up() {
  for c in containerd runc ctr; do command -v "$c" >/dev/null || die "$c missing: apt-get install containerd runc"; done
  [ -x /usr/lib/cni/bridge ] || die "CNI plugins missing: apt-get install containernetworking-plugins"
  [ -x "$BIN/kubelet" ] || die "$BIN/kubelet missing: run hack/build-k8s.sh first"
  mkdir -p "$STATE/containerd" "$STATE/cni/net.d" "$STATE/cni/cache" "$STATE/kubelet" "$STATE/pods-logs"

  cat >"$STATE/cni/net.d/10-semamesh.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "semamesh-local",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "isDefaultGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "dataDir": "$STATE/cni/ipam"}},
    {"type": "loopback"}
  ]
}
EOF
  # containerd 1.x config (Debian 12 ships 1.6): a private socket and roots so a system containerd
  # is left alone; cgroupfs (no systemd here); pulls never needed (images are imported).
  cat >"$STATE/containerd/config.toml" <<EOF
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$CTR_SOCK"
[ttrpc]
  address = "$CTR_SOCK.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  enable_cdi = false
  # Without CAP_SYS_RESOURCE (this machine) no process may lower its oom_score_adj, and the kubelet
  # asks -998 for every sandbox: runc then dies in nsexec ("failed to update
  # /proc/self/oom_score_adj: Permission denied", surfacing as "can't get final child's PID from
  # pipe: EOF"). This caps each container's oom_score_adj at containerd's own instead.
  restrict_oom_score_adj = $( capsh_has_sys_resource && echo false || echo true )
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
EOF
  start_proc containerd containerd --config "$STATE/containerd/config.toml"
  wait_for containerd 30 ctr --address "$CTR_SOCK" version

  build_images
  local t
  for t in pause busybox; do
    ctr --address "$CTR_SOCK" -n k8s.io images import --all-platforms "$STATE/images/$t.tar" >/dev/null
  done
  # kubelet must not garbage-collect the sandbox image.
  ctr --address "$CTR_SOCK" -n k8s.io images label "$PAUSE_IMAGE" io.cri-containerd.pinned=pinned >/dev/null || true
  log "images: $(ctr --address "$CTR_SOCK" -n k8s.io images ls -q | grep localhost/ | tr '\n' ' ')"

  # The kubelet: cgroupfs driver. This machine mounts cgroup v1 controllers under /sys/fs/cgroup
  # and cgroup v2 only at /sys/fs/cgroup/unified (hybrid), so to the kubelet this is a cgroup v1
  # node: failCgroupV1 must be false (the default is true since 1.35).
  local v1=true
  cgroup_v2_unified && v1=false
  cat >"$STATE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CTR_SOCK
cgroupDriver: cgroupfs
failCgroupV1: $( [ "$v1" = true ] && echo false || echo true )
failSwapOn: false
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
podCIDR: $POD_CIDR
podLogsDir: $STATE/pods-logs
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  imagefs.available: "1%"
  nodefs.inodesFree: "1%"
protectKernelDefaults: false
serializeImagePulls: false
EOF
  node_link_up
  shared_host_mounts
  start_proc kubelet "$BIN/kubelet" --config "$STATE/kubelet/config.yaml" \
    --kubeconfig "$STATE/kubelet.kubeconfig" --root-dir "$STATE/kubelet" \
    --node-ip "$NODE_IP" --hostname-override "$NODE_NAME"
  wait_for "node $NODE_NAME Ready" 120 node_ready
  log "node $NODE_NAME Ready"
  kube_proxy_up
}

# kube-proxy in iptables mode: Services' ClusterIPs work from pods and from this machine. Traffic
# between pods on the bridge passes iptables (bridge-nf-call-iptables), so replies of a DNAT'ed
# connection are translated back. No cluster DNS: see docs/cluster-local.md.
kube_proxy_up() {
  [ -x "$BIN/kube-proxy" ] || die "$BIN/kube-proxy missing: run hack/build-k8s.sh first"
  command -v iptables-restore >/dev/null || die "iptables missing: apt-get install iptables"
  if [ -w /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
    echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  else
    modprobe br_netfilter 2>/dev/null || log "warning: no br_netfilter: pod-to-Service-to-pod on the bridge may fail"
  fi
  mkdir -p "$STATE/kube-proxy"
  # conntrack.maxPerCore 0: leave the host's conntrack table size alone.
  cat >"$STATE/kube-proxy/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $STATE/kube-proxy.kubeconfig
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
EOF
  start_proc kube-proxy "$BIN/kube-proxy" --config "$STATE/kube-proxy/config.yaml"
  wait_for kube-proxy 60 curl -fsS http://127.0.0.1:10256/healthz
  log "kube-proxy (iptables) ready"
}
kube_proxy_down() {
  stop_proc kube-proxy
  # Removes the KUBE-* chains and rules it installed.
  if [ -x "$BIN/kube-proxy" ] && iptables -t nat -S KUBE-SERVICES >/dev/null 2>&1; then
    "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || log "warning: kube-proxy --cleanup failed"
  fi
}
# What the kubelet itself adds (KUBE-FIREWALL, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT): the jumps
# to KUBE-* chains, then the chains. Run after the kubelet stopped (it would re-create them).
kubelet_iptables_down() {
  local ipt t rule chain parts
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for t in filter nat mangle; do
      while read -r rule; do
        read -ra parts <<<"${rule/#-A/-D}"
        "$ipt" -t "$t" "${parts[@]}" 2>/dev/null || true
      done < <("$ipt" -t "$t" -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j KUBE-' || true)
      for chain in $("$ipt" -t "$t" -S 2>/dev/null | awk '/^-N KUBE-/ {print $2}'); do
        "$ipt" -t "$t" -F "$chain" 2>/dev/null || true
        "$ipt" -t "$t" -X "$chain" 2>/dev/null || true
      done
    done
  done
}
# Pods that mount a host path with mountPropagation HostToContainer (the node DaemonSet: bpffs and
# the cgroup2 hierarchy) need that path to be a shared or slave mount on the host ("path
# /sys/fs/bpf is mounted on /sys/fs/bpf but it is not a shared or slave mount"). systemd makes
# every mount shared; this machine has no systemd, and its mounts are private.
shared_host_mounts() {
  local m
  for m in /sys/fs/bpf /sys/fs/cgroup/unified /sys/fs/cgroup; do
    mountpoint -q "$m" || continue
    [ "$(findmnt -no PROPAGATION "$m")" = private ] && mount --make-rshared "$m"
  done
  return 0
}
node_link_up() {
  if ! grep -q "$NODE_IP/" <<<"$(ip -br addr show "$NODE_LINK" 2>/dev/null)"; then
    # A port-less bridge holds the address (this kernel has no dummy driver).
    ip link add "$NODE_LINK" type bridge 2>/dev/null || true
    ip addr add "$NODE_IP/32" dev "$NODE_LINK"
    ip link set "$NODE_LINK" up
  fi
}
node_ready() {
  is_running kubelet || { log "kubelet exited; last lines of $LOGS/kubelet.log:"; tail -20 "$LOGS/kubelet.log" >&2; exit 1; }
  [ "$(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

node_down() {
  [ -f "$STATE/containerd/config.toml" ] || return 0 # the node was never started here
  kube_proxy_down
  stop_proc kubelet
  kubelet_iptables_down
  local c netns=()
  if is_running containerd; then
    local ctr=(ctr --address "$CTR_SOCK" -n k8s.io)
    # The pods' network namespaces (only those our containerd created), then their tasks.
    mapfile -t netns < <(for c in $("${ctr[@]}" containers ls -q 2>/dev/null); do
      "${ctr[@]}" containers info "$c" 2>/dev/null |
        jq -r '.Spec.linux.namespaces[]? | select(.type == "network") | .path // empty'
    done | sort -u)
    for c in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks kill -s KILL "$c" >/dev/null 2>&1 || true; done
    sleep 1
    for c in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks delete -f "$c" >/dev/null 2>&1 || true; done
    for c in $("${ctr[@]}" containers ls -q 2>/dev/null); do "${ctr[@]}" containers delete "$c" >/dev/null 2>&1 || true; done
    stop_proc containerd
  fi
  # Leftover shims of our containerd (their command line names our socket).
  local p
  for p in $(pgrep -f "containerd-shim-runc-v2 .*-address $CTR_SOCK" || true); do kill -KILL "$p" 2>/dev/null || true; done
  # Mounts under the state directory (pod volumes, rootfs, shm), deepest first.
  awk -v s="$STATE/" 'index($2, s) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  for p in "${netns[@]}"; do
    [ -e "$p" ] || continue
    umount "$p" 2>/dev/null || true
    rm -f "$p"
  done
  # The node DaemonSet's pinned BPF links (deploy/base: --bpf-pin-path=/sys/fs/bpf/semamesh) outlive
  # its pods on purpose (they keep the redirect through node-agent restarts); the node goes, so they go.
  if [ -d /sys/fs/bpf/semamesh ]; then
    find /sys/fs/bpf/semamesh -mindepth 1 -maxdepth 1 -exec rm -f {} + 2>/dev/null || true
    rmdir /sys/fs/bpf/semamesh 2>/dev/null || true
  fi
  ip link del "$BRIDGE" 2>/dev/null || true
  ip link del "$NODE_LINK" 2>/dev/null || true
  rm -rf "$STATE/cni/ipam"
  # The kubelet's cgroups (cgroupfs driver): kubepods and its QoS children, in every hierarchy.
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -f "$STATE/containerd/config.toml"
}

check_pod() {
  local ns=semamesh-check ip phase
  kubectl create namespace "$ns" --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$ns" delete pod web --ignore-not-found --wait=true >/dev/null
  kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  automountServiceAccountToken: false
  containers:
    - name: web
      image: $BUSYBOX_IMAGE
      imagePullPolicy: Never
      command: [/bin/sh, -c]
      args: ['mkdir -p /www && echo hello-from-pod > /www/index.html && echo started && exec busybox httpd -f -p 8080 -h /www']
      ports: [{containerPort: 8080}]
EOF
  if ! kubectl -n "$ns" wait --for=condition=Ready pod/web --timeout=120s >/dev/null; then
    kubectl -n "$ns" describe pod web >&2 || true
    die "pod semamesh-check/web did not become Ready"
  fi
  phase=$(kubectl -n "$ns" get pod web -o jsonpath='{.status.phase}')
  ip=$(kubectl -n "$ns" get pod web -o jsonpath='{.status.podIP}')
  log "pod semamesh-check/web: phase $phase, IP $ip, node $(kubectl -n "$ns" get pod web -o jsonpath='{.spec.nodeName}')"
  [ "$(kubectl -n "$ns" logs web)" = started ] || die "unexpected pod logs: $(kubectl -n "$ns" logs web)"
  [ "$(curl -fsS --max-time 10 "http://$ip:8080/")" = hello-from-pod ] || die "no HTTP answer from the pod at $ip:8080"
  log "check passed: Running, logs via the kubelet, HTTP to $ip:8080 over the bridge"
  kubectl delete namespace "$ns" --wait=false >/dev/null
}

control_plane_down() {
  stop_proc kube-scheduler
  stop_proc kube-controller-manager
  stop_proc kube-apiserver
  stop_proc etcd
}

case ${1:-} in
  up)
    t0=$(date +%s)
    if [ "${2:-}" = --api-only ]; then
      API_ONLY=1 control_plane_up
    else
      [ "$(id -u)" = 0 ] || die "run as root"
      API_HOST=$NODE_IP
      control_plane_up
      if [ "${2:-}" != --no-node ]; then node_up; fi
    fi
    log "up in $(( $(date +%s) - t0 ))s; use: eval \"\$($0 env)\""
    ;;
  env)
    echo "export KUBECONFIG=$STATE/admin.kubeconfig"
    echo "export K8S_BIN=$BIN"
    ;;
  status)
    for n in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy; do
      if is_running "$n"; then echo "$n: running (pid $(cat "$PIDS/$n.pid"))"; else echo "$n: stopped"; fi
    done
    if is_running kube-apiserver; then kubectl get nodes -o wide 2>/dev/null || true; fi
    ;;
  check)
    check_pod
    ;;
  down)
    node_down
    control_plane_down
    if [ "${2:-}" = --purge ]; then rm -rf "$STATE"; log "removed $STATE"; fi
    ;;
  *)
    echo "usage: $0 up [--no-node|--api-only] | env | status | check | down [--purge]" >&2
    exit 2
    ;;
esac
