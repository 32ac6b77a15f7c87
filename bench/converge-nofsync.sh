#!/bin/sh
# A measurement, never a way to run converge: bench/converge-detailed.sh under
# eatmydata, whose LD_PRELOAD makes fsync, fdatasync, sync and syncfs return at
# once (in converge and in the `sync -f` it starts). It prices the syncs DESIGN.md
# section 4 requires (each file's temp file on disk before its rename, each
# directory once per run), which cf-agent does not make (strace -c of a first
# converge of 1,000 files: 1 fsync, 1 fdatasync). A tree written this way is
# right until the power fails, and may not be right after.
#   CONVERGE_NODE=$(scripts/device-node.sh) CONVERGE_BIN=$PWD/bench/converge-nofsync.sh \
#     TOOLS="cfengine converge" RUNS=3 ../shared/bench/peers/run.sh 10000
# eatmydata is Debian's package of the same name (apt-get install eatmydata).
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v eatmydata >/dev/null 2>&1; then
  echo "converge-nofsync.sh: eatmydata is not installed (apt-get install eatmydata)" >&2
  exit 127
fi
exec eatmydata "$here/converge-detailed.sh" "$@"
