// Directory Services on macOS, read with `dscl . -read` and changed with dscl
// and dseditgroup. dscl prints `Key: value`, or `Key:` then the value on the
// next line, indented, when the value has a space (RealName); lists
// (GroupMembership) are space-separated on one line.
import type { Context } from '../types.js';
import { ConvergeError } from '../../platform/errors.js';

/** Attributes of one record, or null when dscl says it does not exist. */
export async function dsclRead(ctx: Pick<Context, 'runner'>, record: string, keys: readonly string[]): Promise<Record<string, string> | null> {
  const r = await ctx.runner.run('/usr/bin/dscl', ['.', '-read', record, ...keys]);
  if (r.exitCode !== 0) {
    if (/eDSRecordNotFound|-14136/.test(r.stderr + r.stdout)) return null;
    // a key the record lacks makes dscl print "No such key" and still exit 0 on recent systems, 181 on older ones
    if (!/No such key/.test(r.stderr + r.stdout)) throw new ConvergeError('io', `dscl . -read ${record} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
  }
  return parseDscl(r.stdout);
}

/** `Key: value` lines (and their continuation lines) as a record. */
export function parseDscl(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if (line.startsWith(' ') && last) {
      out[last] = out[last] ? `${out[last]} ${line.trim()}` : line.trim();
      continue;
    }
    const m = /^(?:dsAttrTypeNative:)?([A-Za-z][\w.]*):\s?(.*)$/.exec(line);
    if (!m) continue;
    last = m[1]!;
    out[last] = m[2]!.trim();
  }
  return out;
}

/** Run a Directory Services tool; throws with its output when it fails. */
export async function runDs(ctx: Pick<Context, 'runner'>, file: string, args: readonly string[]): Promise<void> {
  const r = await ctx.runner.run(file, args);
  if (r.exitCode !== 0) throw new ConvergeError('io', `${[file, ...args].join(' ')} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim() || 'no output'}`);
}

/** The members of a group (GroupMembership), [] when it has none or does not exist. */
export async function dsclMembers(ctx: Pick<Context, 'runner'>, group: string): Promise<string[] | null> {
  const record = await dsclRead(ctx, `/Groups/${group}`, ['GroupMembership']);
  if (!record) return null;
  return (record.GroupMembership ?? '').split(/\s+/).filter(Boolean);
}
