#!/usr/bin/env bash
# Build an OCI image archive from directories or layer tars, without Docker or a registry:
#
#   hack/oci-image.sh [--layer DIR|FILE.tar]... [--env K=V]... [--workdir DIR] [--user UID:GID] \
#                     NAME OUT.tar ENTRYPOINT [ARG...]
#   hack/oci-image.sh ROOTFS_DIR NAME OUT.tar ENTRYPOINT [ARG...]      (one layer; the old form)
#
# The archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) that
# `ctr images import` accepts; the image is named NAME through the io.containerd.image.name
# annotation. Layers are uncompressed tars in the order given (later ones win); a directory is
# archived with owner root and a fixed mtime (hack/oci-layer.sh), so the same tree gives the same
# digest, and a ready tar (a cached layer) is taken as is.
set -euo pipefail
HACK=$(cd "$(dirname "$0")" && pwd)
usage() { echo "usage: $0 [--layer DIR|TAR]... [--env K=V]... [--workdir DIR] [--user U] NAME OUT.tar ENTRYPOINT [ARG...]" >&2; exit 2; }
command -v jq >/dev/null || { echo "oci-image: jq is required" >&2; exit 1; }

layers=() envs=("PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin") workdir=/ user=""
while [ $# -gt 0 ]; do
  case $1 in
    --layer) layers+=("$2"); shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --*) usage ;;
    *) break ;;
  esac
done
if [ "${#layers[@]}" = 0 ]; then # the old form: ROOTFS NAME OUT ENTRYPOINT...
  [ $# -ge 4 ] || usage
  layers=("$1")
  shift
  envs=("PATH=/bin:/usr/bin:/sbin:/usr/sbin")
fi
[ $# -ge 3 ] || usage
name=$1 out=$2
shift 2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"

blob() { # FILE MEDIATYPE [copy] -> prints a descriptor; FILE moves (or is copied) into blobs/
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1)
  s=$(stat -c %s "$1")
  if [ "${3:-}" = copy ]; then cp "$1" "$work/blobs/sha256/$d"; else mv "$1" "$work/blobs/sha256/$d"; fi
  jq -cn --arg m "$2" --arg d "sha256:$d" --argjson s "$s" '{mediaType: $m, digest: $d, size: $s}'
}

descs=() diffs=()
for l in "${layers[@]}"; do
  if [ -d "$l" ]; then
    "$HACK/oci-layer.sh" "$l" "$work/layer.tar"
    diffs+=("sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)")
    descs+=("$(blob "$work/layer.tar" application/vnd.oci.image.layer.v1.tar)")
  elif [ -f "$l" ]; then
    diffs+=("sha256:$(sha256sum "$l" | cut -d' ' -f1)")
    descs+=("$(blob "$l" application/vnd.oci.image.layer.v1.tar copy)")
  else
    echo "oci-image: layer $l is neither a directory nor a file" >&2
    exit 1
  fi
done

jq -cn --argjson diffs "$(printf '%s\n' "${diffs[@]}" | jq -R . | jq -s .)" \
  --argjson env "$(printf '%s\n' "${envs[@]}" | jq -R . | jq -s .)" \
  --arg wd "$workdir" --arg user "$user" --args '{
  architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
  config: ({Entrypoint: $ARGS.positional, Env: $env, WorkingDir: $wd} + (if $user == "" then {} else {User: $user} end)),
  rootfs: {type: "layers", diff_ids: $diffs},
  history: [$diffs[] | {created: "1970-01-01T00:00:00Z", created_by: "hack/oci-image.sh"}]
}' "$@" > "$work/config.json"
config=$(blob "$work/config.json" application/vnd.oci.image.config.v1+json)

jq -cn --argjson c "$config" --argjson l "$(printf '%s\n' "${descs[@]}" | jq -s .)" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: $l
}' > "$work/manifest.json"
manifest=$(blob "$work/manifest.json" application/vnd.oci.image.manifest.v1+json)

tag=${name##*:}
jq -n --argjson m "$manifest" --arg n "$name" --arg t "$tag" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [$m + {annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $t}}]
}' > "$work/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/oci-layout"

mkdir -p "$(dirname "$out")"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work" -cf "$out" oci-layout index.json blobs
echo "oci-image: $name -> $out ($(jq -r .digest <<<"$manifest"), ${#descs[@]} layer(s))"
