// The per-user helper that keeps an SMB share mounted on a Mac: run by a
// LaunchAgent in the user's session (a root daemon's mount is invisible to the
// user) at login, every minute and on every network change; it probes the
// mount (a listing that must answer within 10 s), unmounts a dead one and
// mounts again with `mount_smbfs -N` (the password comes from the keychain).

export const MOUNT_HELPER_PATH = '/usr/local/converge/libexec/smb-mount';

export const MOUNT_HELPER = `#!/bin/sh
# converge: keep an SMB share mounted for the user running this (a LaunchAgent
# runs it at login, every minute and when the network changes, e.g. after
# sleep). Usage: smb-mount MOUNTPOINT //server/share OPTIONS [ACCOUNT-FILE]
# The SMB account name is read from ACCOUNT-FILE (the user's own, mode 0600),
# so it is in no plist and no long-running command line.
# Managed by converge: edits are overwritten.
MP=$1 URL=$2 OPTS=$3 ACCOUNT=$4
if [ -n "$ACCOUNT" ] && [ -r "$ACCOUNT" ]; then URL="//$(/bin/cat "$ACCOUNT")@\${URL#//}"; fi
mounted() { /sbin/mount | /usr/bin/grep -F " on $MP (smbfs" >/dev/null; }
# A listing that answers within 10 s; a soft mount of a vanished server errors out instead of hanging.
healthy() { /usr/bin/perl -e 'alarm 10; opendir(my $d, $ARGV[0]) or exit 1; readdir($d); exit 0' "$MP"; }
if mounted; then
  healthy && exit 0
  echo "smb-mount: $MP does not answer: unmounting it" >&2
  /sbin/umount -f "$MP" 2>/dev/null || /usr/sbin/diskutil unmount force "$MP" >/dev/null 2>&1
fi
/bin/mkdir -p "$MP"
exec /sbin/mount_smbfs -N -o "$OPTS" "$URL" "$MP"
`;
