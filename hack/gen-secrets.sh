#!/usr/bin/env bash
# Creates the two Secrets SemaMesh needs in semamesh-system, unless they exist: the bundle signing
# key pair (semamesh-bundle-signing: signing.key, signing.pub) and the mesh CA for transparent HTTPS
# (semamesh-mesh-ca: tls.crt, tls.key). Keys are generated in a private temporary directory.
# Usage: hack/gen-secrets.sh [--apply] [--namespace NS]   (without --apply: print what it would do)
set -euo pipefail
NS=semamesh-system
APPLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --apply) APPLY=1 ;;
    --namespace) NS=$2; shift ;;
    *) echo "gen-secrets: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$APPLY" = 0 ]; then
  echo "would create secrets semamesh-bundle-signing and semamesh-mesh-ca in $NS (run with --apply)"
  exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"
kubectl get namespace "$NS" >/dev/null 2>&1 || kubectl create namespace "$NS"
if ! kubectl -n "$NS" get secret semamesh-bundle-signing >/dev/null 2>&1; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$dir/signing.key" 2>/dev/null
  openssl pkey -in "$dir/signing.key" -pubout -out "$dir/signing.pub"
  kubectl -n "$NS" create secret generic semamesh-bundle-signing \
    --from-file=signing.key="$dir/signing.key" --from-file=signing.pub="$dir/signing.pub"
fi
if ! kubectl -n "$NS" get secret semamesh-mesh-ca >/dev/null 2>&1; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=SemaMesh mesh CA" -addext basicConstraints=critical,CA:TRUE,pathlen:0 \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  kubectl -n "$NS" create secret tls semamesh-mesh-ca --cert="$dir/tls.crt" --key="$dir/tls.key"
fi
