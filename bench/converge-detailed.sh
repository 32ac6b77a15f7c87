#!/bin/sh
# converge with --detailed-exitcode after `apply`, for ../shared/bench/peers/run.sh,
# which expects a first apply to exit 2 (changed) and a no-op to exit 0, as puppet does.
# It runs node as the agent service does (controller/runtime.json nodeFlags).
# CONVERGE_NODE picks the Node.js binary (default: node on PATH); devices run the
# pinned LTS, which scripts/device-node.sh installs and prints:
#   CONVERGE_NODE=$(scripts/device-node.sh) CONVERGE_BIN=$PWD/bench/converge-detailed.sh \
#     TOOLS="cfengine converge puppet" ../shared/bench/peers/run.sh 1000
here=$(cd "$(dirname "$0")/.." && pwd)
node=${CONVERGE_NODE:-node}
# the flags the agent service runs node with (controller/runtime.json nodeFlags), read without starting node
flags=$(sed -n 's/^ *"nodeFlags": *\[\(.*\)\],*$/\1/p' "$here/controller/runtime.json" | tr -d '",')
# run.sh gives each tool its own HOME under the sandbox's state folder: converge keeps its
# state directory there too, like the other tools, and not inside the managed root.
if [ "$1" = apply ]; then shift; exec "$node" $flags "$here/controller/bin/converge.js" apply --detailed-exitcode --state-dir "${HOME:?}/converge-state" "$@"; fi
exec "$node" $flags "$here/controller/bin/converge.js" "$@"
