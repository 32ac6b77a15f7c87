#!/usr/bin/env bash
# Run test files on the device runtime: the Node.js pinned in
# controller/runtime.json (version and SHA-256 of its npm package), installed
# into a temporary prefix outside the repository's dependencies.
#   scripts/ci/device-runtime.sh controller/test/agent/once.test.ts …
set -euo pipefail
cd "$(dirname "$0")/../.."
pin() { node -p "require('./controller/runtime.json').node$1"; }
version=$(pin ".npm['linux-x64'].version")
package=$(pin ".npm['linux-x64'].package")
sha=$(pin ".npm['linux-x64'].sha256")
dir=$(mktemp -d "${TMPDIR:-/tmp}/converge-runtime-XXXXXX")
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm pack --silent "$package@$version" >/dev/null)
tarball="$dir/$package-$version.tgz"
echo "$sha  $tarball" | sha256sum -c --quiet || { echo "$tarball does not have the pinned SHA-256 $sha" >&2; exit 1; }
npm install --prefix "$dir" --no-audit --no-fund --no-save "$tarball" >/dev/null
node_bin="$dir/node_modules/$package/bin/node"
echo "device runtime: $("$node_bin" --version)"
"$node_bin" node_modules/vitest/vitest.mjs run "$@"
