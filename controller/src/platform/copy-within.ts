// Copying a tree a user named (the fleet `converge demo` runs on, a role
// `converge import ansible` converts) into a folder converge then writes to or
// commits. Links are followed where they stay inside the tree's base, as the
// agent follows a link inside the fleet repository, so the copy holds plain
// files and folders: nothing written into the copy can go through a link into
// the user's own files. A link that leads out of the base (or back into a
// folder that holds it) is refused by name before anything is copied.
import { cpSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConvergeError, messageOf } from './errors.js';

/** Copy `base/rel` to `dest` as plain files and folders; `what` names the base in messages ("the fleet"). */
export function copyWithin(base: string, rel: string, dest: string, what: string): void {
  assertLinksWithin(base, rel, what);
  cpSync(path.join(base, rel), dest, { recursive: true, dereference: true });
}

/** Throw, naming the link, when `base/rel` holds a link copyWithin would refuse (to check several trees before writing any). */
export function assertLinksWithin(base: string, rel: string, what: string): void {
  checkLinks({ base, real: realpathSync(base), what }, path.join(base, rel), []);
}

interface Walk {
  base: string;
  real: string;
  what: string;
}

function checkLinks(walk: Walk, p: string, holders: string[]): void {
  const shown = path.relative(walk.base, p) || '.';
  let real: string;
  if (lstatSync(p).isSymbolicLink()) {
    try {
      real = realpathSync(p);
    } catch (error) {
      throw new ConvergeError('invalid-input', `${shown} is a symbolic link that cannot be followed (${messageOf(error)})`);
    }
    const inside = path.relative(walk.real, real);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new ConvergeError('invalid-input', `${shown} is a symbolic link that leads out of ${walk.what} (to ${real}); only links that stay inside it are followed`);
    }
  } else {
    real = realpathSync(p);
  }
  if (!statSync(real).isDirectory()) return;
  if (holders.includes(real)) throw new ConvergeError('invalid-input', `${shown} is a symbolic link back into a folder that holds it`);
  for (const name of readdirSync(p).sort()) checkLinks(walk, path.join(p, name), [...holders, real]);
}
