#!/bin/sh
# converge with --detailed-exitcode after `apply`, for ../shared/bench/peers/run.sh,
# which expects a first apply to exit 2 (changed) and a no-op to exit 0, as puppet does:
#   CONVERGE_BIN=$PWD/bench/converge-detailed.sh TOOLS="converge cfengine puppet" ../shared/bench/peers/run.sh 1000
here=$(cd "$(dirname "$0")/.." && pwd)
# run.sh gives each tool its own HOME under the sandbox's state folder: converge keeps its
# state directory there too, like the other tools, and not inside the managed root.
if [ "$1" = apply ]; then shift; exec node "$here/controller/bin/converge.js" apply --detailed-exitcode --state-dir "${HOME:?}/converge-state" "$@"; fi
exec node "$here/controller/bin/converge.js" "$@"
