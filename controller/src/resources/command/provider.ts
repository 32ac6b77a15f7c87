// Commands: observe evaluates the guards (creates, unless, onlyIf; the guard
// scripts are meant to be read-only checks, as in Puppet); apply runs the
// script. A run that exits non-zero fails with the end of its output,
// secrets scrubbed. Under --root nothing runs: the sandbox is not the machine
// the scripts would act on.
import { existsSync } from 'node:fs';
import type { Change, Context, Provider } from '../types.js';
import type { CommandSpec } from './schema.js';
import { durationToMs } from '../../platform/duration-ms.js';
import type { CommandResult } from '../../platform/runner.js';
import { ConvergeError } from '../../platform/errors.js';

export interface CommandObserved {
  /** Why it need not run now; absent when it must. */
  inSync?: string;
  /** Why it cannot run here. */
  blocked?: string;
  /** It ran in this run but `creates` is still missing. */
  missingAfterRun?: boolean;
}

const KEY = 'command:ran';
const SANDBOXED = 'commands run only on the real system, not under --root';
const OUTPUT_LINES = 20;
const OUTPUT_CHARS = 2000;

function ran(ctx: Context): Set<string> {
  let set = ctx.cache.get(KEY) as Set<string> | undefined;
  if (!set) {
    set = new Set();
    ctx.cache.set(KEY, set);
  }
  return set;
}

export const commandProvider: Provider<CommandSpec, CommandObserved> = {
  async observe(spec, ctx) {
    const didRun = ran(ctx).has(spec.command);
    if (spec.creates && existsSync(ctx.local(spec.creates))) return { inSync: `${spec.creates} exists` };
    if (didRun) return spec.creates ? { missingAfterRun: true } : { inSync: 'ran' };
    if (spec.refreshOnly) return { inSync: 'runs only when notified' };
    if (ctx.sandboxed) return { blocked: SANDBOXED };
    const why = await guardsSayInSync(spec, ctx);
    return why ? { inSync: why } : null;
  },

  diff(spec, observed) {
    if (observed?.inSync) return [];
    if (observed?.missingAfterRun) return [{ property: 'creates', from: 'still missing after the run', to: spec.creates! }];
    const change: Change = { property: 'run', from: null, to: describe(spec) };
    if (observed?.blocked) change.skipped = observed.blocked;
    return [change];
  },

  async apply(spec, _changes, ctx) {
    await runScript(spec, ctx);
  },

  async refresh(spec, ctx) {
    if (ran(ctx).has(spec.command)) return undefined;
    if (ctx.sandboxed) return SANDBOXED;
    if (spec.creates && existsSync(ctx.local(spec.creates))) return undefined;
    if (await guardsSayInSync(spec, ctx)) return undefined;
    await runScript(spec, ctx);
    return undefined;
  },

  // A command leaves nothing converge could take back: forgetting it is all a removal does.
  async remove() {},
};

/** The reason the guards give for not running, or null when it must run. */
async function guardsSayInSync(spec: CommandSpec, ctx: Context): Promise<string | null> {
  if (spec.unless) {
    const r = await ctx.runner.shell(spec.unless, options(spec, ctx));
    if (r.exitCode === 0) return 'unless succeeded';
  }
  if (spec.onlyIf) {
    const r = await ctx.runner.shell(spec.onlyIf, options(spec, ctx));
    if (r.exitCode !== 0) return `onlyIf exited ${r.exitCode}`;
  }
  return null;
}

async function runScript(spec: CommandSpec, ctx: Context): Promise<void> {
  const script = spec.run ?? spec.command;
  ran(ctx).add(spec.command);
  const r = await ctx.runner.shell(script, options(spec, ctx));
  if (r.timedOut) throw new ConvergeError('io', `timed out after ${spec.timeout}${tail(r, ctx)}`);
  if (r.exitCode !== 0) throw new ConvergeError('io', `exited ${r.exitCode}${tail(r, ctx)}`);
}

function options(spec: CommandSpec, ctx: Context) {
  return {
    timeoutMs: durationToMs(spec.timeout),
    killTree: true,
    cwd: spec.cwd ? ctx.local(spec.cwd) : undefined,
    env: spec.env,
  };
}

/** The end of the output, secrets scrubbed, for the report. */
function tail(r: CommandResult, ctx: Context): string {
  const text = [r.stdout.trim(), r.stderr.trim()].filter(Boolean).join('\n');
  if (!text) return '';
  let lines = text.split('\n');
  const cut = lines.length > OUTPUT_LINES;
  lines = lines.slice(-OUTPUT_LINES);
  let out = lines.join('\n');
  if (out.length > OUTPUT_CHARS) out = '…' + out.slice(-OUTPUT_CHARS);
  return `; output${cut ? ` (last ${OUTPUT_LINES} lines)` : ''}:\n${ctx.scrubber.scrub(out)}`;
}

function describe(spec: CommandSpec): string {
  const script = spec.run ?? spec.command;
  const oneLine = script.split('\n')[0]!;
  return `${oneLine.length > 80 ? oneLine.slice(0, 79) + '…' : oneLine}${script.includes('\n') ? ' …' : ''}`;
}
