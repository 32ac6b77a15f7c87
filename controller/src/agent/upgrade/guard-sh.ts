// The guard: a POSIX sh script the OLD agent writes before it switches, with
// every value baked in (no JSON to parse, nothing from the new release). Run
// at the deadline (`timer`) and before each start of the agent (`start`), it
// switches the links back unless the new agent confirmed: `upgrade/pending`
// naming this commit is gone once it has.
export interface GuardValues {
  prefix: string;
  from: string;
  to: string;
  fromRuntime: string;
  toRuntime: string;
  commit: string;
  /** Seconds since the epoch. */
  deadline: number;
  /** Starts of the new release without a confirmation before it is switched back. */
  maxStarts: number;
  /** Run after a switch back from the timer (restart the agent), with `$1` the reason; empty in start mode. */
  restart: string[];
  /** `mv` that renames over a link without following it (GNU: mv -T; BSD: mv -h). */
  mvNoFollow: string;
}

/** Single-quoted for sh. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The script text. */
export function guardScript(v: GuardValues): string {
  for (const [key, value] of Object.entries({ from: v.from, to: v.to, fromRuntime: v.fromRuntime, toRuntime: v.toRuntime })) {
    if (!/^[A-Za-z0-9._/-]+$/.test(value)) throw new Error(`guard: ${key} ${JSON.stringify(value)} is not a plain relative path`);
  }
  if (!/^[0-9a-f]{7,64}$/.test(v.commit)) throw new Error(`guard: not a commit id: ${v.commit}`);
  return `#!/bin/sh
# Written by the converge agent for its upgrade to ${v.to} (commit ${v.commit.slice(0, 12)}).
# Switches ${v.prefix}/agent back to ${v.from} unless the new agent confirms (removes
# upgrade/pending) by the deadline or within ${v.maxStarts} starts.
#   guard.sh timer   at the deadline (a timer of the service manager)
#   guard.sh start   before every start of the agent (counts starts; survives a reboot)
set -u
P=${shQuote(v.prefix)}
FROM=${shQuote(v.from)}
TO=${shQuote(v.to)}
FROM_RT=${shQuote(v.fromRuntime)}
TO_RT=${shQuote(v.toRuntime)}
COMMIT=${shQuote(v.commit)}
DEADLINE=${Math.floor(v.deadline)}
MAX_STARTS=${Math.floor(v.maxStarts)}
U="$P/upgrade"

armed() { [ -f "$U/pending" ] && grep -q "$COMMIT" "$U/pending"; }

relink() {
  ln -sfn "$1" "$2.guard-new" && ${v.mvNoFollow} "$2.guard-new" "$2"
}

revert() {
  relink "$FROM" "$P/agent" || exit 1
  if [ "$TO_RT" != "$FROM_RT" ]; then relink "$FROM_RT" "$P/runtime" || exit 1; fi
  printf '%s\\n%s\\n' "$COMMIT" "$1" > "$U/rolled-back.new" && mv -f "$U/rolled-back.new" "$U/rolled-back"
  rm -f "$U/pending" "$U/starts"
  sync
  echo "converge upgrade guard: switched back to $FROM ($1)" >&2
}

armed || exit 0
current=$(readlink "$P/agent")
if [ "$current" != "$TO" ]; then
  # The switch never happened, or was undone: nothing to guard; the agent retries the commit.
  [ "$current" = "$FROM" ] && rm -f "$U/pending" "$U/starts"
  exit 0
fi
case "\${1:-}" in
  start)
    echo start >> "$U/starts"
    n=$(wc -l < "$U/starts")
    if [ "$n" -gt "$MAX_STARTS" ]; then
      revert "the new agent started $((n - 1)) times without reporting the commit applied"
    elif [ "$(date +%s)" -ge "$DEADLINE" ]; then
      revert "the new agent did not report the commit applied by the deadline"
    fi
    ;;
  timer)
    revert "the new agent did not report the commit applied by the deadline"
    ${v.restart.join(' ')}
    ;;
  *)
    echo "usage: guard.sh start|timer" >&2
    exit 2
    ;;
esac
exit 0
`;
}
