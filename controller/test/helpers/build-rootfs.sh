#!/usr/bin/env bash
# Build the Debian rootfs the systemd/podman tests boot with systemd-nspawn,
# once per machine, outside the repository. Safe to run concurrently (flock)
# and again (a complete rootfs with the same recipe is reused).
#   usage: build-rootfs.sh [DIR]   (default /var/lib/converge-test/rootfs)
set -euo pipefail
dir=${1:-/var/lib/converge-test/rootfs}
# The recipe: change it and every machine rebuilds its rootfs.
packages=systemd,dbus,systemd-sysv,podman,runc,conmon,catatonit,containernetworking-plugins,busybox-static,ca-certificates
recipe="bookworm minbase $packages apt-lists containers.conf-v2"
mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9
if [ -f "$dir/.converge-rootfs" ] && [ "$(cat "$dir/.converge-rootfs")" = "$recipe" ]; then
  exit 0
fi
tmp="$dir.building"
rm -rf "$tmp" "$dir"
debootstrap --variant=minbase --include="$packages" bookworm "$tmp" http://deb.debian.org/debian >"$dir.log" 2>&1 || {
  echo "debootstrap failed; see $dir.log" >&2
  exit 1
}
# Package lists, so that a test can apt-get install without an update first.
chroot "$tmp" apt-get update -qq >>"$dir.log" 2>&1
# Podman: rootful, runc (crun fails on these kernels). The container sees a
# cgroup v2 tree without controllers (the host's are bound to v1), so no pids
# limit can be set: pids_limit = 0.
mkdir -p "$tmp/etc/containers"
cat >"$tmp/etc/containers/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
pids_limit = 0
[engine]
runtime = "runc"
CONF
echo "converge-test" >"$tmp/etc/hostname"
# No login prompt on the console, no units that wait for hardware.
chroot "$tmp" systemctl mask console-getty.service getty@tty1.service systemd-networkd-wait-online.service >>"$dir.log" 2>&1 || true
echo "$recipe" >"$tmp/.converge-rootfs"
mv "$tmp" "$dir"
