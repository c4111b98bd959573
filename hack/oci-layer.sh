#!/usr/bin/env bash
# A reproducible image layer: an uncompressed tar of DIR's contents, owner root, fixed mtime,
# sorted names, so the same tree always gives the same digest.  Usage: hack/oci-layer.sh DIR OUT.tar
set -euo pipefail
[ $# = 2 ] || { echo "usage: $0 DIR OUT.tar" >&2; exit 2; }
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$1" -cf "$2" .
