#!/usr/bin/env bash
# `npm run setup`: installs everything the kit needs on a fresh clone, then runs the main job:
# the offline plan of the `local` stack (ODS_STACK=<name> plans another one).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm packages (exact versions from package-lock.json)"
npm ci --no-audit --no-fund

echo "==> k6 with the SSE extension (for the performance gate)"
bash tools/install-k6.sh

echo "==> offline plan of stack ${ODS_STACK:-local}"
npm run --silent plan -- --stack "${ODS_STACK:-local}"
