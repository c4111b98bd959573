#!/usr/bin/env bash
# Builds engine/wasm/runtime/runtime.wasm and natives.json from engine/wasm/runtime/src/*.c (every
# file there, the Unicode class tables that tools/gen-regex-unicode.mjs generates among them) with
# Debian's clang 14 + wasm-ld; `--check` rebuilds into a temp dir and fails if the committed
# files differ (CI runs it so the binary never drifts from its source).
set -euo pipefail
export LC_ALL=C

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rt="$root/engine/wasm/runtime"
src="$rt/src"
clang="${CLANG:-clang-14}"
wasm_ld="${WASM_LD:-wasm-ld-14}"

mode=build
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$rt"
if [[ $mode == check ]]; then out="$work/out"; mkdir -p "$out"; fi

mapfile -t sources < <(cd "$src" && ls -1 *.c | sort)
cflags=(--target=wasm32 -O2 -std=c11 -nostdlib -ffreestanding -fvisibility=hidden
  -fno-exceptions -fno-stack-protector -Wall -Wextra -Werror -Wno-unused-parameter)
objects=()
for f in "${sources[@]}"; do
  o="$work/${f%.c}.o"
  (cd "$src" && "$clang" "${cflags[@]}" -c "$f" -o "$o")
  objects+=("$o")
done

# Markers in the sources (see opa.h) decide what is exported and what natives.json lists.
mapfile -t abi < <(cd "$src" && sed -nE 's/^OPA_(EXPORT|STUB)[^(]*[ *]([A-Za-z0-9_]+)\(.*/\2/p' "${sources[@]}" | sort -u)
mapfile -t natives < <(cd "$src" && sed -nE 's/^OPA_NATIVE\("([^"]+)"\)[^(]*[ *]([A-Za-z0-9_]+)\(.*/\1 \2/p' "${sources[@]}" | sort -u)
exports=(--export=__heap_base)
for name in "${abi[@]}"; do exports+=("--export=$name"); done
for line in "${natives[@]}"; do exports+=("--export=${line#* }"); done

# Only the env imports declared in opa.h may stay undefined.
printf '%s\n' opa_abort opa_println opa_builtin0 opa_builtin1 opa_builtin2 opa_builtin3 opa_builtin4 \
  >"$work/env-imports.txt"

"$wasm_ld" --no-entry --import-memory --stack-first -z stack-size=65536 \
  --allow-undefined-file="$work/env-imports.txt" "${exports[@]}" \
  -o "$out/runtime.wasm" "${objects[@]}"

{
  echo "{"
  n=${#natives[@]}
  for i in "${!natives[@]}"; do
    line="${natives[$i]}"
    sep=","
    [[ $((i + 1)) -eq $n ]] && sep=""
    printf '  "%s": "%s"%s\n' "${line% *}" "${line#* }" "$sep"
  done
  echo "}"
} >"$out/natives.json"

if [[ $mode == check ]]; then
  status=0
  for f in runtime.wasm natives.json; do
    if ! cmp -s "$out/$f" "$rt/$f"; then
      echo "build-runtime: engine/wasm/runtime/$f is out of date; run scripts/build-runtime.sh" >&2
      status=1
    fi
  done
  exit $status
fi
echo "build-runtime: wrote runtime.wasm ($(wc -c <"$out/runtime.wasm") bytes), ${#abi[@]} ABI exports, ${#natives[@]} natives"
