// Running host health checks: a unit is active, a TCP port answers, an HTTP
// URL returns 2xx, a command exits 0. Each is tried until it passes or its
// `within` runs out (services take a moment after a restart); all run at once.
import net from 'node:net';
import type { LoadedCheck } from '../manifest/check-schema.js';
import type { CheckResult } from '../report/report.js';
import type { BaseContext } from './context.js';
import { durationToMs } from '../platform/duration-ms.js';
import { messageOf } from '../platform/errors.js';

const RETRY_MS = 1000;

/** Run every check; under --root they are skipped (they would probe this machine, not the sandbox). */
export async function runChecks(checks: readonly LoadedCheck[], ctx: BaseContext, signal?: AbortSignal): Promise<CheckResult[]> {
  if (ctx.sandboxed) {
    return checks.map((c) => ({ name: c.name, kind: c.kind, status: 'skipped', message: 'checks run on the real system only, not under --root', durationMs: 0 }));
  }
  return Promise.all(checks.map((c) => runCheck(c, ctx, signal)));
}

async function runCheck(check: LoadedCheck, ctx: BaseContext, signal?: AbortSignal): Promise<CheckResult> {
  const started = Date.now();
  const deadline = started + durationToMs(check.within);
  const timeoutMs = durationToMs(check.timeout);
  let message: string;
  for (;;) {
    const attempt = Date.now();
    message = await attemptOnce(check, ctx, timeoutMs);
    if (message === '') return { name: check.name, kind: check.kind, status: 'passed', durationMs: Date.now() - started };
    const wait = Math.max(0, RETRY_MS - (Date.now() - attempt));
    if (Date.now() + wait >= deadline || signal?.aborted) break;
    await new Promise((r) => setTimeout(r, wait));
  }
  return { name: check.name, kind: check.kind, status: 'failed', message: ctx.scrubber.scrub(message), durationMs: Date.now() - started };
}

/** '' when the check passes, else why it failed. */
async function attemptOnce(check: LoadedCheck, ctx: BaseContext, timeoutMs: number): Promise<string> {
  try {
    switch (check.kind) {
      case 'unit': {
        const r = await ctx.runner.run('systemctl', ['is-active', '--', check.target], { timeoutMs });
        const state = r.stdout.trim() || 'unknown';
        return state === 'active' ? '' : `${check.target} is ${state}`;
      }
      case 'tcp':
        return await tcpAnswers(check.target, timeoutMs);
      case 'http': {
        const res = await fetch(check.target, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
        await res.body?.cancel();
        return res.status >= 200 && res.status < 300 ? '' : `HTTP ${res.status}`;
      }
      case 'command': {
        const r = await ctx.runner.shell(check.target, { timeoutMs, killTree: true });
        if (r.timedOut) return `timed out after ${check.timeout}`;
        if (r.exitCode === 0) return '';
        const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ').slice(0, 300);
        return `exited ${r.exitCode}${out ? `: ${out}` : ''}`;
      }
    }
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause ? `${messageOf(error)}: ${messageOf(cause)}` : messageOf(error);
  }
}

function tcpAnswers(target: string, timeoutMs: number): Promise<string> {
  const colon = target.lastIndexOf(':');
  const host = target.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(target.slice(colon + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (why: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(''));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message));
  });
}
