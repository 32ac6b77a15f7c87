// A fleet diff for people at a terminal.
import type { Stylist } from '../report/format.js';
import type { FleetDiff } from './fleet-diff.js';
import { formatDiagnostic } from '../manifest/diagnostics.js';
import { changeText, headline, hostCounts, reachText } from './counts.js';
import { rolloutText } from './rollout-order.js';

const SYMBOL = { add: '+', change: '~', remove: '-' } as const;
const COLOUR = { add: 'green', change: 'yellow', remove: 'red' } as const;

/** The lines of `diff`. */
export function diffLines(diff: FleetDiff, style: Stylist = (t) => t): string[] {
  const out: string[] = [];
  const short = (c: { ref: string; commit: string }) => `${c.commit.slice(0, 7)}${c.ref && !c.commit.startsWith(c.ref) ? ` (${c.ref})` : ''}`;
  out.push(style(`converge diff ${short(diff.base)} → ${short(diff.head)}: ${headline(diff)}`, 'bold'));
  if (diff.rollout?.length) out.push(`${style('rollout', 'cyan')} ${rolloutText(diff.rollout)}`);
  if (diff.reach.length) {
    out.push('');
    for (const r of diff.reach) out.push(`${style('reach', 'cyan')} ${reachText(r)}`);
  }
  for (const h of diff.hosts) {
    out.push('');
    const title = `${h.name}${h.os ? ` (${h.os})` : ''}: ${hostCounts(h)}`;
    out.push(style(title, 'bold', h.status === 'invalid' ? 'red' : h.status === 'added' ? 'green' : h.status === 'removed' ? 'red' : 'yellow'));
    if (h.note) out.push(style(`  ${h.note}`, 'dim'));
    for (const d of h.diagnostics) out.push(style(`  ${formatDiagnostic(d)}`, 'red'));
    for (const r of h.resources) {
      out.push(`  ${style(SYMBOL[r.action], COLOUR[r.action], 'bold')} ${style(r.id, 'bold')}${style(`  ${r.source}`, 'dim')}`);
      for (const c of r.changes) {
        out.push(`      ${changeText(c)}`);
        if (!c.diff || c.secret) continue;
        for (const line of c.diff.split('\n')) {
          const colour = line.startsWith('+') && !line.startsWith('+++') ? 'green' : line.startsWith('-') && !line.startsWith('---') ? 'red' : line.startsWith('@@') ? 'cyan' : undefined;
          out.push(`      ${colour ? style(line, colour) : line}`);
        }
      }
    }
  }
  if (!diff.ok) {
    out.push('');
    out.push(style(`The fleet does not validate at ${diff.head.commit.slice(0, 7)} (${diff.diagnostics.length} problem${diff.diagnostics.length === 1 ? '' : 's'}):`, 'red', 'bold'));
    for (const d of diff.diagnostics) out.push(`  ${formatDiagnostic(d)}`);
  }
  if (diff.unchanged.length) {
    out.push('');
    out.push(style(`unchanged: ${diff.unchanged.join(', ')}`, 'dim'));
  }
  return out;
}
