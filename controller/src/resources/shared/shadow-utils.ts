// Accounts on Linux are changed by shadow utils (useradd, usermod, groupadd…),
// never by editing etc/passwd ourselves. Under --root they act on the root's
// own account files with `--prefix ROOT` (chpasswd, which has no --prefix,
// with `--root ROOT`), the way a distribution builds an image.
import type { Context } from '../types.js';
import { ConvergeError } from '../../platform/errors.js';

/** The arguments that point a shadow tool at the managed root. */
export function rootArgs(tool: string, ctx: Pick<Context, 'sandboxed' | 'root'>): string[] {
  if (!ctx.sandboxed) return [];
  return tool === 'chpasswd' ? ['--root', ctx.root] : ['--prefix', ctx.root];
}

/** The command line as it would run, for plans and errors (never with a secret: those go on stdin). */
export function shadowCommand(tool: string, args: readonly string[], ctx: Pick<Context, 'sandboxed' | 'root'>): string {
  return [tool, ...rootArgs(tool, ctx), ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Run a shadow tool; `input` (a password hash for chpasswd -e) goes on stdin. Throws with its output when it fails. */
export async function runShadow(ctx: Pick<Context, 'sandboxed' | 'root' | 'runner'>, tool: string, args: readonly string[], input?: string): Promise<void> {
  const r = await ctx.runner.run(tool, [...rootArgs(tool, ctx), ...args], input === undefined ? {} : { input });
  if (r.exitCode !== 0) {
    throw new ConvergeError('io', `${shadowCommand(tool, args, ctx)} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim() || 'no output'}`);
  }
}
