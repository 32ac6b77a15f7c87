#!/usr/bin/env bash
# Run test files on the device runtime: the Node.js pinned in
# controller/runtime.json, installed into a temporary prefix outside the
# repository's dependencies (scripts/device-node.sh).
#   scripts/ci/device-runtime.sh controller/test/agent/once.test.ts …
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d "${TMPDIR:-/tmp}/converge-runtime-XXXXXX")
trap 'rm -rf "$dir"' EXIT
node_bin=$(scripts/device-node.sh "$dir")
echo "device runtime: $("$node_bin" --version)"
"$node_bin" node_modules/vitest/vitest.mjs run "$@"
