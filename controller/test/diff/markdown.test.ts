// The PR comment stays within GitHub's 65536 characters however large the
// change, says what it left out and how to see it, and cannot be broken by
// backticks or HTML in file content or messages.
import { describe, expect, it } from 'vitest';
import { COMMENT_MARKER, diffMarkdown } from '../../src/fleet-diff/render-markdown.js';
import type { FleetDiff, HostDiff } from '../../src/fleet-diff/fleet-diff.js';
import { unifiedDiff } from '../../src/resources/shared/content-diff.js';

function fleetDiff(hosts: HostDiff[], extra: Partial<FleetDiff> = {}): FleetDiff {
  return {
    base: { ref: 'HEAD^1', commit: 'a'.repeat(40) },
    head: { ref: 'HEAD', commit: 'b'.repeat(40) },
    ok: true, diagnostics: [], hosts, unchanged: [], reach: [], files: [], ...extra,
  };
}

function host(name: string, lines: number): HostDiff {
  const before = Array.from({ length: lines }, (_, i) => `line ${i}`).join('\n');
  const after = Array.from({ length: lines }, (_, i) => `line ${i} changed on ${name}`).join('\n');
  return {
    name, os: 'linux', status: 'changed', diagnostics: [],
    resources: [{ id: `file:/etc/${name}.conf`, action: 'change', source: `hosts/${name}/a.yml:2:5`, changes: [{ property: 'content', from: 'x', to: 'y', diff: unifiedDiff(`/etc/${name}.conf`, before, after) }] }],
  };
}

describe('the diff comment', () => {
  it('shows content diffs when they fit', () => {
    const text = diffMarkdown(fleetDiff([host('motoko', 5)]), 'npx converge diff --base a --head b');
    expect(text.startsWith(COMMENT_MARKER)).toBe(true);
    expect(text).toContain('```diff\n--- /etc/motoko.conf');
    expect(text).toContain('+line 4 changed on motoko');
    expect(text).toContain('<details open><summary><b>motoko</b> (linux): 1 to change</summary>');
  });

  it('leaves diffs out, then details, to stay under GitHub\'s limit, and says how to see them', () => {
    const many = Array.from({ length: 40 }, (_, i) => host(`host-${i}`, 150));
    const text = diffMarkdown(fleetDiff(many), 'npx converge diff --base aaaaaaa --head bbbbbbb');
    expect(text.length).toBeLessThanOrEqual(65536);
    expect(text).toContain('_Content diffs left out: too long for a comment. See them with `npx converge diff --base aaaaaaa --head bbbbbbb`._');
    expect(text).toContain('file:/etc/host-39.conf');

    const huge = Array.from({ length: 2000 }, (_, i) => ({ ...host(`h${i}`, 1), resources: Array.from({ length: 5 }, (_, j) => ({ id: `file:/etc/${i}/${j}.conf`, action: 'add' as const, source: 'x:1:1', changes: [] })) }));
    const summary = diffMarkdown(fleetDiff(huge), 'cmd');
    expect(summary.length).toBeLessThanOrEqual(65536);
    expect(summary).toContain('Resource details left out');
  });

  it('fences content that contains backticks and escapes HTML in messages', () => {
    const d = host('motoko', 1);
    d.resources[0]!.changes[0]!.diff = unifiedDiff('/etc/x.md', 'a\n', '```sh\necho </details>\n```\n');
    const text = diffMarkdown(fleetDiff([d], { ok: false, diagnostics: [{ file: 'hosts/x/a.yml', line: 1, column: 1, message: 'unknown key <script>' }] }), 'cmd');
    expect(text).toContain('````diff');
    expect(text).toContain('+```sh');
    expect(text).toContain('unknown key &lt;script&gt;');
  });

  it('keeps a resource id and PR text inside their code spans and plain text: no links, no mentions (finding 14)', () => {
    const id = 'file:/etc/a`` **[Approved by security team](https://evil.example/)** @octocat ``';
    const d = host('motoko', 2);
    d.resources[0] = { ...d.resources[0]!, id, action: 'add', changes: [] };
    d.diagnostics = [{ file: 'hosts/motoko/`x`.yml', line: 1, column: 1, message: 'bad [click](https://evil.example/) @octocat www.evil.example', severity: 'error' } as never];
    const text = diffMarkdown(fleetDiff([d]), 'npx converge diff --base a --head b');
    const line = text.split('\n').find((l) => l.includes('/etc/a'))!;
    // The longest run of backticks in the id is 2: a fence of 3 holds all of it.
    expect(line.endsWith(`\`\`\` ${id} \`\`\``)).toBe(true);
    const diagnostic = text.split('\n').find((l) => l.includes('click'))!;
    expect(diagnostic).toContain('bad \\[click\\]\\(https&#58;//evil.example/\\) &#64;octocat www&#46;evil.example');
    expect(diagnostic).toContain('`` hosts/motoko/`x`.yml:1:1 ``');
  });
});
