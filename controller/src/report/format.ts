// Reports for people: the plan as diffs, apply results as one line per change,
// a summary line. Used by the CLI and by STATUS.md on the status branch.
import type { Change } from '../resources/types.js';
import type { Report, ResourceReport, RunSummary } from './report.js';
import { describeChange } from './changes.js';

export type Stylist = (text: string, ...styles: ('red' | 'green' | 'yellow' | 'cyan' | 'gray' | 'bold' | 'dim')[]) => string;
const plain: Stylist = (t) => t;

/** `+` to create, `-` to remove, `~` to modify. */
export function symbolOf(r: ResourceReport): string {
  const ensure = r.changes?.find((c) => c.property === 'ensure' || c.property === 'type');
  if (ensure?.property === 'ensure' && ensure.from == null) return '+';
  if (ensure && (ensure.to === null || String(ensure.to).startsWith('absent'))) return '-';
  return '~';
}

/** The lines of one change, indented: attribute lines, then a diff. */
export function changeLines(change: Change, style: Stylist = plain): string[] {
  if (change.property === 'content' && change.diff && !change.secret) {
    const out = [`content: ${change.from ? 'changed' : 'new'}`];
    for (const line of change.diff.split('\n')) {
      const colour = line.startsWith('+') && !line.startsWith('+++') ? 'green' : line.startsWith('-') && !line.startsWith('---') ? 'red' : line.startsWith('@@') ? 'cyan' : undefined;
      out.push(colour ? style(line, colour) : line);
    }
    return out;
  }
  return [describeChange(change)];
}

/** The plan of a report, resource by resource. */
export function planLines(report: Report, style: Stylist = plain): string[] {
  const out: string[] = [];
  for (const r of report.resources) {
    if (r.status === 'unchanged') continue;
    if (r.status === 'pending') {
      const sym = symbolOf(r);
      const colour = sym === '+' ? 'green' : sym === '-' ? 'red' : 'yellow';
      out.push(`${style(sym, colour, 'bold')} ${style(r.id, 'bold')}${r.drift ? style('  (drift: changed by hand since the last converge)', 'yellow') : ''}`);
      for (const c of r.changes ?? []) {
        if (sym === '+' && c.property === 'ensure') continue; // the + says it
        for (const l of changeLines(c, style)) out.push(`    ${l}`);
      }
    } else {
      out.push(`${style('!', 'yellow')} ${r.id}: ${r.status}${r.drift ? ' (drift)' : ''}${r.error ? ` (${r.error})` : ''}`);
    }
  }
  return out;
}

/** One line for a finished resource during apply, or null for unchanged. */
export function applyLine(r: ResourceReport, style: Stylist = plain): string | null {
  if (r.status === 'unchanged') return null;
  const colour = r.status === 'changed' || r.status === 'pruned' ? 'green' : r.status === 'failed' ? 'red' : 'yellow';
  const what = r.changes?.length ? r.changes.map(describeChange).join(', ') : '';
  // a skip reason already shown on its change is not repeated
  const repeated = r.status === 'skipped' && r.changes?.some((c) => c.skipped === r.error);
  const detail = [what, repeated ? undefined : r.error].filter(Boolean).join('; ');
  return `${style(r.status.padEnd(9), colour)} ${r.id}${r.drift ? style(r.status === 'changed' ? ' (drift healed)' : ' (drift)', 'yellow') : ''}${detail ? `: ${detail}` : ''}`;
}

/** "3 changed, 1 failed, 10 unchanged". */
export function summaryText(s: RunSummary, mode: 'apply' | 'plan' | 'monitor' = 'apply'): string {
  const parts: string[] = [];
  const add = (n: number, label: string) => n > 0 && parts.push(`${n} ${label}`);
  add(s.pending, 'to change');
  add(s.changed, 'changed');
  add(s.pruned, 'pruned');
  add(s.failed, 'failed');
  add(s.skipped, 'skipped');
  add(s.unchanged, mode === 'apply' ? 'unchanged' : 'in sync');
  if (s.drifted > 0) parts.push(`${s.drifted} drifted`);
  return parts.length ? parts.join(', ') : 'no resources';
}

/** Lines for the health checks of a run and, after a rollback, what it restored. */
export function checkLines(report: Report, style: Stylist = plain): string[] {
  const out: string[] = [];
  for (const c of report.checks ?? []) {
    const colour = c.status === 'passed' ? 'green' : c.status === 'failed' ? 'red' : 'yellow';
    out.push(`${style(`check ${c.status}`.padEnd(13), colour)} ${c.name}${c.message ? `: ${c.message}` : ''}`);
  }
  const rb = report.rollback;
  if (report.result === 'rolledBack' && rb) {
    out.push(style(`rolled back: ${report.failedCheck?.name ?? 'a check'} passed before this converge and fails after it`, 'red', 'bold'));
    out.push(`  restored ${rb.restored.length} path${rb.restored.length === 1 ? '' : 's'}${rb.restored.length ? `: ${rb.restored.slice(0, 8).join(', ')}${rb.restored.length > 8 ? ', …' : ''}` : ''}`);
    if (rb.undone.length) out.push(`  undid: ${rb.undone.join(', ')}`);
    for (const e of rb.errors) out.push(style(`  could not restore: ${e}`, 'red'));
    const after = rb.checksAfter.map((c) => `${c.name} ${c.status}`).join(', ');
    if (after) out.push(`  checks after the rollback: ${after}`);
  }
  return out;
}
