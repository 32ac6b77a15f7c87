// converge plan: what would change, as diffs. Exit 0 in sync, 2 with changes.
import { prepareHostRun } from './host-run.js';
import type { HostRunFlags } from './host-run.js';
import { runHost } from '../engine/run-host.js';
import { Printer } from './output.js';
import { planLines, summaryText } from '../report/format.js';

export async function planCommand(flags: HostRunFlags): Promise<number> {
  const run = await prepareHostRun(flags);
  const { report } = await runHost(run.loaded, run.base, { mode: 'plan', commit: run.commit });
  const out = new Printer();
  if (flags.json) {
    out.line(JSON.stringify(report, null, 2));
  } else {
    const where = run.base.sandboxed ? ` under ${run.base.root}` : '';
    out.line(out.style(`Plan for ${report.host} (${run.loaded.host.os})${where}: ${report.summary.total} resources`, 'bold'));
    for (const line of planLines(report, out.style.bind(out))) out.line(line);
    out.line(`Plan: ${summaryText(report.summary, 'plan')}.`);
  }
  const s = report.summary;
  return s.failed > 0 ? 1 : s.pending > 0 ? 2 : 0;
}
