#!/usr/bin/env bash
# Creates the Secrets SemaMesh needs in semamesh-system, unless they exist: the bundle signing
# key pair (semamesh-bundle-signing: signing.key, signing.pub) and the mesh CA for transparent HTTPS
# (semamesh-mesh-ca: tls.crt, tls.key) and the bundle service certificate (semamesh-bundle-tls).
# Keys are generated in a private temporary directory.
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
  echo "would create secrets semamesh-bundle-signing, semamesh-mesh-ca and semamesh-bundle-tls in $NS (run with --apply)"
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
# The bundle service's serving certificate (semamesh-bundle-tls: tls.crt, tls.key, ca.crt), from a
# CA of its own whose key is discarded here: waypoints pin ca.crt, and not even the mesh CA's holder
# (the waypoint) can impersonate the bundle service. To renew, delete the Secret and run this again.
if ! kubectl -n "$NS" get secret semamesh-bundle-tls >/dev/null 2>&1; then
  svc="semamesh-controller.$NS.svc"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=SemaMesh bundle service CA" -addext basicConstraints=critical,CA:TRUE,pathlen:0 \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$dir/bundle-ca.key" -out "$dir/bundle-ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$svc" \
    -keyout "$dir/bundle.key" -out "$dir/bundle.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local,DNS:semamesh-controller\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
    "$svc" "$svc" >"$dir/bundle.ext"
  openssl x509 -req -in "$dir/bundle.csr" -CA "$dir/bundle-ca.crt" -CAkey "$dir/bundle-ca.key" \
    -CAcreateserial -days 365 -extfile "$dir/bundle.ext" -out "$dir/bundle.crt" 2>/dev/null
  kubectl -n "$NS" create secret generic semamesh-bundle-tls --type=kubernetes.io/tls \
    --from-file=tls.crt="$dir/bundle.crt" --from-file=tls.key="$dir/bundle.key" \
    --from-file=ca.crt="$dir/bundle-ca.crt"
fi
