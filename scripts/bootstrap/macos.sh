#!/usr/bin/env bash
# converge bootstrap for macOS: a private Node.js runtime and the npm that
# builds the agent (both pinned in the fleet repository's controller/runtime.json,
# downloaded from the npm registry, SHA-256 checked), the agent from the fleet
# repository (releases/<agent id> with release.json, as linux.sh: the agent upgrades itself), /etc/converge/config.yml
# from the arguments, an ed25519 deploy key, the LaunchDaemon, a first
# converge. Written for the bash 3.2 macOS ships. Running it again upgrades or repairs; it never duplicates.
#
#   curl -fsSL https://…/scripts/bootstrap/macos.sh | sudo bash -s -- \
#     --host count-zero --repo ssh://git@github.com/miket/miket-infra-devices.git
#
# Everything is inside main(), called on the last line: a truncated download
# defines half a function and runs nothing.

main() {
  set -euo pipefail
  umask 022

  local HOST='' REPO='' BRANCH=main STATUS_REPO='' STATUS_BRANCH=status
  local PREFIX=/usr/local/converge CONFIG_DIR=/etc/converge STATE_DIR=/var/lib/converge
  local NODE='' NPM='' NODE_ARCHIVE='' NPM_ARCHIVE='' SIGNERS='' ALLOW_UNSIGNED=0 WAIT=1800 DRY_RUN=0 START=1 SERVICE_ROOT=/ ROOT=''
  local TS_KEY_FILE='' TS_KEY_SECRET='' KEY_VAULT='' TS_STATE='' FIRST_CODE=0 TS_CLI=tailscale
  # the fleet repository's checkout (WORK/src) at COMMIT; PINS is its controller/runtime.json
  local WORK='' COMMIT='' PINS='' DRY_TMP=''

  while [ $# -gt 0 ]; do
    case "$1" in
      --host) HOST=$2; shift 2 ;;
      --repo) REPO=$2; shift 2 ;;
      --branch) BRANCH=$2; shift 2 ;;
      --status-repo) STATUS_REPO=$2; shift 2 ;;
      --status-branch) STATUS_BRANCH=$2; shift 2 ;;
      --prefix) PREFIX=$2; shift 2 ;;
      --config-dir) CONFIG_DIR=$2; shift 2 ;;
      --state-dir) STATE_DIR=$2; shift 2 ;;
      --node) NODE=$2; shift 2 ;;
      --node-archive) NODE_ARCHIVE=$2; shift 2 ;;
      --npm) NPM=$2; shift 2 ;;
      --npm-archive) NPM_ARCHIVE=$2; shift 2 ;;
      --allowed-signers) SIGNERS=$2; shift 2 ;;
      --allow-unsigned) ALLOW_UNSIGNED=1; shift ;;
      --wait) WAIT=$2; shift 2 ;;
      --no-start) START=0; shift ;;
      --service-root) SERVICE_ROOT=$2; shift 2 ;;
      --root) ROOT=$2; shift 2 ;;
      --tailscale-auth-key-file) TS_KEY_FILE=$2; shift 2 ;;
      --tailscale-auth-key-secret) TS_KEY_SECRET=$2; shift 2 ;;
      --key-vault) KEY_VAULT=$2; shift 2 ;;
      --dry-run) DRY_RUN=1; shift ;;
      -h|--help) usage; return 0 ;;
      *) die "unknown option $1 (see --help)" ;;
    esac
  done
  [ -n "$HOST" ] || die '--host NAME is required (the folder under hosts/)'
  [ -n "$REPO" ] || die '--repo URL is required (the fleet repository)'
  case "$HOST" in *[!a-z0-9-]*|-*) die "--host must be a lowercase DNS label, not '$HOST'" ;; esac
  if [ -z "$SIGNERS" ] && [ "$ALLOW_UNSIGNED" = 0 ]; then die 'pass --allowed-signers FILE (who may sign fleet commits), or --allow-unsigned for a lab'; fi
  if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then die 'run it as root (sudo)'; fi
  if [ -n "$TS_KEY_SECRET" ] && [ -z "$KEY_VAULT" ]; then die '--tailscale-auth-key-secret needs --key-vault NAME (the vault that holds it)'; fi
  if [ "$DRY_RUN" = 0 ] && [ "$(uname -s)" != Darwin ]; then die 'this is the macOS bootstrap; on Linux use linux.sh'; fi

  local CONFIG="$CONFIG_DIR/config.yml"
  local KEY="$CONFIG_DIR/deploy_key"
  local ENTRY="$PREFIX/agent/controller/bin/converge.js"
  local RUNTIME_NODE="$PREFIX/runtime/bin/node"
  export GIT_SSH_COMMAND="ssh -i $KEY -o IdentitiesOnly=yes -o UserKnownHostsFile=$CONFIG_DIR/known_hosts -o StrictHostKeyChecking=accept-new -o BatchMode=yes"

  say "converge bootstrap for $HOST from $REPO ($BRANCH)"
  [ "$DRY_RUN" = 1 ] && say '(dry run: nothing is changed)'

  if [ "$DRY_RUN" = 0 ] && ! /usr/bin/xcode-select -p >/dev/null 2>&1; then
    die 'git needs the Command Line Tools: run xcode-select --install, then this script again'
  fi
  step '1/9 deploy key'
  ensure_key
  step '2/9 access to the fleet repository'
  wait_for_access
  step '3/9 Node.js runtime and npm (pinned in controller/runtime.json of the fleet repository)'
  fetch_source
  install_node
  install_npm
  step '4/9 agent'
  install_agent
  step '5/9 tailnet'
  join_tailnet
  step '6/9 config'
  write_config
  step '7/9 service'
  run "$RUNTIME_NODE" "$ENTRY" install-service --config "$CONFIG" --node "$RUNTIME_NODE" --entry "$ENTRY" --no-start --root "$SERVICE_ROOT"
  step '8/9 first converge (secrets-sync: env files from Key Vault)'
  first_converge
  step '9/9 health check'
  health_check
  if [ "$START" = 1 ]; then
    run "$RUNTIME_NODE" "$ENTRY" install-service --config "$CONFIG" --node "$RUNTIME_NODE" --entry "$ENTRY" --root "$SERVICE_ROOT"
  fi
  say "done: $HOST converges from $REPO; logs: /Library/Logs/converge/agent.log"
  say 'Cloud ingestion reads iCloud/OneDrive folders: grant Full Disk Access to'
  say "  $PREFIX/runtime/bin/node (System Settings › Privacy & Security); _status.json says when it is missing."
}

usage() {
  cat <<'USAGE'
macos.sh --host NAME --repo URL [options]
  --branch B              fleet branch (main)
  --status-repo URL       push status reports there instead of the fleet repo
  --status-branch B       status branch (status)
  --allowed-signers FILE  SSH allowed-signers for fleet commits (or --allow-unsigned, labs only)
  --node PATH             use this Node.js (>= 20.19) instead of downloading the pinned one
  --node-archive FILE     the pinned Node.js package tarball, already downloaded (offline)
  --npm PATH              npm to build the agent with (default: the pinned one; a .js is run with Node.js)
  --npm-archive FILE      the pinned npm tarball, already downloaded (offline)
  --prefix DIR            /usr/local/converge  --config-dir DIR  /etc/converge
  --state-dir DIR         /var/lib/converge --wait SECONDS    1800 (for the deploy key)
  --no-start              install, converge once, but do not start the service
  --root DIR              converge under DIR instead of / (labs and tests)
  --service-root DIR      write the service files under DIR (tests; systemctl --root)
  --tailscale-auth-key-secret NAME --key-vault VAULT
                          join the tailnet: the auth key is read from Key Vault with az (into a
                          0600 file, passed as --auth-key=file:, removed after), tags from
                          vars.tailscale_tags in hosts/NAME/host.yml
  --tailscale-auth-key-file FILE   the same with a key file you fetched
  --dry-run               print what it would do
USAGE
}

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

# Run a command, or print it in a dry run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf 'would run:'; printf ' %q' "$@"; printf '\n'
  else
    "$@"
  fi
}

# Replace $2 by a symlink to $1 atomically: a new link renamed over the old
# one with rename(2) (BSD mv has no -T and would move it into the directory).
switch_link() {
  local target=$1 link=$2
  if [ "$DRY_RUN" = 1 ]; then say "would point $link at $target (atomic rename)"; return; fi
  rm -f "$link.new"
  ln -s "$target" "$link.new"
  /usr/bin/perl -e 'rename($ARGV[0], $ARGV[1]) or die "rename: $!\n"' "$link.new" "$link"
}

# readlink -f for macOS 11 and older.
resolve() { /usr/bin/perl -MCwd -e 'print Cwd::abs_path($ARGV[0])' "$1"; }

node_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    arm64) echo arm64 ;;
    *) die "no pinned Node.js for $(uname -m); pass --node PATH" ;;
  esac
}

# Clone the fleet branch (controller/ and the lockfile only) into WORK/src: the
# runtime pin and the agent come from the same commit. A dry run clones into a
# temporary folder when the repository is readable already, and removes it.
fetch_source() {
  if [ "$DRY_RUN" = 1 ]; then
    DRY_TMP=$(mktemp -d "${TMPDIR:-/tmp}/converge-dry-run-XXXXXX")
    # shellcheck disable=SC2064 # the path now: main's locals are gone when the trap runs
    trap "rm -rf '$DRY_TMP'" EXIT
    WORK=$DRY_TMP
    if ! git clone --quiet --depth 1 --branch "$BRANCH" --no-checkout "$REPO" "$WORK/src" >/dev/null 2>&1; then
      say "would read the pins from controller/runtime.json of $REPO ($BRANCH) once it is readable"
      WORK=''
      return
    fi
  else
    mkdir -p "$PREFIX/releases"
    WORK=$(mktemp -d "$PREFIX/releases/.new-XXXXXX")
    git clone --quiet --depth 1 --branch "$BRANCH" --no-checkout "$REPO" "$WORK/src"
  fi
  git -C "$WORK/src" sparse-checkout set --no-cone /controller/ /package.json /package-lock.json /.npmrc
  git -C "$WORK/src" checkout --quiet "$BRANCH"
  COMMIT=$(git -C "$WORK/src" rev-parse --short=12 HEAD)
  PINS="$WORK/src/controller/runtime.json"
  [ -f "$PINS" ] || die "$REPO ($BRANCH) has no controller/runtime.json: the Node.js pin comes from there"
  say "pins: controller/runtime.json of $COMMIT"
}

# One value of runtime.json (`pin node npm darwin-arm64 version`), checked against what it must
# look like: it goes into paths and commands. python3 comes with the Command
# Line Tools git needs; plutil (macOS 12+) reads JSON too.
pin() {
  local value pattern last
  for last; do :; done
  value=$(/usr/bin/env python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[k]
print(v)' "$PINS" "$@" 2>/dev/null || /usr/bin/plutil -extract "$(IFS=.; echo "$*")" raw -o - "$PINS" 2>/dev/null) \
    || die "controller/runtime.json of $COMMIT has no $(IFS=.; echo "$*")"
  case "$last" in
    version) pattern='^[0-9]+[.][0-9]+[.][0-9]+$' ;;
    sha256) pattern='^[0-9a-f]{64}$' ;;
    tarball) pattern='^https://[A-Za-z0-9./_-]+[.]tgz$' ;;
    *) pattern='^[a-z0-9-]+$' ;;
  esac
  printf '%s' "$value" | grep -Eq "$pattern" || die "controller/runtime.json of $COMMIT: $(IFS=.; echo "$*") is '$value', not a $last"
  printf '%s\n' "$value"
}

# Download (or take the given archive), check SHA-256, extract into runtimes/NAME.
install_tarball() {
  local name=$1 url=$2 want=$3 archive=$4 dest="$PREFIX/runtimes/$1"
  if [ -z "$archive" ]; then
    archive="$PREFIX/runtimes/.download-$name.tgz"
    run mkdir -p "$PREFIX/runtimes"
    run curl -fsSL --retry 3 -o "$archive" "$url"
  fi
  if [ "$DRY_RUN" = 1 ] && [ ! -f "$archive" ]; then
    say "would check that $archive has SHA-256 $want"
  else
    local got; got=$(shasum -a 256 "$archive" | cut -d' ' -f1)
    [ "$got" = "$want" ] || die "$archive has SHA-256 $got, not the pinned $want: not using it"
    say "$archive has the pinned SHA-256"
  fi
  local tmp="$PREFIX/runtimes/.extract-$name"
  run rm -rf "$tmp"
  run mkdir -p "$tmp"
  run tar -xzf "$archive" -C "$tmp" --strip-components=1
  run xattr -dr com.apple.quarantine "$tmp"
  run mv "$tmp" "$dest"
  [ "$archive" = "$4" ] || run rm -f "$archive"
}

install_node() {
  if [ -n "$NODE" ]; then
    [ -x "$NODE" ] || die "--node $NODE is not an executable"
    "$NODE" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || die "--node $NODE is older than 20.19"
    run mkdir -p "$PREFIX/runtime-external/bin"
    switch_link "$(resolve "$NODE")" "$PREFIX/runtime-external/bin/node"
    switch_link runtime-external "$PREFIX/runtime"
    say "using $NODE ($("$NODE" --version))"
    return
  fi
  [ -n "$WORK" ] || return 0
  local key; key="darwin-$(node_arch)"
  local version; version=$(pin node npm "$key" version)
  local name="node-v$version-$key"
  if [ -x "$PREFIX/runtimes/$name/bin/node" ]; then
    say "Node.js $version already installed"
  else
    local package tarball sha
    package=$(pin node npm "$key" package)
    tarball=$(pin node npm "$key" tarball)
    sha=$(pin node npm "$key" sha256)
    say "Node.js $version: $package from the npm registry"
    install_tarball "$name" "$tarball" "$sha" "$NODE_ARCHIVE"
  fi
  switch_link "runtimes/$name" "$PREFIX/runtime"
}

# The npm CLI that builds the agent (the Node.js packages carry none).
install_npm() {
  if [ -n "$NPM" ] || [ -z "$WORK" ]; then return 0; fi
  local version; version=$(pin npm version)
  NPM="$PREFIX/runtimes/npm-v$version/bin/npm-cli.js"
  if [ -f "$NPM" ]; then say "npm $version already installed"; return; fi
  local tarball sha
  tarball=$(pin npm tarball)
  sha=$(pin npm sha256)
  say "npm $version from the npm registry"
  install_tarball "npm-v$version" "$tarball" "$sha" "$NPM_ARCHIVE"
}

ensure_key() {
  run mkdir -p "$CONFIG_DIR"
  run chmod 0755 "$CONFIG_DIR"
  if [ -f "$KEY" ]; then
    say "keeping the deploy key $KEY"
  else
    run ssh-keygen -q -t ed25519 -N '' -C "converge@$HOST" -f "$KEY"
  fi
  run chmod 0600 "$KEY"
  if [ "$DRY_RUN" = 0 ]; then
    say 'Add this deploy key (read access) to the fleet repository:'
    say "  $(cat "$KEY.pub")"
    say "  fingerprint: $(ssh-keygen -l -f "$KEY.pub")"
    say "It also signs this host's status reports: declare it in hosts/$HOST/host.yml as"
    say "  agentKey: $(cut -d' ' -f1,2 "$KEY.pub") converge@$HOST"
  fi
}

wait_for_access() {
  if [ "$DRY_RUN" = 1 ]; then say "would wait (up to $WAIT s) until: git ls-remote $REPO refs/heads/$BRANCH"; return; fi
  local waited=0
  until git ls-remote --exit-code "$REPO" "refs/heads/$BRANCH" >/dev/null 2>&1; do
    [ "$waited" -lt "$WAIT" ] || die "no access to $REPO after $WAIT s: is the deploy key added (read access) and the branch $BRANCH there?"
    [ "$waited" = 0 ] && say "waiting for read access to $REPO (add the key above)…"
    sleep 10
    waited=$((waited + 10))
  done
  say "$REPO is readable"
}

# SHA-256 of stdin, hex (shasum: macOS has no sha256sum).
sha256_hex() { shasum -a 256 | cut -d' ' -f1; }

# The agent as linux.sh installs it (the layout the agent's self-upgrade
# expects): releases/<agent id> (12 hex of sha256 of `git ls-tree -r` of the
# agent's paths, as agent-id.ts computes it) with release.json, dependencies in
# build/<16 hex of sha256 of package-lock.json>, the agent link relative.
install_agent() {
  local AGENT_PATHS='controller/src controller/bin controller/build.mjs controller/runtime.json package.json package-lock.json .npmrc'
  if [ -z "$WORK" ]; then
    say "would build the agent of $REPO ($BRANCH) into $PREFIX/releases/<agent id> with ${NPM:-the pinned npm}: npm ci (into $PREFIX/build/<lockfile hash>), build, and point $PREFIX/agent at it"
    return
  fi
  local commit id lock release deps
  commit=$(git -C "$WORK/src" rev-parse HEAD)
  # shellcheck disable=SC2086 # one word per path
  id=$(git -C "$WORK/src" ls-tree -r HEAD -- $AGENT_PATHS | sha256_hex | cut -c1-12)
  lock=$(sha256_hex < "$WORK/src/package-lock.json" | cut -c1-16)
  deps="$PREFIX/build/$lock"
  release="$PREFIX/releases/$id"
  if [ "$DRY_RUN" = 1 ]; then
    say "would build agent $id (commit ${commit:0:12}) into $release with ${NPM:-the pinned npm}: npm ci (into $deps, unless complete), build, release.json, and point $PREFIX/agent at releases/$id"
    return
  fi
  if [ -f "$release/release.json" ]; then
    say "agent $id already installed"
  else
    [ -n "$NPM" ] || die "no npm to build the agent with (pass --npm PATH)"
    say "building agent $id (commit ${commit:0:12})"
    [ -f "$deps/.complete" ] || install_dependencies "$NPM" "$deps"
    local build; build=$(mktemp -d "$PREFIX/releases/.new-XXXXXX")
    local paths='' p
    for p in $AGENT_PATHS; do
      if [ -e "$WORK/src/$p" ]; then paths="$paths $p"; fi
    done
    # shellcheck disable=SC2086 # one word per path
    git -C "$WORK/src" archive --format=tar HEAD -- $paths | tar -xf - -C "$build"
    ln -s "$deps/node_modules" "$build/node_modules"
    "$PREFIX/runtime/bin/node" "$build/controller/build.mjs"
    rm -rf "$build/node_modules" "$build/controller/src" "$build/controller/build.mjs" "$build/.npmrc" "$build/package-lock.json"
    local pin runtime
    pin=$(pin node npm "darwin-$(node_arch)" version 2>/dev/null || true)
    runtime=$(readlink "$PREFIX/runtime")
    printf '{\n  "id": "%s",\n  "commit": "%s",\n  "prefix": "%s",\n  "runtimePin": "%s",\n  "runtime": "%s",\n  "lockHash": "%s",\n  "builtAt": "%s"\n}\n' \
      "$id" "$commit" "$PREFIX" "$pin" "$runtime" "$lock" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" > "$build/release.json"
    rm -rf "$release"
    mv "$build" "$release"
  fi
  rm -rf "$WORK"
  switch_link "releases/$id" "$PREFIX/agent"
  # keep the three newest releases (the current one always)
  local current; current=$(readlink "$PREFIX/agent")
  # shellcheck disable=SC2012 # release names are hex ids: ls is safe and orders by time
  ls -1t "$PREFIX/releases" | tail -n +4 | while read -r old; do
    [ "releases/$old" = "$current" ] || rm -rf "${PREFIX:?}/releases/$old"
  done
  say "agent: $PREFIX/agent -> $current"
}

# node_modules for the fleet's lockfile in $2: runtime dependencies plus the esbuild it names.
install_dependencies() {
  local npm=$1 deps=$2
  mkdir -p "$PREFIX/build"
  local tmp; tmp=$(mktemp -d "$PREFIX/build/.deps-XXXXXX")
  cp "$WORK/src/package.json" "$WORK/src/package-lock.json" "$tmp/"
  if [ -f "$WORK/src/.npmrc" ]; then cp "$WORK/src/.npmrc" "$tmp/"; fi
  local esbuild
  esbuild=$(cd "$tmp" && "$PREFIX/runtime/bin/node" -p 'require("./package.json").devDependencies.esbuild')
  (
    cd "$tmp"
    # npm scripts (esbuild's install step) run `node`: the runtime's, first on PATH
    PATH="$PREFIX/runtime/bin:$PATH"
    export PATH
    npm_run "$npm" ci --omit=dev --no-audit --no-fund --loglevel=error
    npm_run "$npm" install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "esbuild@$esbuild"
  )
  touch "$tmp/.complete"
  rm -rf "$deps"
  mv "$tmp" "$deps"
}

# npm itself, or npm-cli.js run with the runtime.
npm_run() {
  local npm=$1; shift
  case "$npm" in
    *.js) "$PREFIX/runtime/bin/node" "$npm" "$@" ;;
    *) "$npm" "$@" ;;
  esac
}

yaml_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

write_config() {
  local signers_line=''
  if [ -n "$SIGNERS" ]; then
    run install -m 0644 "$SIGNERS" "$CONFIG_DIR/allowed_signers"
    signers_line="  allowedSigners: $(yaml_quote "$CONFIG_DIR/allowed_signers")"
  else
    signers_line='  allowUnsigned: true   # lab only: every start logs this loudly'
  fi
  local body
  body=$(cat <<YAML
# Written by scripts/bootstrap/macos.sh; running it again rewrites this file.
host: $(yaml_quote "$HOST")
repo: $(yaml_quote "$REPO")
branch: $(yaml_quote "$BRANCH")
statusBranch: $(yaml_quote "$STATUS_BRANCH")
$( [ -n "$STATUS_REPO" ] && printf 'statusRepo: %s\n' "$(yaml_quote "$STATUS_REPO")" )
stateDir: $(yaml_quote "$STATE_DIR")
signingKey: $(yaml_quote "$KEY")   # signs this host's status reports; declare $KEY.pub as agentKey: in hosts/$HOST/host.yml
$( [ -n "$ROOT" ] && printf 'root: %s   # a sandbox: converge never touches the real system\n' "$(yaml_quote "$ROOT")" )
trust:
$signers_line
YAML
)
  if [ "$DRY_RUN" = 1 ]; then
    say "would write $CONFIG:"; printf '%s\n' "$body" | grep -v '^$' | sed 's/^/    | /'
    return
  fi
  printf '%s\n' "$body" | grep -v '^$' > "$CONFIG.new"
  chmod 0644 "$CONFIG.new"
  mv -f "$CONFIG.new" "$CONFIG"
  say "wrote $CONFIG"
  if [ "$SERVICE_ROOT" != / ]; then
    # tests: install-service reads the config inside its --root
    mkdir -p "$SERVICE_ROOT$CONFIG_DIR"
    cp "$CONFIG" "$SERVICE_ROOT$CONFIG"
  fi
}

first_converge() {
  if [ "$DRY_RUN" = 1 ]; then say "would run: $RUNTIME_NODE $ENTRY agent --once --config $CONFIG"; return; fi
  "$RUNTIME_NODE" "$ENTRY" agent --once --config "$CONFIG" || FIRST_CODE=$?
  case "$FIRST_CODE" in
    0) say 'first converge: done' ;;
    *) say "first converge: exit code $FIRST_CODE (the service retries; see the report above)" ;;
  esac
}

# vars.tailscale_tags of hosts/$HOST/host.yml in the commit the agent was built
# from, as tag:a,tag:b (read with the agent's own YAML parser).
host_tags() {
  git -C "$PREFIX/agent" show "HEAD:hosts/$HOST/host.yml" 2>/dev/null | "$RUNTIME_NODE" -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const tags = (require(process.argv[1]).parse(text) || {}).vars?.tailscale_tags ?? [];
      if (!Array.isArray(tags) || tags.some((t) => !/^tag:[A-Za-z0-9-]+$/.test(String(t)))) {
        console.error("vars.tailscale_tags in hosts/" + process.argv[2] + "/host.yml must be a list of tag:NAME");
        process.exit(2);
      }
      process.stdout.write(tags.join(","));
    });' "$PREFIX/agent/node_modules/yaml" "$HOST"
}

# Tailscale installed, up with the host's tags, the auth key never in an argument.
join_tailnet() {
  if [ -z "$TS_KEY_FILE" ] && [ -z "$TS_KEY_SECRET" ]; then
    if command -v "$TS_CLI" >/dev/null 2>&1 && "$TS_CLI" status >/dev/null 2>&1; then TS_STATE=joined; say 'already on the tailnet (no auth key given: tags left as they are)'; return; fi
    say 'skipped: no auth key given (--tailscale-auth-key-secret NAME --key-vault VAULT); join the tailnet by hand'
    return
  fi
  # the standalone app's CLI, when it is not on PATH
  local app=/Applications/Tailscale.app/Contents/MacOS/Tailscale
  if ! command -v tailscale >/dev/null 2>&1 && [ -x "$app" ]; then TS_CLI=$app; fi
  if ! command -v "$TS_CLI" >/dev/null 2>&1; then
    if [ "$DRY_RUN" = 1 ]; then
      say 'would install Tailscale: the standalone package from https://pkgs.tailscale.com/stable/Tailscale-latest-macos.pkg (installer -pkg)'
    else
      local pkg; pkg=$(mktemp -d)/Tailscale.pkg
      curl -fsSL --retry 3 -o "$pkg" https://pkgs.tailscale.com/stable/Tailscale-latest-macos.pkg
      installer -pkg "$pkg" -target /
      rm -f "$pkg"
      TS_CLI=$app
    fi
  fi
  local tags
  if [ "$DRY_RUN" = 1 ]; then
    tags='<vars.tailscale_tags of hosts/'"$HOST"'/host.yml>'
  else
    tags=$(host_tags) || die "cannot read vars.tailscale_tags of hosts/$HOST/host.yml"
  fi
  local key=$TS_KEY_FILE
  if [ -n "$TS_KEY_SECRET" ]; then
    key="$CONFIG_DIR/.tailscale-auth-key"
    if [ "$DRY_RUN" = 1 ]; then
      say "would read Key Vault secret $TS_KEY_SECRET of $KEY_VAULT with az into $key (mode 0600)"
    else
      # stdout to a file made 0600 first: the key is never an argument, never on the terminal
      ( umask 077; az keyvault secret show --vault-name "$KEY_VAULT" --name "$TS_KEY_SECRET" --query value -o tsv > "$key" ) \
        || { rm -f "$key"; die "could not read $TS_KEY_SECRET from Key Vault $KEY_VAULT with az (az login, or a managed identity)"; }
    fi
  fi
  local code=0
  run "$TS_CLI" up --reset "--auth-key=file:$key" "--hostname=$HOST" ${tags:+"--advertise-tags=$tags"} || code=$?
  if [ -n "$TS_KEY_SECRET" ]; then run rm -f "$key"; fi
  [ "$code" = 0 ] || die 'tailscale up failed (see above)'
  TS_STATE=joined
  say "on the tailnet as $HOST${tags:+ with $tags}"
}

# The tailnet is up, the first converge (and the host's checks it ran) passed.
health_check() {
  if [ "$DRY_RUN" = 1 ]; then say 'would check: tailscale status, and the exit code of the first converge'; return; fi
  local ok=1
  if [ "$TS_STATE" = joined ]; then
    if "$TS_CLI" status >/dev/null 2>&1; then say 'tailnet: up'; else say 'tailnet: DOWN (tailscale status failed)'; ok=0; fi
  fi
  if [ "$FIRST_CODE" = 0 ]; then say 'converge: converged, checks passed'; else say "converge: exit code $FIRST_CODE"; ok=0; fi
  if [ "$ok" = 1 ]; then say "healthy: $HOST"; else say "not healthy yet: $HOST (the agent keeps converging; converge status shows its reports)"; fi
}

# One line: bash has read it whole before main runs, so nothing after it is read
# (an upgrade that rewrites this file while it runs cannot inject a command).
main "$@"; exit
