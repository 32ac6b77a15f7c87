// converge validate: every host (or one) loaded and checked. Exit 1 on any error.
import { resolveRepo } from './host-run.js';
import { validateFleet } from '../manifest/fleet.js';
import { formatDiagnostic } from '../manifest/diagnostics.js';
import { Printer } from './output.js';
import process from 'node:process';

export interface ValidateFlags {
  repo?: string;
  host?: string;
  json?: boolean;
}

export async function validateCommand(flags: ValidateFlags): Promise<number> {
  const repo = resolveRepo(flags.repo);
  const result = validateFleet(repo, flags.host);
  const ok = result.diagnostics.length === 0;
  const out = new Printer();
  if (flags.json) {
    out.line(JSON.stringify({
      ok,
      hosts: result.hosts.map((h) => ({ name: h.name, valid: h.loaded !== null, os: h.loaded?.host.os, resources: h.loaded?.resources.length ?? 0 })),
      diagnostics: result.diagnostics,
    }, null, 2));
    return ok ? 0 : 1;
  }
  const err = new Printer(process.stderr);
  for (const d of result.diagnostics) err.line(formatDiagnostic(d));
  const bad = result.hosts.filter((h) => !h.loaded).map((h) => h.name);
  if (ok) {
    const n = result.hosts.reduce((sum, h) => sum + (h.loaded?.resources.length ?? 0), 0);
    out.line(out.style(`${result.hosts.length} host${result.hosts.length === 1 ? '' : 's'} valid (${n} resource${n === 1 ? '' : 's'}): ${result.hosts.map((h) => h.name).join(', ')}`, 'green'));
  } else {
    const count = result.diagnostics.length;
    err.line(err.style(`${count} error${count === 1 ? '' : 's'}${bad.length ? ` (invalid hosts: ${bad.join(', ')})` : ''}`, 'red'));
  }
  return ok ? 0 : 1;
}
