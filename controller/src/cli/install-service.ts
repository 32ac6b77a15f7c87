// converge install-service / uninstall-service: the agent as a service of
// this OS (systemd unit, LaunchDaemon, WinSW-hosted Windows service).
// Running it again upgrades or repairs; --dry-run prints the steps; --root
// writes the files under DIR and shows the service-manager commands.
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { Printer } from './output.js';
import { currentOS, OSES } from '../platform/os.js';
import type { OS } from '../platform/os.js';
import { createRunner } from '../platform/runner.js';
import { ConvergeError } from '../platform/errors.js';
import { hostPaths } from '../platform/paths.js';
import { defaultAgentCommand, deployKeyEnv } from '../platform/agent-service/definition.js';
import type { AgentCommand } from '../platform/agent-service/definition.js';
import { installSteps, uninstallSteps } from '../platform/agent-service/plan.js';
import { runSteps } from '../platform/agent-service/steps.js';
import { SERVICE_ID, WINSW } from '../platform/agent-service/winsw.js';
import { loadConfig } from '../agent/config.js';

export interface ServiceFlags {
  os?: string;
  node?: string;
  entry?: string;
  config?: string;
  root?: string;
  dryRun?: boolean;
  start?: boolean;
  winsw?: string;
}

function targetOs(flag: string | undefined): OS {
  if (!flag) return currentOS();
  if (!(OSES as readonly string[]).includes(flag)) throw new ConvergeError('invalid-input', `--os ${JSON.stringify(flag)} is not one of ${OSES.join(', ')}`);
  return flag as OS;
}

/** The agent command: flags, else (on this OS) this node and this CLI, else the bootstrap defaults. */
function agentCommand(target: OS, flags: ServiceFlags): AgentCommand {
  const defaults = defaultAgentCommand(target);
  const here = target === currentOS() ? { node: process.execPath, entry: path.resolve(process.argv[1] ?? defaults.entry) } : {};
  return { ...defaults, ...here, ...(flags.node ? { node: flags.node } : {}), ...(flags.entry ? { entry: flags.entry } : {}), ...(flags.config ? { config: flags.config } : {}) };
}

export async function installServiceCommand(flags: ServiceFlags): Promise<number> {
  const out = new Printer();
  const target = targetOs(flags.os);
  const root = path.resolve(flags.root ?? '/');
  const command = withDeployKey(target, agentCommand(target, flags), root);
  const real = !flags.dryRun && root === '/';
  if (real && target !== currentOS()) throw new ConvergeError('unsupported', `this machine runs ${currentOS()}; a ${target} service can only be shown (--dry-run) or written under --root`);
  checkConfig(target, command.config, root, Boolean(flags.dryRun));
  const runner = createRunner(target);
  let winsw: string | undefined;
  let installed = false;
  if (target === 'windows') {
    winsw = flags.winsw ?? (real ? await downloadWinsw(out) : `(download ${WINSW.url})`);
    if (real) installed = (await runner.run('sc.exe', ['query', SERVICE_ID])).exitCode === 0;
  }
  const steps = installSteps(target, { command, start: flags.start !== false, winsw, installed });
  out.line(out.style(`${flags.dryRun ? 'Would install' : 'Installing'} the converge agent as a ${serviceKind(target)}${root !== '/' ? ` under ${root}` : ''}:`, 'bold'));
  await runSteps(steps, { os: target, runner, dryRun: Boolean(flags.dryRun), root, say: (l) => out.line(`  ${l}`) });
  if (!flags.dryRun) out.line(out.style(`converge agent installed: ${command.node} ${command.entry} agent --config ${command.config}`, 'green'));
  return 0;
}

export async function uninstallServiceCommand(flags: ServiceFlags): Promise<number> {
  const out = new Printer();
  const target = targetOs(flags.os);
  const root = path.resolve(flags.root ?? '/');
  if (!flags.dryRun && root === '/' && target !== currentOS()) throw new ConvergeError('unsupported', `this machine runs ${currentOS()}; use --dry-run or --root for a ${target} service`);
  out.line(out.style(`${flags.dryRun ? 'Would remove' : 'Removing'} the converge agent ${serviceKind(target)}${root !== '/' ? ` under ${root}` : ''}:`, 'bold'));
  await runSteps(uninstallSteps(target), { os: target, runner: createRunner(target), dryRun: Boolean(flags.dryRun), root, say: (l) => out.line(`  ${l}`) });
  if (!flags.dryRun) out.line('converge agent service removed (its config, state and the agent files stay)');
  return 0;
}

/** When the bootstrap's deploy key sits beside the config, the service's git uses it. */
function withDeployKey(target: OS, c: AgentCommand, root: string): AgentCommand {
  const win = target === 'windows';
  const dir = win ? c.config.replace(/[\\/][^\\/]*$/, '') : path.posix.dirname(c.config);
  const paths = hostPaths(target);
  const key = `${dir}${win ? '\\' : '/'}deploy_key`;
  const local = root === '/' ? key : paths.toLocal(paths.normalize(key), root);
  return existsSync(local) ? { ...c, env: { ...c.env, ...deployKeyEnv(dir, win ? '\\' : '/') } } : c;
}

function serviceKind(target: OS): string {
  return target === 'linux' ? 'systemd service (converge-agent.service)' : target === 'macos' ? 'LaunchDaemon (dev.converge.agent)' : 'Windows service (converge-agent, hosted by WinSW)';
}

/** A real install needs a valid config (the service would only crash-loop without one). */
function checkConfig(target: OS, config: string, root: string, dryRun: boolean): void {
  if (dryRun) return;
  const paths = hostPaths(target);
  const local = root === '/' ? config : paths.toLocal(paths.normalize(config), root);
  if (!existsSync(local)) throw new ConvergeError('not-found', `no agent config at ${config}${local !== config ? ` (${local} under --root)` : ''}: write it first (the bootstrap scripts do), or pass --config FILE`);
  loadConfig(local);
}

/** Fetch the pinned WinSW and check it before anything uses it. */
async function downloadWinsw(out: Printer): Promise<string> {
  out.line(`  downloading WinSW ${WINSW.version} from ${WINSW.url}`);
  const response = await fetch(WINSW.url);
  if (!response.ok) throw new ConvergeError('transient', `download of ${WINSW.url} failed: HTTP ${response.status}; pass --winsw FILE for an offline install`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== WINSW.sha256) throw new ConvergeError('rejected', `WinSW download has SHA256 ${sum}, not the pinned ${WINSW.sha256}; not installing it`);
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'converge-winsw-')), 'WinSW-x64.exe');
  await writeFile(file, bytes);
  return file;
}
