#!/bin/sh
# converge with --detailed-exitcode after `apply`, for ../shared/bench/peers/run.sh,
# which expects a first apply to exit 2 (changed) and a no-op to exit 0, as puppet does:
#   CONVERGE_BIN=$PWD/bench/converge-detailed.sh TOOLS="converge cfengine puppet" ../shared/bench/peers/run.sh 1000
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$1" = apply ]; then shift; exec node "$here/controller/bin/converge.js" apply --detailed-exitcode "$@"; fi
exec node "$here/controller/bin/converge.js" "$@"
