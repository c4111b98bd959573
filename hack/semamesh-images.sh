#!/usr/bin/env bash
# The controller and node images without Docker: the stages of deploy/images/Dockerfile assembled
# as OCI image archives (hack/oci-image.sh) from this machine's files, and optionally imported into
# a containerd.
#
#   hack/semamesh-images.sh [--out DIR] [--import CONTAINERD_SOCKET]
#
# Layers, as in the Dockerfile:
#   runtime  the Node runtime (the Dockerfile's node:20-bookworm-slim): this machine's `node` and the
#            shared libraries it loads, a static busybox for sh/sleep/timeout, CA certificates,
#            passwd/group with the nonroot user 65532. Cached outside the checkout, keyed by the
#            content of every file in it: ${SEMAMESH_CACHE:-/var/cache/semamesh}/images/.
#   app      /app: package.json, dist/ (npm run build), policies/, production node_modules (the
#            packages package-lock.json does not mark dev), like `npm prune --omit=dev`.
#   bpf      node image only: the BPF object, the libbpf addon (npm run build:bpf) and the libraries
#            the addon loads (libbpf, libelf, zlib).
# Images: localhost/semamesh/controller:dev and localhost/semamesh/node:dev (deploy/overlays/local).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HACK="$ROOT/hack"
OUT="${TMPDIR:-/tmp}/semamesh-images"
SOCK=""
while [ $# -gt 0 ]; do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --import) SOCK=$2; shift 2 ;;
    *) echo "usage: $0 [--out DIR] [--import CONTAINERD_SOCKET]" >&2; exit 2 ;;
  esac
done
CACHE="${SEMAMESH_CACHE:-/var/cache/semamesh}/images"
CONTROLLER_IMAGE=localhost/semamesh/controller:dev
NODE_IMAGE=localhost/semamesh/node:dev
log() { printf '[images] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -f "$ROOT/dist/cli/semamesh.js" ] || die "dist/ missing: npm run build"
[ -f "$ROOT/bpf/build/semamesh.bpf.o" ] || die "bpf/build/semamesh.bpf.o missing: npm run build:bpf"
ADDON="$ROOT/bpf/addon/build/Release/semamesh_bpf.node"
[ -f "$ADDON" ] || die "$ADDON missing: npm run build:bpf"
BUSYBOX=/bin/busybox
if [ ! -x "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
  die "a static /bin/busybox is required (apt-get install busybox-static)"
fi
NODE_BIN=$(readlink -f "$(command -v node)")
mkdir -p "$OUT" "$CACHE"
t0=$(date +%s)

# The shared libraries FILE loads (ldd), as the paths the loader asks for.
libs_of() { ldd "$1" | awk '/=> \// {print $3} /^[ \t]*\/lib/ {print $1}'; }
# copy_as SRC DEST_ROOT [PATH_IN_IMAGE]: the file's content (symlinks followed) at its own path.
copy_as() { install -D -m "$(stat -L -c %a "$1")" "$1" "$2${3:-$1}"; }

# ---- runtime layer (cached by content) -----------------------------------------------------------
mapfile -t NODE_LIBS < <(libs_of "$NODE_BIN")
RUNTIME_FILES=("$NODE_BIN" "${NODE_LIBS[@]}" "$BUSYBOX" /etc/ssl/certs/ca-certificates.crt)
APPLETS="sh ash cat echo env false id kill ls mkdir ps rm sleep tail timeout true wget"
key=$( { for f in "${RUNTIME_FILES[@]}"; do sha256sum "$(readlink -f "$f")" | cut -d' ' -f1; done
         echo "$APPLETS v1"; } | sha256sum | cut -c1-16)
RUNTIME_LAYER="$CACHE/runtime-$key.tar"
if [ -f "$RUNTIME_LAYER" ]; then
  log "runtime layer cached: $RUNTIME_LAYER"
else
  r=$(mktemp -d)
  copy_as "$NODE_BIN" "$r" /usr/local/bin/node
  for l in "${NODE_LIBS[@]}"; do copy_as "$l" "$r"; done
  copy_as "$BUSYBOX" "$r" /bin/busybox
  for a in $APPLETS; do ln -s busybox "$r/bin/$a"; done
  copy_as /etc/ssl/certs/ca-certificates.crt "$r"
  mkdir -p "$r/tmp" "$r/app" "$r/etc"
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$r/etc/group"
  echo 'hosts: files dns' >"$r/etc/nsswitch.conf"
  "$HACK/oci-layer.sh" "$r" "$RUNTIME_LAYER.tmp"
  mv "$RUNTIME_LAYER.tmp" "$RUNTIME_LAYER"
  rm -rf "$r"
  log "runtime layer built: $RUNTIME_LAYER ($(du -h "$RUNTIME_LAYER" | cut -f1))"
fi

# ---- app layer ----------------------------------------------------------------------------------
app=$(mktemp -d) bpf=$(mktemp -d)
trap 'rm -rf "$app" "$bpf"' EXIT
mkdir -p "$app/app/node_modules"
cp -a "$ROOT/package.json" "$app/app/"
cp -a "$ROOT/dist" "$ROOT/policies" "$app/app/"
# Production packages: every package-lock entry not marked dev/devOptional; nested ones come with
# their parent directory.
# Of the two SQLite drivers (quota/sqlite-driver.ts) only the one the image's Node loads goes in.
if [ "$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')" -ge 22 ]; then
  UNUSED_SQLITE=better-sqlite3
else
  UNUSED_SQLITE=better-sqlite3-napi
fi
jq -r '.packages | to_entries[] | select(.key != "" and (.value.dev | not) and (.value.devOptional | not)) | .key' \
  "$ROOT/package-lock.json" | grep -v '^node_modules/.*/node_modules/' |
  grep -vx "node_modules/$UNUSED_SQLITE" |
  while read -r p; do
    src=$(readlink -f "$ROOT/$p" 2>/dev/null) || continue
    [ -d "$src" ] || continue # optional packages of other platforms
    mkdir -p "$app/app/$(dirname "$p")"
    cp -a "$src" "$app/app/$p"
  done
log "app layer: $(du -sh "$app/app" | cut -f1) ($(find "$app/app/node_modules" -mindepth 1 -maxdepth 1 | wc -l) top-level entries)"

# ---- bpf layer (node image) ---------------------------------------------------------------------
install -D -m 644 "$ROOT/bpf/build/semamesh.bpf.o" "$bpf/app/bpf/build/semamesh.bpf.o"
install -D -m 755 "$ADDON" "$bpf/app/bpf/addon/build/Release/semamesh_bpf.node"
for l in $(libs_of "$ADDON"); do
  case $(basename "$l") in libbpf.so.*|libelf.so.*|libz.so.*) copy_as "$l" "$bpf" ;; esac
done

ENTRY=(node /app/dist/cli/semamesh.js)
"$HACK/oci-image.sh" --layer "$RUNTIME_LAYER" --layer "$app" --env NODE_ENV=production \
  --workdir /app --user 65532:65532 "$CONTROLLER_IMAGE" "$OUT/controller.tar" "${ENTRY[@]}"
"$HACK/oci-image.sh" --layer "$RUNTIME_LAYER" --layer "$app" --layer "$bpf" --env NODE_ENV=production \
  --env SEMAMESH_BPF_OBJECT=/app/bpf/build/semamesh.bpf.o \
  --env SEMAMESH_BPF_ADDON=/app/bpf/addon/build/Release/semamesh_bpf.node \
  --workdir /app --user 65532:65532 "$NODE_IMAGE" "$OUT/node.tar" "${ENTRY[@]}"
log "built in $(( $(date +%s) - t0 ))s: $OUT/controller.tar $OUT/node.tar"

if [ -n "$SOCK" ]; then
  t1=$(date +%s)
  for i in controller node; do
    ctr --address "$SOCK" -n k8s.io images import "$OUT/$i.tar" >/dev/null
  done
  log "imported into $SOCK in $(( $(date +%s) - t1 ))s"
fi
