#!/usr/bin/env bash
# Print the path of the Node.js binary devices run (the pin in
# controller/runtime.json: version and SHA-256 of its npm package), installing
# it first into DIR (default: a cache folder under /tmp) when it is not there.
#   node_bin=$(scripts/device-node.sh [DIR])
set -euo pipefail
cd "$(dirname "$0")/.."
pin() { node -p "require('./controller/runtime.json').node$1"; }
version=$(pin ".npm['linux-x64'].version")
package=$(pin ".npm['linux-x64'].package")
sha=$(pin ".npm['linux-x64'].sha256")
dir=${1:-${TMPDIR:-/tmp}/converge-device-node-$version}
node_bin="$dir/node_modules/$package/bin/node"
if [ ! -x "$node_bin" ] || [ "$("$node_bin" --version 2>/dev/null)" != "v$version" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$package@$version" >/dev/null)
  tarball="$dir/$package-$version.tgz"
  echo "$sha  $tarball" | sha256sum -c --quiet >&2 || { echo "$tarball does not have the pinned SHA-256 $sha" >&2; exit 1; }
  npm install --prefix "$dir" --no-audit --no-fund --no-save "$tarball" >/dev/null
fi
echo "$node_bin"
