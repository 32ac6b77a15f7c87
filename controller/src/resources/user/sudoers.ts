// The sudoers.d file of a user: one rule, in a file converge owns
// (`converge-<user>`), written only after `visudo -cf` accepts the complete
// temp file, so a broken rule can never reach sudo and lock everyone out.
import type { Context } from '../types.js';
import type { UserSudo } from './schema.js';
import { readManagedFile, removeManagedFile, writeManagedFile } from '../shared/managed-file.js';
import { ConvergeError } from '../../platform/errors.js';
import type { OS } from '../../platform/os.js';

/** Where the rule of `user` lives (sudo skips names with a dot, so a dot becomes _). */
export function sudoersPath(user: string, os: OS): string {
  const dir = os === 'macos' ? '/private/etc/sudoers.d' : '/etc/sudoers.d';
  return `${dir}/converge-${user.replace(/\./g, '_')}`;
}

/** The file's text for `sudo`, or null when the user has no rule. */
export function sudoersText(user: string, sudo: UserSudo | undefined): string | null {
  if (sudo === undefined || sudo === false) return null;
  const rule = sudo === true ? { commands: ['ALL'], nopasswd: true } : sudo;
  return `# managed by converge: sudo rights of ${user}\n${user} ALL=(ALL:ALL) ${rule.nopasswd ? 'NOPASSWD: ' : ''}${rule.commands.join(', ')}\n`;
}

/** The file as it is now. */
export async function readSudoers(ctx: Context, user: string): Promise<string | null> {
  return (await readManagedFile(ctx, sudoersPath(user, ctx.host.os)))?.toString('utf8') ?? null;
}

/** Put the rule in place (0440 root), after visudo has accepted it; or remove it when text is null. */
export async function writeSudoers(ctx: Context, user: string, text: string | null): Promise<void> {
  const target = sudoersPath(user, ctx.host.os);
  if (text === null) return removeManagedFile(ctx, target);
  await writeManagedFile(ctx, target, text, { mode: 0o440, owner: '0', group: '0', check: (tmp) => visudoCheck(ctx, tmp) });
}

async function visudoCheck(ctx: Context, tmp: string): Promise<void> {
  const r = await ctx.runner.run('visudo', ['-cf', tmp]);
  if (r.exitCode === 0) return;
  const output = (r.stderr + r.stdout).replaceAll(tmp, 'the new rule').trim();
  if (/ENOENT|not found/i.test(output) && !output.includes('the new rule')) {
    throw new ConvergeError('unsupported', 'visudo is not installed (package sudo): converge does not put a sudoers file in place that it cannot check');
  }
  throw new ConvergeError('invalid-input', `visudo -cf refused the sudoers rule, so it was not put in place: ${output}`);
}
