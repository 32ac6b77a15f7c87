// Existing Windows services (NoMachine's, Netdata's, a WinSW-wrapped one):
// start mode through sc.exe (Windows PowerShell 5.1's Set-Service has no
// delayed start), running state and restarts through the PowerShell host.
import type { Change, Provider } from '../types.js';
import type { WindowsServiceSpec } from './schema.js';
import { scStartValue, serviceState } from './state.js';
import type { ServiceState } from './state.js';
import { GET_SERVICE, RESTART_SERVICE, SET_SERVICE_RUNNING } from './powershell.js';
import { underRoot } from '../shared/os-skip.js';
import { powershell } from '../../platform/powershell/of-context.js';
import { psDisplay } from '../../platform/powershell/quote.js';
import { ConvergeError } from '../../platform/errors.js';

export type WindowsServiceDesired = WindowsServiceSpec & { sandboxed?: boolean };

export const windowsServiceProvider: Provider<WindowsServiceDesired, ServiceState> = {
  async desire(spec, ctx) {
    return { ...spec, sandboxed: ctx.sandboxed };
  },

  async observe(spec, ctx) {
    if (ctx.sandboxed) return null;
    const state = serviceState(await (await powershell(ctx)).one(GET_SERVICE, { Name: spec.windowsService }));
    return state.found ? state : null;
  },

  diff(spec, observed) {
    const name = spec.windowsService;
    if (spec.sandboxed) {
      // One change, so a plan shows every command it would run.
      const commands: string[] = [];
      const wanted: string[] = [];
      if (spec.startMode) {
        commands.push(`sc.exe config ${name} start= ${scStartValue(spec.startMode)}`);
        wanted.push(`start ${spec.startMode}`);
      }
      if (spec.running !== undefined) {
        commands.push(psDisplay(spec.running ? 'Start-Service' : 'Stop-Service', { Name: name }));
        wanted.push(spec.running ? 'running' : 'stopped');
      }
      if (!commands.length) return [];
      return [{ property: 'service', from: null, to: wanted.join(', '), skipped: underRoot('the Windows service control manager', commands.join('; ')) }];
    }
    if (!observed) return [{ property: 'ensure', from: null, to: 'installed service' }];
    const changes: Change[] = [];
    if (spec.startMode && observed.startMode !== spec.startMode) changes.push({ property: 'startMode', from: observed.startMode ?? null, to: spec.startMode });
    if (spec.running !== undefined) {
      const running = observed.status === 'Running' || observed.status === 'StartPending';
      if (running !== spec.running) changes.push({ property: 'running', from: String(running), to: String(spec.running) });
    }
    return changes;
  },

  async apply(spec, changes, ctx) {
    const name = spec.windowsService;
    if (changes.some((c) => c.property === 'ensure')) {
      throw new ConvergeError('not-found', `no service named ${name} on this machine: windowsService manages services that exist (install it first, with a package resource or its installer)`);
    }
    if (changes.some((c) => c.property === 'startMode') && spec.startMode) {
      const r = await ctx.runner.run('sc.exe', ['config', name, 'start=', scStartValue(spec.startMode)]);
      if (r.exitCode !== 0) throw new ConvergeError('io', `sc.exe config ${name} start= ${scStartValue(spec.startMode)} failed (${r.exitCode}): ${(r.stdout + r.stderr).trim()}`);
    }
    if (changes.some((c) => c.property === 'running') && spec.running !== undefined) {
      await (await powershell(ctx)).invoke(SET_SERVICE_RUNNING, { Name: name, Running: spec.running });
    }
  },

  async refresh(spec, ctx) {
    if (ctx.sandboxed) {
      ctx.log.child({ component: 'windowsService' }).info({ service: spec.windowsService }, 'restart skipped under --root');
      return;
    }
    await (await powershell(ctx)).invoke(RESTART_SERVICE, { Name: spec.windowsService });
  },
};
