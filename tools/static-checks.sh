#!/usr/bin/env bash
# `npm test`'s static checks: the type-check and the linter at once (neither keeps two cores busy);
# fails when either fails, after both have printed their findings.
set -u
cd "$(dirname "$0")/.."
npm run --silent typecheck &
tsc=$!
npm run --silent lint
lint=$?
wait "$tsc"
typecheck=$?
[ "$typecheck" -eq 0 ] && [ "$lint" -eq 0 ]
