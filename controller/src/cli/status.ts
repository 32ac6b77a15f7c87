// converge status: the fleet, read from the status branch. One line per host
// (whether the report is verified as the host's own, last seen, applied
// commit and how far behind, result), then what drifted or failed. Hosts that
// have not reported for too long are flagged stale. Everything shown comes
// from the branch, so it is escaped before it reaches the terminal.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { loadConfig, defaultConfigPath } from '../agent/config.js';
import { durationToMs } from '../platform/duration-ms.js';
import { readFleetStatus } from '../report/status-read.js';
import type { FleetStatus, HostStatus } from '../report/status-read.js';
import { findRepo } from '../source/git-head.js';
import { gitAt } from '../source/git.js';
import { ConvergeError } from '../platform/errors.js';
import { Printer } from './output.js';
import { printable, printableJson } from './printable.js';

export interface StatusFlags {
  config?: string;
  repo?: string;
  branch?: string;
  statusBranch?: string;
  staleAfter?: string;
  json?: boolean;
}

export async function statusCommand(flags: StatusFlags): Promise<number> {
  const where = await resolveSource(flags);
  let staleAfterMs: number | undefined;
  if (flags.staleAfter) {
    try {
      staleAfterMs = durationToMs(flags.staleAfter);
    } catch {
      throw new ConvergeError('invalid-input', `--stale-after must be a duration like 30m, 2h or 2d (got ${flags.staleAfter})`);
    }
  }
  const fleet = await readFleetStatus({ ...where, staleAfterMs });
  const out = new Printer();
  if (flags.json) {
    out.line(printableJson(fleet));
    return 0;
  }
  for (const line of fleetLines(fleet, out.style.bind(out))) out.line(line);
  return 0;
}

/** Where the branches are: --repo, else --config, else the default config if present, else the repository around the working directory. */
export async function resolveSource(flags: Omit<StatusFlags, 'staleAfter'>): Promise<{ url: string; branch: string; statusUrl?: string; statusBranch: string }> {
  const configFile = flags.config ?? (!flags.repo && existsSync(defaultConfigPath()) ? defaultConfigPath() : undefined);
  if (configFile && !flags.repo) {
    const c = loadConfig(configFile);
    return { url: c.repo, branch: flags.branch ?? c.branch, statusUrl: c.statusRepo, statusBranch: flags.statusBranch ?? c.statusBranch };
  }
  const branch = flags.branch ?? 'main';
  const statusBranch = flags.statusBranch ?? 'status';
  if (flags.repo && /^[a-z][a-z0-9+.-]*:\/\//i.test(flags.repo)) return { url: flags.repo, branch, statusBranch };
  const dir = flags.repo ? path.resolve(flags.repo) : findRepo(process.cwd());
  if (!dir) throw new ConvergeError('invalid-input', 'which fleet? pass --config FILE or --repo DIR|URL (no repository around the working directory)');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new ConvergeError('not-found', `--repo ${flags.repo}: no such directory (pass a clone of the fleet repository, or its URL)`);
  // A clone reads its origin, as `git fetch` would; a repository without one is read directly.
  const origin = (await gitAt(dir).raw(['config', '--get', 'remote.origin.url']).catch(() => '')).trim();
  return { url: origin || dir, branch, statusBranch };
}

type Style = (text: string, ...styles: ('red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'dim')[]) => string;

/** The human view of the fleet. */
export function fleetLines(fleet: FleetStatus, style: Style, now = new Date()): string[] {
  const out: string[] = [];
  const head = fleet.head ? fleet.head.slice(0, 7) : '(unknown)';
  out.push(style(printable(`${fleet.repo}: ${fleet.branch} at ${head}, ${fleet.statusBranch} at ${fleet.statusHead ? fleet.statusHead.slice(0, 7) : '(no reports yet)'}; ${fleet.hosts.length} host${fleet.hosts.length === 1 ? '' : 's'}${unverifiedCount(fleet)}`), 'bold'));
  if (fleet.hosts.length === 0) return out;
  const rows = fleet.hosts.map((h) =>
    [
      h.host,
      h.verified ? 'verified' : 'UNVERIFIED',
      h.lastSeen ? `${ago(h.lastSeen, now)}${h.stale ? ' STALE' : ''}` : '-',
      h.applied ? h.applied.slice(0, 7) : '-',
      h.behind === null ? '?' : String(h.behind),
      h.result,
      h.event,
    ].map(printable),
  );
  const header = ['HOST', 'REPORT', 'LAST SEEN', 'APPLIED', 'BEHIND', 'RESULT', 'LAST EVENT'];
  const widths = header.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i]!.length)));
  const pad = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  out.push('');
  out.push(style(pad(header), 'dim'));
  fleet.hosts.forEach((h, i) => {
    const line = pad(rows[i]!);
    out.push(!h.verified || h.stale || h.result === 'failed' || h.result === 'rejected' || h.result === 'rolledBack' ? style(line, 'red') : h.result === 'drifted' ? style(line, 'yellow') : line);
  });
  const details = fleet.hosts.flatMap((h) => detailLines(h).map(printable));
  if (details.length) out.push('', ...details);
  return out;
}

function unverifiedCount(fleet: FleetStatus): string {
  const n = fleet.hosts.filter((h) => !h.verified).length;
  if (fleet.hosts.length === 0) return '';
  return n === 0 ? ', all reports verified' : `, ${n} unverified`;
}

function detailLines(h: HostStatus): string[] {
  const out: string[] = [];
  if (!h.verified) out.push(`${h.host}: unverified — ${h.reason ?? 'unknown reason'}; not taken as ${h.host}'s own report`);
  if (h.stale && h.lastSeen) out.push(`${h.host}: stale — not seen for ${ago(h.lastSeen, new Date()).replace(' ago', '')} (expected within ${human(h.staleAfterMs)})`);
  for (const id of h.drifted) out.push(`${h.host}: drifted  ${id}`);
  for (const f of h.failed) out.push(`${h.host}: failed   ${f.id}${f.error ? `: ${f.error}` : ''}`);
  if (h.failed.length === 0) for (const e of h.errors.slice(0, 5)) out.push(`${h.host}: error    ${e}`);
  return out;
}

function ago(iso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(iso);
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms < 0) return 'just now';
  return `${human(ms)} ago`;
}

function human(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}
