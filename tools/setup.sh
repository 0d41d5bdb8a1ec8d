#!/usr/bin/env bash
# `npm run setup`: installs everything the kit needs on a fresh clone, then runs the main job:
# the offline plan of the `local` stack (ODS_STACK=<name> plans another one).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages (exact versions from package-lock.json)"
# Not `npm ci`: it insists on lockfile entries for every platform's optional binaries (@swc/core-*,
# @unrs/resolver-binding-*), and a registry that serves only some platforms cannot provide them.
# `npm install` installs the locked versions; the check below fails if it had to change the lock.
npm install --no-audit --no-fund --loglevel=warn
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && ! git diff --quiet -- package-lock.json; then
  echo "setup: npm changed package-lock.json, so package.json and the lockfile disagree; run 'npm install' and commit the lockfile" >&2
  git --no-pager diff --stat -- package-lock.json >&2
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

echo "==> offline plan of stack ${ODS_STACK:-local}"
npm run --silent plan -- --stack "${ODS_STACK:-local}"
