// Run the real engine on a host of a fleet repository with a given runner,
// as if on that host's own machine (sandboxed: false, so providers talk to
// the service manager through the runner), with every file placed under a
// temp root. For Windows and macOS providers with a FAKE runner
// (helpers/fake-runner.ts): nothing of this machine is touched.
import { loadHost } from '../../src/manifest/load-host.js';
import { createBaseContext } from '../../src/engine/context.js';
import { converge } from '../../src/engine/converge.js';
import type { RunMode } from '../../src/engine/converge.js';
import type { Report } from '../../src/report/report.js';
import type { Runner } from '../../src/platform/runner.js';
import { silentLogger } from '../../src/platform/logger.js';
import { placeholderFacts } from '../../src/platform/facts.js';
import path from 'node:path';

export interface EngineRun {
  report: Report;
  /** Every change line of the report, "id: property from → to [skipped: …]". */
  lines: string[];
}

/** Converge (or plan) `host` of `repo` once, files under `root`, programs through `runner`. */
export async function engineRun(repo: string, host: string, root: string, runner: Runner, mode: RunMode = 'apply', options: { sandboxed?: boolean } = {}): Promise<EngineRun> {
  const { host: loaded, diagnostics } = loadHost(repo, host, { facts: placeholderFacts(host, runner.os) });
  if (!loaded) throw new Error(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('\n'));
  const base = createBaseContext(loaded, { root, stateDir: path.join(root, '.state'), log: silentLogger(), runner });
  const { report } = await converge(loaded, { ...base, sandboxed: options.sandboxed ?? false }, { mode });
  const lines = report.resources.flatMap((r) =>
    (r.changes ?? []).map((c) => `${r.id}: ${c.property} ${c.from ?? '∅'} → ${c.to ?? '∅'}${c.skipped ? ` [skipped]` : ''}`).concat(r.error ? [`${r.id}: ${r.status}: ${r.error}`] : []),
  );
  return { report, lines };
}
