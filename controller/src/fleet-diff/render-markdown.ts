// A fleet diff as a pull-request comment: a headline, the reach of role and
// secrets-map changes, one folded section per host with content diffs, and
// the problems at head. Kept under GitHub's comment size.
import type { FleetDiff, HostDiff } from './fleet-diff.js';
import { formatLocation } from '../manifest/diagnostics.js';
import { changeText, headline, hostCounts, reachText } from './counts.js';
import { rolloutText } from './rollout-order.js';

/** The hidden line that finds the comment again on the next push. */
export const COMMENT_MARKER = '<!-- converge-diff -->';
/** GitHub refuses comments over 65536 characters; keep a margin. */
const LIMIT = 60_000;

const SYMBOL = { add: '➕', change: '✏️', remove: '➖' } as const;

/** The comment body. `command` is how to see the whole diff locally when it had to be shortened. */
export function diffMarkdown(diff: FleetDiff, command: string): string {
  for (const mode of ['full', 'no-diffs', 'summary'] as const) {
    const text = render(diff, mode, command);
    if (text.length <= LIMIT || mode === 'summary') return text.length <= LIMIT ? text : `${text.slice(0, LIMIT)}\n\n…(cut)\n`;
  }
  return '';
}

function render(diff: FleetDiff, mode: 'full' | 'no-diffs' | 'summary', command: string): string {
  const out: string[] = [COMMENT_MARKER];
  const ref = (c: { ref: string; commit: string }) => `\`${c.commit.slice(0, 7)}\`${c.ref && !c.commit.startsWith(c.ref) ? ` (${escape(c.ref)})` : ''}`;
  out.push(`### converge diff: ${headline(diff)}`);
  out.push(`${ref(diff.base)} → ${ref(diff.head)}${diff.unchanged.length ? ` · unchanged: ${diff.unchanged.join(', ')}` : ''}`);
  if (!diff.ok) {
    out.push('');
    out.push('> [!CAUTION]');
    out.push(`> **The fleet does not validate at \`${diff.head.commit.slice(0, 7)}\`**: hosts with problems converge nothing from this commit until they are fixed.`);
    for (const d of diff.diagnostics) out.push(`> - ${code(formatLocation(d))}: ${escape(d.message)}`);
  }
  if (diff.rollout?.length) out.push('', `**Rollout order**: ${rolloutText(diff.rollout)}`);
  if (diff.reach.length) {
    out.push('');
    out.push('**Reach**');
    for (const r of diff.reach) out.push(`- ${reachText(r, (s) => `\`${s}\``)}`);
  }
  if (mode !== 'full') {
    out.push('');
    out.push(`_${mode === 'no-diffs' ? 'Content diffs' : 'Resource details'} left out: too long for a comment. See them with \`${command}\`._`);
  }
  for (const h of diff.hosts) {
    out.push('');
    out.push(...hostSection(h, mode, diff.hosts.length <= 3));
  }
  if (diff.hosts.length === 0 && diff.ok) {
    out.push('');
    out.push('No host\'s desired state changes.');
  }
  return out.join('\n') + '\n';
}

function hostSection(h: HostDiff, mode: 'full' | 'no-diffs' | 'summary', open: boolean): string[] {
  const out: string[] = [];
  out.push(`<details${open ? ' open' : ''}><summary><b>${escape(h.name)}</b>${h.os ? ` (${h.os})` : ''}: ${escape(hostCounts(h))}</summary>`);
  out.push('');
  if (h.note) out.push(`_${escape(h.note)}_`, '');
  for (const d of h.diagnostics) out.push(`- ${code(formatLocation(d))}: ${escape(d.message)}`);
  if (h.diagnostics.length) out.push('');
  if (mode !== 'summary') {
    for (const r of h.resources) {
      const plain = r.changes.filter((c) => !c.diff || c.secret).map(changeText);
      const withDiff = r.changes.filter((c) => c.diff && !c.secret);
      const what = [...plain, ...withDiff.map(changeText)].map(escape).join(' · ');
      out.push(`${SYMBOL[r.action]} ${code(r.id)}${what ? ` — ${what}` : ''}`);
      if (mode === 'full') {
        for (const c of withDiff) {
          const fence = fenceFor(c.diff!);
          out.push('', `${fence}diff`, c.diff!, fence);
        }
      }
      out.push('');
    }
  }
  out.push('</details>');
  return out;
}

/** Inline code that `text` (a resource id, a path from the PR) cannot leave: a fence longer than any run of backticks in it, on one line. */
function code(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function fenceFor(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** Text from the PR as plain text in markdown: no HTML, no emphasis, links, images, mentions or autolinks, one line. */
function escape(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()#!|~])/g, '\\$1')
    .replace(/@/g, '&#64;')
    .replace(/:\/\//g, '&#58;//')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}&#46;`);
}
