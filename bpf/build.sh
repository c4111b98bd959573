#!/usr/bin/env bash
# Builds SemaMesh's eBPF object (bpf/build/semamesh.bpf.o) and the libbpf N-API addon
# (bpf/addon/build/Release/semamesh_bpf.node). Usage: bash bpf/build.sh [progs|addon|all]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
what="${1:-all}"
out="$here/build"
arch="$(uname -m)"
case "$arch" in
  x86_64) target_arch=x86 ;;
  aarch64) target_arch=arm64 ;;
  *) target_arch="$arch" ;;
esac

build_progs() {
  command -v clang >/dev/null || { echo "bpf/build.sh: clang not found (apt-get install clang)" >&2; exit 1; }
  command -v bpftool >/dev/null || { echo "bpf/build.sh: bpftool not found (apt-get install bpftool)" >&2; exit 1; }
  [ -r /sys/kernel/btf/vmlinux ] || { echo "bpf/build.sh: /sys/kernel/btf/vmlinux missing (kernel without BTF)" >&2; exit 1; }
  mkdir -p "$out"
  # vmlinux.h is ~135k lines and kernel specific: generated, never committed.
  # Regenerated when the running kernel changes (the stamp records which kernel it came from).
  local kernel; kernel="$(uname -r)"
  if [ ! -s "$out/vmlinux.h" ] || [ "$(cat "$out/vmlinux.kernel" 2>/dev/null)" != "$kernel" ]; then
    bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out/vmlinux.h.tmp"
    mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
    echo "$kernel" > "$out/vmlinux.kernel"
  fi
  local objs=()
  for src in "$here"/progs/sm_*.bpf.c; do
    local name; name="$(basename "$src" .bpf.c)"
    clang -O2 -g -target bpf -D__TARGET_ARCH_"$target_arch" -Wall -Werror \
      -I"$out" -I"$here/include" -c "$src" -o "$out/$name.o"
    objs+=("$out/$name.o")
  done
  # One object so every program shares the maps defined (weakly) in include/maps.h.
  bpftool gen object "$out/semamesh.bpf.o" "${objs[@]}"
  echo "bpf/build.sh: built $out/semamesh.bpf.o"
}

build_addon() {
  pkg-config --exists libbpf || { echo "bpf/build.sh: libbpf not found (apt-get install libbpf-dev pkg-config)" >&2; exit 1; }
  local gyp
  gyp="$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  # --nodedir points at the installed headers so node-gyp downloads nothing.
  local nodedir="${npm_config_nodedir:-/usr}"
  (cd "$here/addon" && node "$gyp" rebuild --nodedir="$nodedir" --silent)
  echo "bpf/build.sh: built $here/addon/build/Release/semamesh_bpf.node"
}

case "$what" in
  progs) build_progs ;;
  addon) build_addon ;;
  all) build_progs; build_addon ;;
  *) echo "usage: bash bpf/build.sh [progs|addon|all]" >&2; exit 2 ;;
esac
