#!/usr/bin/env bash
# Build a single-layer OCI image archive from a directory, without Docker or a registry:
#
#   hack/oci-image.sh ROOTFS_DIR IMAGE_NAME OUT.tar ENTRYPOINT [ARG...]
#
# The archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) that
# `ctr images import` accepts; the image is named IMAGE_NAME through the
# io.containerd.image.name annotation. The layer is an uncompressed tar (owner root, fixed mtime),
# so the same rootfs gives the same digests.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: $0 ROOTFS_DIR IMAGE_NAME OUT.tar ENTRYPOINT [ARG...]" >&2; exit 2; }
rootfs=$1 name=$2 out=$3
shift 3
command -v jq >/dev/null || { echo "oci-image: jq is required" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"

blob() { # FILE MEDIATYPE -> prints a descriptor, moves FILE into blobs/
  local d s
  d=$(sha256sum "$1" | cut -d' ' -f1)
  s=$(stat -c %s "$1")
  mv "$1" "$work/blobs/sha256/$d"
  jq -cn --arg m "$2" --arg d "sha256:$d" --argjson s "$s" '{mediaType: $m, digest: $d, size: $s}'
}

tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$work/layer.tar" .
layer_digest=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
layer=$(blob "$work/layer.tar" application/vnd.oci.image.layer.v1.tar)

jq -cn --arg diff "$layer_digest" --args '{
  architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
  config: {Entrypoint: $ARGS.positional, Env: ["PATH=/bin:/usr/bin:/sbin:/usr/sbin"], WorkingDir: "/"},
  rootfs: {type: "layers", diff_ids: [$diff]},
  history: [{created: "1970-01-01T00:00:00Z", created_by: "hack/oci-image.sh"}]
}' "$@" > "$work/config.json"
config=$(blob "$work/config.json" application/vnd.oci.image.config.v1+json)

jq -cn --argjson c "$config" --argjson l "$layer" '{
  schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: [$l]
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
echo "oci-image: $name -> $out ($(jq -r .digest <<<"$manifest"))"
