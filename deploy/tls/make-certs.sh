#!/usr/bin/env bash
# The deployment's certificates: a certificate authority of its own, and one
# certificate per host, for every TLS connection between machines (etcd's
# peers and clients, Patroni's REST API and its etcd client, PostgreSQL, the
# services' listeners and their calls to each other, the static node).
#
#   deploy/tls/make-certs.sh DIR NAME=IP [NAME=IP ...]
#
# Writes DIR/ca.crt, and DIR/NAME.crt and DIR/NAME.key per host: ECDSA P-256,
# valid for the host's name and address, for server and client use. The
# authority's key (DIR/ca.key) signs them; keep it off the hosts.
#
# Bringing your own authority: put its certificate and key in DIR/ca.crt
# and DIR/ca.key before running, and they are used as they are. Or issue
# every host certificate elsewhere with the same names and uses (SAN of the
# host's name and IP address; extended key usage serverAuth and clientAuth)
# and skip this script.
set -euo pipefail

if [ $# -lt 2 ]; then
    sed -n '7p' "$0" >&2
    exit 2
fi
dir="$1"
shift
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.crt" ] || [ ! -f "$dir/ca.key" ]; then
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 -subj "/CN=Enrollment deployment CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

for host in "$@"; do
    name="${host%%=*}"
    ip="${host#*=}"
    if [ -z "$name" ] || [ -z "$ip" ] || [ "$name" = "$host" ]; then
        echo "not NAME=IP: $host" >&2
        exit 2
    fi
    extensions="$(mktemp)"
    printf '%s\n' \
        "subjectAltName=DNS:$name,IP:$ip" \
        "extendedKeyUsage=serverAuth,clientAuth" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "basicConstraints=critical,CA:FALSE" >"$extensions"
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$name" 2>/dev/null
    openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
        -out "$dir/$name.crt" -days 825 -extfile "$extensions" 2>/dev/null
    rm -f "$dir/$name.csr" "$extensions"
done
chmod 644 "$dir/ca.crt" "$dir"/*.crt
