#!/bin/sh
# The peer benchmark (BENCHMARKS.md, "Peer benchmark"): builds portail from
# this repository and stock PocketBase from the Go module proxy (into a
# cache outside the repository, never committed), then measures both and a
# bare net/http server on loopback with wrk, and prints one table.
#
#   bench/peer.sh                                   # SQLite
#   bench/peer.sh -postgres postgres://postgres@127.0.0.1:5432   # and PostgreSQL
#
# Other flags go to bench/peer (go run ./peer -h in bench/). The whole run
# is bounded (PEER_TIMEOUT, default 30 minutes); servers are stopped by PID.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=${PORTAIL_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portail-bench}
pb_version=0.36.8
mkdir -p "$cache"

if ! command -v wrk >/dev/null; then
	echo "wrk is missing: installing the Debian package" >&2
	apt-get update >/dev/null && apt-get install -y wrk >/dev/null
fi

pb="$cache/pocketbase-$pb_version"
if [ ! -x "$pb" ]; then
	echo "building PocketBase v$pb_version (examples/base) into $cache" >&2
	src="$cache/pb-src"
	rm -rf "$src" && mkdir -p "$src"
	(
		cd "$src"
		go mod init pbpeer >/dev/null 2>&1
		go get "github.com/pocketbase/pocketbase@v$pb_version"
		cp "$(go env GOMODCACHE)/github.com/pocketbase/pocketbase@v$pb_version/examples/base/main.go" .
		chmod u+w main.go
		go mod tidy
		timeout 20m go build -o "$pb" .
	)
fi

echo "building portail, the hello server and the driver" >&2
(cd "$root" && go build -o "$cache/portail" ./cmd/portail)
(cd "$here" && go build -o "$cache/hello" ./hello && go build -o "$cache/peer" ./peer)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
timeout --kill-after=30s "${PEER_TIMEOUT:-30m}" "$cache/peer" -portail "$cache/portail" -pocketbase "$pb" \
	-hello "$cache/hello" -work "$work" -log "${PEER_LOG:-$cache/peer.log}" "$@"
