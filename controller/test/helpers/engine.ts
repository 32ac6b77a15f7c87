// Run the engine in-process on a real fleet repository and a real temp root.
import path from 'node:path';
import { loadHost } from '../../src/manifest/load-host.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';
import { createBaseContext } from '../../src/engine/context.js';
import { runHost } from '../../src/engine/run-host.js';
import type { RunMode } from '../../src/engine/converge.js';
import type { RunScope } from '../../src/engine/scope.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { Report } from '../../src/report/report.js';

/** Load `host` from `repo` (throwing with the diagnostics if it does not validate) and converge it under `root`. */
export async function runOnce(repo: string, host: string, root: string, mode: RunMode = 'apply', extra: { signal?: AbortSignal; scope?: RunScope } = {}): Promise<Report> {
  const { host: loaded, diagnostics } = loadHost(repo, host);
  if (!loaded) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  const base = createBaseContext(loaded, { root, stateDir: path.join(root, 'var/lib/converge'), log: silentLogger() });
  const { report } = await runHost(loaded, base, { mode, signal: extra.signal, scope: extra.scope });
  return report;
}

/** The report entry of one resource. */
export function entry(report: Report, id: string) {
  const found = report.resources.find((r) => r.id === id);
  if (!found) throw new Error(`no ${id} in the report: ${report.resources.map((r) => r.id).join(', ')}`);
  return found;
}
