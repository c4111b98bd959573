#!/usr/bin/env bash
# Waypoint throughput and latency against a floor, all in one run: wrk (also for the
# paced run) against nginx answering a canned chat completion directly, through one nginx
# proxy hop, through `semamesh up` of this checkout and through `semamesh up` of a baseline commit
# (a git worktree), each built with tsc and given the same 100-rule SemaPolicy. Prints a table with
# ratios and baselines. The '1k/s' columns pace 10 connections at 10 ms between requests (≈1,000 req/s).
# A second table: a 200-message (~400 KB) conversation whose last message is new on every request
# (issue 14's resent-history figure), sequential. Per request CPU and GC time come from each
# waypoint's own /metrics over its 32-connection and conversation runs (robust to a loaded machine,
# unlike latency).
# WAYPOINT_NODE_OPTIONS goes to this checkout's waypoint and BASE_NODE_OPTIONS to the baseline's, so
# `WAYPOINT_NODE_OPTIONS=--max-semi-space-size=16 bash bench/waypoint-wrk.sh 10 HEAD` compares a GC
# setting on the same code; WAYPOINT_ARGS is added to both `semamesh up` command lines.
# Usage: bash bench/waypoint-wrk.sh [seconds=10] [baseline-rev=HEAD~1]   (installs nginx and wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=${1:-10}
BASE_REV=${2:-HEAD~1}
WORK=$(mktemp -d /tmp/semamesh-wrk.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -f "$WORK/nginx.pid" ]; then kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; fi
  git -C "$ROOT" worktree remove --force "$WORK/base" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in nginx wrk; do
  command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done

P_DIRECT=18901 P_HOP=18902 P_WP=18903 P_WP_ADMIN=18904 P_BASE=18905 P_BASE_ADMIN=18906

# --- nginx: a canned completion, and a keep-alive proxy hop in front of it --------------------------
REPLY='{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Here is a short and harmless answer."},"finish_reason":"stop"}],"usage":{"prompt_tokens":250,"completion_tokens":9,"total_tokens":259}}'
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream llm { server 127.0.0.1:$P_DIRECT; keepalive 64; }
  server {
    listen 127.0.0.1:$P_DIRECT;
    client_max_body_size 8m;
    location / { client_body_buffer_size 64k; default_type application/json; return 200 '$REPLY'; }
  }
  server {
    listen 127.0.0.1:$P_HOP;
    client_max_body_size 8m;
    client_body_buffer_size 1m;
    location / { proxy_pass http://llm; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
EOF
nginx -c "$WORK/nginx/nginx.conf"

# --- the request: a 1 KB chat completion with nothing a rule matches --------------------------------
FILLER=$(printf 'Summarise the quarterly report for the operations team in plain words. %.0s' $(seq 1 13))
BODY="{\"model\":\"gpt-4o\",\"max_tokens\":64,\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"$FILLER\"}]}"
printf '%s' "$BODY" >"$WORK/body.json"
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench"
local f = io.open("$WORK/body.json", "r"); wrk.body = f:read("*a"); f:close()
EOF

cp "$WORK/post.lua" "$WORK/paced.lua"
echo 'function delay() return 10 end' >>"$WORK/paced.lua"

# --- the conversation: 200 distinct ~2 KB messages, then a new question on every request -----------
npx tsx bench/conversation.ts "$WORK"
cat >"$WORK/conv.lua" <<EOF
local function slurp(p) local f = io.open(p, "r"); local s = f:read("*a"); f:close(); return s end
local prefix, suffix = slurp("$WORK/conv-prefix.json"), slurp("$WORK/conv-suffix.json")
-- Numbers go on from CONV_START: the warm-up's messages must not come back in the measured run.
local n = tonumber(os.getenv("CONV_START") or "0")
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer sk-bench" }
function request()
  n = n + 1
  return wrk.format("POST", nil, headers, prefix .. '"What changed in review number ' .. n .. ' of the plan?"' .. suffix)
end
EOF

# --- the policy: one SemaPolicy with 100 rules, in the namespace local-mode agents run in -----------
{
  echo 'apiVersion: semamesh.io/v1alpha1'
  echo 'kind: SemaPolicy'
  echo 'metadata: {name: bench-100, namespace: local}'
  echo 'spec:'
  echo '  rules:'
  verbs=(delete terminate drop disable wipe)
  objects=(namespace node database bucket secret volume cluster deployment pod backup user log firewall table snapshot disk repository index queue topic)
  for i in $(seq 0 99); do
    echo "    - name: r$i"
    echo "      intentMatches: [\"${verbs[$((i % 5))]} ${objects[$((i % 20))]}\"]"
    echo "      riskLevel: High"
    echo "      action: $([ $((i % 2)) -eq 0 ] && echo BLOCK || echo AUDIT)"
  done
} >"$WORK/policy.yaml"

# --- waypoints: this checkout and the baseline commit ------------------------------------------------
git -C "$ROOT" worktree add --detach -q "$WORK/base" "$BASE_REV"
ln -s "$ROOT/node_modules" "$WORK/base/node_modules"
BASE_SHA=$(git -C "$WORK/base" rev-parse --short HEAD)
HEAD_SHA=$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench' || echo '+dirty')

start_waypoint() { # dir port admin-port node-options → sets STARTUP_MS, leaves the pid in PIDS
  local dir=$1 port=$2 admin=$3 node_options=$4 t0 console=''
  # Checkouts with a console get their own port for it (two waypoints must not both take 9789).
  grep -q -- '--console-port' "$dir/cli/commands/up.ts" && console="--console-port $((admin + 100))"
  t0=$(date +%s%N)
  # shellcheck disable=SC2086 # the two variables are lists of words
  (cd "$dir" && exec node $node_options dist/cli/semamesh.js up --policies "$WORK/policy.yaml" \
    --upstream "openai=http://127.0.0.1:$P_DIRECT" --port "$port" --admin-port "$admin" \
    $console ${WAYPOINT_ARGS:-} >"$WORK/wp-$port.log" 2>&1) &
  PIDS+=($!)
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null -X POST "http://127.0.0.1:$port/v1/chat/completions" \
      -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-bench' --data-binary @"$WORK/body.json"; then
      STARTUP_MS=$((($(date +%s%N) - t0) / 1000000))
      return 0
    fi
    sleep 0.05
  done
  echo "waypoint in $dir did not serve within 30 s; its log:" >&2
  cat "$WORK/wp-$port.log" >&2
  exit 1
}
# Built JavaScript, as the images run it (tsx would add seconds of transpiling to start-up).
echo "… building this checkout and $BASE_REV (tsc)" >&2
(cd "$ROOT" && npm run -s build >/dev/null)
(cd "$WORK/base" && npm run -s build >/dev/null)
start_waypoint "$ROOT" "$P_WP" "$P_WP_ADMIN" "${WAYPOINT_NODE_OPTIONS:-}"
WP_PID=${PIDS[-1]} WP_START=$STARTUP_MS
start_waypoint "$WORK/base" "$P_BASE" "$P_BASE_ADMIN" "${BASE_NODE_OPTIONS:-}"
BASE_PID=${PIDS[-1]} BASE_START=$STARTUP_MS

# --- runs ---------------------------------------------------------------------------------------------
declare -A R ADMIN
rss_mb() { # the largest RSS among a process and its children (one event loop each), in MB
  local total=0 p
  for p in $1 $(pgrep -P "$1" || true); do
    local kb
    kb=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    [ "${kb:-0}" -gt "$total" ] && total=$kb
  done
  echo $((total / 1024))
}
wrk_run() { # name url connections → R[name,*]
  local out
  out=$(wrk -t"$([ "$3" -gt 1 ] && echo 2 || echo 1)" -c"$3" -d"${SECS}s" --latency -s "$WORK/post.lua" "$2")
  R[$1,p50]=$(awk '$1=="50%" {print $2}' <<<"$out")
  R[$1,p99]=$(awk '$1=="99%" {print $2}' <<<"$out")
  R[$1,rps]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [ -n "$non2xx" ] && echo "  warning: $1 had $non2xx non-2xx answers" >&2
  return 0
}
rate_run() { # name url → about 1,000 req/s: 10 connections, each waiting 10 ms between requests
  local out
  out=$(wrk -t1 -c10 -d"${SECS}s" --latency -s "$WORK/paced.lua" "$2")
  R[$1,r50]=$(awk '$1=="50%" {print $2}' <<<"$out")
  R[$1,r99]=$(awk '$1=="99%" {print $2}' <<<"$out")
  R[$1,rrps]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
}

conv_run() { # name url → the 200-message conversation, sequential, after a warm-up of its own
  local out
  # The first requests read all 200 messages (and start the analysis worker): warm-up, like the
  # 1 KB runs, so the figure is the steady state of an agent's session (last message new).
  CONV_START=1000000 wrk -t1 -c1 -d2s -s "$WORK/conv.lua" "$2" >/dev/null
  out=$(wrk -t1 -c1 -d"${SECS}s" --latency -s "$WORK/conv.lua" "$2")
  R[$1,v50]=$(awk '$1=="50%" {print $2}' <<<"$out")
  R[$1,v99]=$(awk '$1=="99%" {print $2}' <<<"$out")
  R[$1,vrps]=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [ -n "$non2xx" ] && echo "  warning: $1 conversation had $non2xx non-2xx answers" >&2
  return 0
}

# Named base@ and head@ so the two stay apart when both are the same commit (a noise check).
BASE_NAME="base@$BASE_SHA" HEAD_NAME="head@$HEAD_SHA"
ADMIN=([$BASE_NAME]=$P_BASE_ADMIN [$HEAD_NAME]=$P_WP_ADMIN)
snap() { # admin-port → "cpu-seconds gc-seconds requests" summed over the waypoint's event loops
  curl -s "http://127.0.0.1:$1/metrics" | awk '/^process_cpu_seconds_total/ {c += $2}
    /^nodejs_gc_duration_seconds_sum/ {g += $2} /^semamesh_waypoint_requests_total/ {r += $2}
    END {printf "%s %s %s", c, g, r}'
}
per_request() { # before after → "cpu-ms gc-ms" per request
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); n = y[3] - x[3]
    if (n <= 0) { print "- -"; exit } printf "%.3f %.3f", 1000 * (y[1] - x[1]) / n, 1000 * (y[2] - x[2]) / n }'
}

URLS=(direct "http://127.0.0.1:$P_DIRECT/v1/chat/completions"
  nginx-hop "http://127.0.0.1:$P_HOP/v1/chat/completions"
  "$BASE_NAME" "http://127.0.0.1:$P_BASE/v1/chat/completions"
  "$HEAD_NAME" "http://127.0.0.1:$P_WP/v1/chat/completions")
NAMES=()
for ((i = 0; i < ${#URLS[@]}; i += 2)); do
  name=${URLS[i]} url=${URLS[i + 1]}
  NAMES+=("$name")
  echo "… $name: sequential, 32 connections, 1,000 req/s (${SECS} s each)" >&2
  wrk -t1 -c1 -d2s -s "$WORK/post.lua" "$url" >/dev/null # warm-up
  wrk_run "$name,seq" "$url" 1
  port=${ADMIN[$name]:-}
  [ -n "$port" ] && before=$(snap "$port")
  wrk_run "$name,c32" "$url" 32
  if [ -n "$port" ]; then read -r "R[$name,cpu]" "R[$name,gc]" <<<"$(per_request "$before" "$(snap "$port")")"; fi
  rate_run "$name" "$url"
  [ -n "$port" ] && before=$(snap "$port")
  conv_run "$name" "$url"
  if [ -n "$port" ]; then read -r "R[$name,vcpu]" "R[$name,vgc]" <<<"$(per_request "$before" "$(snap "$port")")"; fi
done
R[$HEAD_NAME,rss]=$(rss_mb "$WP_PID")
R[$BASE_NAME,rss]=$(rss_mb "$BASE_PID")

# --- report ---------------------------------------------------------------------------------------------
to_ms() { # wrk/autocannon latency ("512.00us", "1.20ms", "3.1s", "12ms") → ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'
}
echo
echo "1 KB chat completion, 100-rule SemaPolicy, upstream = nginx canned reply; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %10s %10s %10s %10s %10s %10s %8s %8s\n' target seq-p50 seq-p99 c32-p50 c32-req/s 1k/s-p50 1k/s-p99 1k-req/s RSS-MB
for n in "${NAMES[@]}"; do
  printf '%-22s %8sms %8sms %8sms %10s %8sms %8sms %8s %8s\n' "$n" \
    "$(to_ms "${R[$n,seq,p50]}")" "$(to_ms "${R[$n,seq,p99]}")" "$(to_ms "${R[$n,c32,p50]}")" "${R[$n,c32,rps]}" \
    "$(to_ms "${R[$n,r50]}")" "$(to_ms "${R[$n,r99]}")" "${R[$n,rrps]}" "${R[$n,rss]:--}"
done
d() { awk -v a="$(to_ms "$1")" -v b="$(to_ms "$2")" 'BEGIN { printf "%.3f", a - b }'; }
echo
for n in "$BASE_NAME" "$HEAD_NAME"; do
  echo "$n: added seq p50 $(d "${R[$n,seq,p50]}" "${R[direct,seq,p50]}") ms, p99 $(d "${R[$n,seq,p99]}" "${R[direct,seq,p99]}") ms;" \
    "at 1,000 req/s p50 $(d "${R[$n,r50]}" "${R[direct,r50]}") ms, p99 $(d "${R[$n,r99]}" "${R[direct,r99]}") ms;" \
    "32 conns $(awk -v a="${R[$n,c32,rps]}" -v b="${R[nginx-hop,c32,rps]}" 'BEGIN { printf "%.2f", a / b }')× the nginx hop"
done
echo
echo "200-message (~400 KB) conversation, last message new on every request, sequential"
printf '%-22s %10s %10s %10s %12s\n' target p50 p99 req/s added-p50
for n in "${NAMES[@]}"; do
  printf '%-22s %8sms %8sms %10s %10sms\n' "$n" "$(to_ms "${R[$n,v50]}")" "$(to_ms "${R[$n,v99]}")" "${R[$n,vrps]}" \
    "$(d "${R[$n,v50]}" "${R[direct,v50]}")"
done
echo
echo "per request (own /metrics, all processes): CPU and GC time, 32-connection run and conversation run"
for n in "$BASE_NAME" "$HEAD_NAME"; do
  echo "  $n: 1 KB CPU ${R[$n,cpu]:--} ms, GC ${R[$n,gc]:--} ms; conversation CPU ${R[$n,vcpu]:--} ms, GC ${R[$n,vgc]:--} ms"
done
echo "start-up to first served request: $BASE_NAME ${BASE_START} ms, $HEAD_NAME ${WP_START} ms"
echo "throughput ratio head/base at 32 connections: $(awk -v a="${R[$HEAD_NAME,c32,rps]}" -v b="${R[$BASE_NAME,c32,rps]}" 'BEGIN { printf "%.2f", a / b }')×"
