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
import { leavesBase } from './paths.js';

/** Copy each `base/rel` to its `dest` as plain files and folders, all checked before any is copied; `what` names the base in messages ("the fleet"). */
export function copyWithin(base: string, copies: readonly (readonly [rel: string, dest: string])[], what: string): void {
  const walk = { base, real: realpathSync(base), what };
  for (const [rel] of copies) checkLinks(walk, path.join(base, rel), []);
  for (const [rel, dest] of copies) cpSync(path.join(base, rel), dest, { recursive: true, dereference: true });
}

interface Walk {
  base: string;
  real: string;
  what: string;
}

function checkLinks(walk: Walk, p: string, holders: string[]): void {
  const real = lstatSync(p).isSymbolicLink() ? linkTarget(walk, p) : realpathSync(p);
  if (!statSync(real).isDirectory()) return;
  if (holders.includes(real)) throw refusal(walk, p, 'is a symbolic link back into a folder that holds it');
  for (const name of readdirSync(p).sort()) checkLinks(walk, path.join(p, name), [...holders, real]);
}

/** Where the link at `p` leads, when that stays inside the base. */
function linkTarget(walk: Walk, p: string): string {
  let real: string;
  try {
    real = realpathSync(p);
  } catch (error) {
    throw refusal(walk, p, `is a symbolic link that cannot be followed (${messageOf(error)})`);
  }
  if (leavesBase(path.relative(walk.real, real))) throw refusal(walk, p, `is a symbolic link that leads out of ${walk.what} (to ${real}); only links that stay inside it are followed`);
  return real;
}

function refusal(walk: Walk, p: string, why: string): ConvergeError {
  return new ConvergeError('invalid-input', `${path.relative(walk.base, p) || '.'} ${why}`);
}
