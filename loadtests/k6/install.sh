#!/usr/bin/env bash
# Builds the pinned k6 with the kit's SSE extension (k6/x/sse) into .tools/bin/k6.
#
# Why not xk6: xk6 only generates a main package that imports k6 plus the extension and runs
# `go build`. loadtests/k6/ is that main package, committed, with go.mod/go.sum pinning k6 and every
# dependency, so the build needs nothing but Go and the Go module proxy. Idempotent: an existing
# binary that reports the pinned version and the extension is kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
K6_VERSION="v1.8.1" # must match the go.k6.io/k6 requirement in loadtests/k6/go.mod
BIN_DIR="$ROOT/.tools/bin"
K6="$BIN_DIR/k6"

if ! command -v go >/dev/null 2>&1; then
  echo "install-k6: Go >= 1.25 is required (go.k6.io/k6 ${K6_VERSION}); install it and re-run." >&2
  exit 1
fi

pinned="$(cd "$ROOT/loadtests/k6" && go list -m -f '{{.Version}}' go.k6.io/k6)"
if [ "$pinned" != "$K6_VERSION" ]; then
  echo "install-k6: loadtests/k6/go.mod pins go.k6.io/k6 $pinned but this script expects $K6_VERSION; update both together." >&2
  exit 1
fi

# The stamp covers the extension's sources too, so editing them triggers a rebuild.
stamp="$K6_VERSION-$(cat "$ROOT"/loadtests/k6/go.mod "$ROOT"/loadtests/k6/go.sum "$ROOT"/loadtests/k6/*.go "$ROOT"/loadtests/k6/sse/*.go | sha256sum | cut -c1-16)"
if [ -x "$K6" ] && [ -f "$K6.stamp" ] && [ "$(cat "$K6.stamp")" = "$stamp" ] \
  && "$K6" version 2>/dev/null | grep -q "k6 ${K6_VERSION}" && "$K6" version 2>/dev/null | grep -q "k6/x/sse"; then
  echo "install-k6: $K6 is up to date (k6 ${K6_VERSION} + k6/x/sse)"
  exit 0
fi

mkdir -p "$BIN_DIR"
echo "install-k6: building k6 ${K6_VERSION} with k6/x/sse (first build takes a few minutes on 2 cores)"
start=$(date +%s)
(
  cd "$ROOT/loadtests/k6"
  go test ./sse/
  # -mod=readonly: fail instead of silently changing the pinned dependency set.
  CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$K6.tmp" .
)
mv "$K6.tmp" "$K6"
echo "$stamp" >"$K6.stamp"
"$K6" version
echo "install-k6: done in $(($(date +%s) - start))s"
