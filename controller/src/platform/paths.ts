// Path rules of the host being managed, not of the machine this code runs on:
// POSIX paths for linux/macos, drive-letter paths (C:/…) for windows. `validate`
// and `plan --root` of a Windows host work on Linux because nothing here uses
// the local `path` module's defaults for manifest paths.
import path from 'node:path';
import type { OS } from './os.js';
import { ConvergeError } from './errors.js';

const DRIVE = /^([A-Za-z]):(?:[\\/]|$)/;

/** Path operations for one host's OS. Paths in and out use forward slashes. */
export interface HostPaths {
  readonly os: OS;
  /** True for an absolute path in this OS's terms (`/x`, or `C:/x` on windows). */
  isAbsolute(p: string): boolean;
  /** Normalise an absolute path: `~` expanded, separators and `..` resolved, no trailing slash. */
  normalize(p: string): string;
  /**
   * Normalise a path written in a manifest, refusing one not already in normal form (a `..` or `.`
   * component, a doubled or trailing slash): two spellings of one path would be two ids for one file.
   */
  canonical(p: string): string;
  /** The parent of a normalised absolute path; the root's parent is itself. */
  dirname(p: string): string;
  /** The last component. */
  basename(p: string): string;
  /** Join a normalised absolute path with relative parts. */
  join(base: string, ...parts: string[]): string;
  /** True when `child` is `parent` or lies below it. */
  isWithin(child: string, parent: string): boolean;
  /** A key that compares paths the way the OS does (case-insensitive on windows). */
  key(p: string): string;
  /** Where a normalised host path lives on this machine: below `root` when sandboxed. */
  toLocal(p: string, root: string): string;
  /** The home directory of a user on this OS. */
  home(user: string): string;
}

/** Path rules for `os`; `user` is the host's `vars.user`, used to expand `~`. */
export function hostPaths(os: OS, user?: string): HostPaths {
  return os === 'windows' ? windowsPaths(user) : posixPaths(os, user);
}

function posixPaths(os: OS, user: string | undefined): HostPaths {
  const p = path.posix;
  const home = (u: string): string => {
    if (u === 'root') return os === 'macos' ? '/var/root' : '/root';
    return os === 'macos' ? `/Users/${u}` : `/home/${u}`;
  };
  const self: HostPaths = {
    os,
    isAbsolute: (x) => x.startsWith('/') || x === '~' || x.startsWith('~/'),
    normalize(x) {
      const expanded = expandTilde(x, user, home);
      if (!expanded.startsWith('/')) throw notAbsolute(x, os);
      const n = p.normalize(expanded);
      return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
    },
    canonical: (x) => inNormalForm(x, x, self.normalize(x)),
    dirname: (x) => p.dirname(x),
    basename: (x) => p.basename(x),
    join: (base, ...parts) => self.normalize(p.join(base, ...parts)),
    isWithin: (child, parent) => child === parent || parent === '/' || child.startsWith(parent + '/'),
    key: (x) => x,
    toLocal(x, root) {
      return root === '/' ? x : path.join(root, x);
    },
    home,
  };
  return self;
}

function windowsPaths(user: string | undefined): HostPaths {
  const p = path.win32;
  const home = (u: string): string => `C:/Users/${u}`;
  const fwd = (x: string): string => x.replace(/\\/g, '/');
  const self: HostPaths = {
    os: 'windows',
    isAbsolute: (x) => DRIVE.test(x) || x === '~' || x.startsWith('~/') || x.startsWith('~\\'),
    normalize(x) {
      const expanded = expandTilde(fwd(x), user, home);
      const m = DRIVE.exec(expanded);
      if (!m) throw notAbsolute(x, 'windows');
      let n = fwd(p.normalize(expanded.length === 2 ? expanded + '/' : expanded));
      n = n[0]!.toUpperCase() + n.slice(1);
      if (n.length === 2) n += '/';
      n = n.length > 3 && n.endsWith('/') ? n.slice(0, -1) : n;
      for (const name of n.slice(3).split('/').filter(Boolean)) {
        const why = windowsNameProblem(name);
        if (why) throw new ConvergeError('invalid-input', `'${x}' is not a path Windows can hold: ${why}`);
      }
      return n;
    },
    canonical: (x) => inNormalForm(x, fwd(x).replace(DRIVE, '/'), self.normalize(x)),
    dirname: (x) => {
      const d = fwd(p.dirname(x));
      return d.length === 2 ? d + '/' : d;
    },
    basename: (x) => p.basename(x),
    join: (base, ...parts) => self.normalize(p.join(base, ...parts)),
    isWithin(child, parent) {
      const c = self.key(child);
      const q = self.key(parent);
      return c === q || c.startsWith(q.endsWith('/') ? q : q + '/');
    },
    key: (x) => x.toLowerCase(),
    toLocal(x, root) {
      if (root === '/') {
        if (process.platform !== 'win32') {
          throw new ConvergeError('unsupported', `${x} is a Windows path: on this machine it can only be planned or applied under --root`);
        }
        return p.normalize(x);
      }
      // C:/ProgramData/x → <root>/C/ProgramData/x
      return path.join(root, x[0]!.toUpperCase(), x.slice(3));
    },
    home,
  };
  return self;
}

/** Why Windows refuses a file or folder name, if it does. */
function windowsNameProblem(name: string): string | undefined {
  if ([...name].some((c) => c.charCodeAt(0) < 32)) return `'${name}' contains a control character, which no Windows file name may`;
  const bad = /[<>:"|?*]/.exec(name);
  if (bad) return `'${name}' contains '${bad[0]}', which no Windows file name may`;
  if (/[. ]$/.test(name)) return `'${name}' ends with a ${name.endsWith('.') ? 'dot' : 'space'}, which Windows drops from a name`;
  if (/^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i.test(name)) return `'${name}' is a reserved device name on Windows`;
  return undefined;
}

/**
 * `normal` (the normalised `written`) when `written` is already spelled that way, else an error showing the
 * normal form. `slashed` is `written` with forward slashes and any drive letter replaced by `/`.
 */
function inNormalForm(written: string, slashed: string, normal: string): string {
  const tilde = slashed === '~' || slashed.startsWith('~/');
  const rest = tilde ? slashed.slice(1) : slashed;
  if (rest === '' || (rest === '/' && !tilde)) return normal;
  const parts = rest.split('/').slice(1);
  const at = parts.findIndex((c) => c === '' || c === '.' || c === '..');
  if (at < 0) return normal;
  const c = parts[at]!;
  const why = c === '' ? (at === parts.length - 1 ? 'a trailing slash' : 'a doubled slash') : `a '${c}' component`;
  const shown = tilde ? `~${path.posix.normalize(rest).replace(/\/$/, '')}` : normal;
  throw new ConvergeError('invalid-input', `'${written}' is not in normal form (it has ${why}): write ${shown}`);
}

function expandTilde(x: string, user: string | undefined, home: (u: string) => string): string {
  if (x !== '~' && !x.startsWith('~/')) return x;
  if (!user) {
    throw new ConvergeError('invalid-input', `'${x}' uses ~, which means the home of the host's vars.user, but vars.user is not set`);
  }
  return home(user) + x.slice(1);
}

function notAbsolute(x: string, os: OS): ConvergeError {
  const example = os === 'windows' ? 'C:/ProgramData/converge/x' : '/etc/x';
  return new ConvergeError('invalid-input', `'${x}' is not an absolute ${os} path (like ${example}, or ~/x)`);
}

/** True when `rel`, a `path.relative(base, target)` of this machine's paths, leads out of `base` (or is absolute: another drive); a name that only starts with `..` stays inside. */
export function leavesBase(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}
