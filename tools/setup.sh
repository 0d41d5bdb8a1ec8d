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

echo "==> offline plan of stack ${ODS_STACK:-local}"
npm run --silent plan -- --stack "${ODS_STACK:-local}"
