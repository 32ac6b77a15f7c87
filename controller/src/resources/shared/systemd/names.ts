// systemd unit names: what a valid one looks like, its type, and the name of
// the .mount unit for a path (systemd-escape --path, in TypeScript so that
// validate and plan work without systemd).

/** Unit types converge writes or manages. */
export const UNIT_SUFFIXES = ['service', 'socket', 'timer', 'path', 'mount', 'automount', 'target', 'slice', 'swap'] as const;

const UNIT_NAME = new RegExp(`^[A-Za-z0-9:_.\\\\@-]+\\.(${UNIT_SUFFIXES.join('|')})$`);

/** True for a full unit name like `netdata.service` or `space-mirror.timer`. */
export function isUnitName(name: string): boolean {
  return name.length <= 255 && UNIT_NAME.test(name);
}

/** `netdata` → `netdata.service`; a name with a unit suffix is kept. */
export function serviceUnitName(name: string): string {
  return isUnitName(name) ? name : `${name}.service`;
}

/** The suffix of a unit name: `service`, `timer`… */
export function unitSuffix(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Where converge writes unit files on the host. */
export const UNIT_DIR = '/etc/systemd/system';

/** Host path of a unit file converge writes. */
export function unitFilePath(name: string): string {
  return `${UNIT_DIR}/${name}`;
}

/** The escaped form of an absolute path, as `systemd-escape --path` prints it (`/mnt/a-b` → `mnt-a\x2db`). */
export function escapePath(p: string): string {
  const trimmed = p.split('/').filter(Boolean).join('/');
  if (trimmed === '') return '-';
  let out = '';
  const bytes = Buffer.from(trimmed, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const c = String.fromCharCode(b);
    if (c === '/') out += '-';
    else if ((i === 0 && c === '.') || !/[A-Za-z0-9:_.]/.test(c) || b >= 0x80) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return out;
}

/** `/space` → `space.mount`; with `automount`, `space.automount`. */
export function mountUnitName(where: string, suffix: 'mount' | 'automount' = 'mount'): string {
  return `${escapePath(where)}.${suffix}`;
}
