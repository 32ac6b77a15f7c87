// state/<host>/STATUS.md: the status document for people, as GitHub shows it
// on the status branch. Same facts as status.json; diffs as diff blocks.
import type { StatusDocument } from './status-document.js';
import type { ResourceReport } from './report.js';
import { changeLines, summaryText } from './format.js';
import { describeChange } from './changes.js';

const SECTIONS: { title: string; pick(r: ResourceReport): boolean }[] = [
  { title: 'Failed', pick: (r) => r.status === 'failed' },
  { title: 'Drift', pick: (r) => Boolean(r.drift) },
  { title: 'Changed', pick: (r) => (r.status === 'changed' || r.status === 'pruned') && !r.drift },
  { title: 'Not changed (would change)', pick: (r) => r.status === 'pending' && !r.drift },
  { title: 'Skipped', pick: (r) => r.status === 'skipped' },
  { title: 'No longer managed', pick: (r) => r.status === 'unmanaged' },
];

/** The markdown page of a status document. */
export function statusMarkdown(doc: StatusDocument): string {
  const out: string[] = [];
  out.push(`# ${doc.host}: ${doc.result}`, '');
  out.push(`> ${doc.event}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| result | **${doc.result}** |`);
  out.push(`| in force | ${doc.applied ? `\`${doc.applied.slice(0, 12)}\`` : 'nothing applied yet'} (branch \`${doc.branch}\`) |`);
  if (doc.commit && doc.commit !== doc.applied) out.push(`| this run was about | \`${doc.commit.slice(0, 12)}\` |`);
  if (doc.rollout) out.push(`| ${doc.result} | ${escape(doc.rollout.reason)}${doc.rollout.opensAt ? ` (opens ${doc.rollout.opensAt})` : ''} |`);
  if (doc.signer) out.push(`| signed by | ${escape(doc.signer)} |`);
  out.push(`| run | ${doc.reason}, ${doc.mode}, ${doc.startedAt} (${(doc.durationMs / 1000).toFixed(1)} s) |`);
  out.push(`| resources | ${summaryText(doc.summary, doc.mode)} |`);
  out.push(`| agent | converge ${doc.agentVersion}, ${doc.agent.mode}, selfHeal ${doc.agent.selfHeal ? 'on' : 'off'}, poll ${doc.agent.poll}, interval ${doc.agent.interval} |`);
  out.push('');
  if (doc.errors.length) {
    out.push('## Errors', '');
    for (const e of doc.errors) out.push(`- ${escape(e)}`);
    out.push('');
  }
  if (doc.notices?.length) {
    out.push('## Notices', '');
    for (const n of doc.notices) out.push(`- ${escape(n)}`);
    out.push('');
  }
  for (const section of SECTIONS) {
    const list = doc.resources.filter(section.pick);
    if (!list.length) continue;
    out.push(`## ${section.title}`, '');
    for (const r of list) out.push(...resourceLines(r));
  }
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

function resourceLines(r: ResourceReport): string[] {
  const lines: string[] = [];
  const where = r.source ? ` (${r.source})` : '';
  const summary = (r.changes ?? []).filter((c) => !c.diff || c.secret).map(describeChange);
  const detail = [...summary, r.error].filter(Boolean).join('; ');
  lines.push(`- \`${r.id}\`${where}${detail ? `: ${escape(detail)}` : ''}`);
  for (const c of r.changes ?? []) {
    if (!c.diff || c.secret) continue;
    const diff = changeLines(c).slice(1);
    lines.push('', '  ```diff', ...diff.map((l) => `  ${l.replace(/```/g, '` ` `')}`), '  ```');
  }
  lines.push('');
  return lines;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
