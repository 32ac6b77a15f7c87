// `loop:` on a resource: one resource per item, with item / loop_var /
// index_var bound, ids unique after expansion (the error at the loop), and a
// looped set applied for real under --root.
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { loadHost } from '../../src/manifest/load-host.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

const HOST = 'os: linux\nvars:\n  user: mike\n  shares: [flux, space, time]\n  flux: /flux\n  space: /space\n  time: /time\n';

function load(resources: string, host = HOST) {
  const fleet = createFleet({ 'hosts/web/host.yml': host, 'hosts/web/a.yml': `resources:\n${resources}` });
  const { host: loaded, diagnostics } = loadHost(fleet.dir, 'web');
  return { loaded, errors: diagnostics.map(formatDiagnostic) };
}

function ids(resources: string, host = HOST): string[] {
  const { loaded, errors } = load(resources, host);
  expect(errors).toEqual([]);
  return loaded!.resources.map((r) => r.id).sort();
}

describe('loop: expands one entry into a resource per item', () => {
  it('binds item to each element of a YAML list, as a bare name and as vars.item', () => {
    const { loaded, errors } = load('  - file: "/etc/{{ item }}.conf"\n    content: "{{ vars.item }}\\n"\n    loop: [a, b]\n');
    expect(errors).toEqual([]);
    expect(loaded!.resources.map((r) => [r.id, r.spec.content])).toEqual([
      ['file:/etc/a.conf', 'a\n'],
      ['file:/etc/b.conf', 'b\n'],
    ]);
  });

  it('loops over an expression giving a list from vars, with loop_var and index_var', () => {
    const { loaded, errors } = load(
      '  - file: "/srv/{{ share }}.txt"\n    content: "{{ i }} {{ vars[share] }}\\n"\n    loop: "{{ shares }}"\n    loop_control: { loop_var: share, index_var: i }\n',
    );
    expect(errors).toEqual([]);
    expect(loaded!.resources.map((r) => `${r.id}=${String(r.spec.content).trim()}`)).toEqual(['file:/srv/flux.txt=0 /flux', 'file:/srv/space.txt=1 /space', 'file:/srv/time.txt=2 /time']);
  });

  it('binds mappings, so item.field reads a field, and a resource vars: may use the item', () => {
    const list = '    loop:\n      - { name: a, mode: "0600" }\n      - { name: b, mode: "0644" }\n';
    const { loaded, errors } = load(`  - file: "/etc/{{ path }}"\n    mode: "{{ item.mode }}"\n    vars: { path: "{{ item.name }}.conf" }\n${list}`);
    expect(errors).toEqual([]);
    expect(loaded!.resources.map((r) => [r.id, r.spec.mode])).toEqual([
      ['file:/etc/a.conf', '0600'],
      ['file:/etc/b.conf', '0644'],
    ]);
  });

  it('makes nothing for an empty list', () => {
    expect(ids('  - directory: "/d/{{ item }}"\n    loop: []\n  - directory: /kept\n')).toEqual(['directory:/kept']);
  });

  it('evaluates when: per item, with the item bound as a var', () => {
    expect(ids('  - directory: "/d/{{ share }}"\n    loop: "{{ shares }}"\n    loop_control: { loop_var: share }\n    when: { var: { share: [flux, time] } }\n')).toEqual(['directory:/d/flux', 'directory:/d/time']);
  });

  it('does not render the loop on a host that when: { os } leaves out', () => {
    expect(ids('  - directory: "/d/{{ item }}"\n    loop: "{{ windows_drives }}"\n    when: { os: windows }\n  - directory: /kept\n')).toEqual(['directory:/kept']);
  });

  it('lets requires and notify name an expanded id, and expanded resources require others', () => {
    const { loaded, errors } = load(
      [
        '  - directory: "/srv/{{ item }}"',
        '    loop: "{{ shares }}"',
        '  - file: "/srv/{{ item }}/README"',
        '    content: "{{ item }}\\n"',
        '    requires: ["directory:/srv/{{ item }}"]',
        '    notify: [service:smbd]',
        '    loop: "{{ shares }}"',
        '  - service: smbd',
        '    requires: [directory:/srv/space]',
        '',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
    const order = loaded!.resources.map((r) => r.id);
    for (const s of ['flux', 'space', 'time']) expect(order.indexOf(`directory:/srv/${s}`)).toBeLessThan(order.indexOf(`file:/srv/${s}/README`));
    expect(order.indexOf('service:smbd')).toBeGreaterThan(order.indexOf('file:/srv/time/README'));
    expect(loaded!.resources.find((r) => r.id === 'file:/srv/flux/README')!.requires).toEqual(['directory:/srv/flux']);
  });
});

describe('loop: errors are at the loop', () => {
  it('names the two items that make the same id, at loop:', () => {
    const { errors } = load('  - directory: "/d/{{ item.name }}"\n    loop:\n      - { name: a, n: 1 }\n      - { name: b }\n      - { name: a, n: 3 }\n');
    expect(errors).toEqual(['hosts/web/a.yml:3:5: loop: items #0 {"name":"a","n":1} and #2 {"name":"a","n":3} both make directory:/d/a; ids are unique per host: put the item in the title']);
  });

  it('says which item collides with a resource declared elsewhere', () => {
    const { errors } = load('  - directory: /d/b\n  - directory: "/d/{{ item }}"\n    loop: [a, b]\n');
    expect(errors).toEqual(['hosts/web/a.yml:4:5: loop: item #1 "b" makes directory:/d/b, already declared at hosts/web/a.yml:2:5; ids are unique per host: put the item in the title']);
  });

  it('refuses a loop that is not a list: a string, a mapping, an expression giving a mapping', () => {
    expect(load('  - directory: "/d/{{ item }}"\n    loop: flux\n').errors).toEqual(['hosts/web/a.yml:3:11: loop must be a list, or an expression giving one; found the string "flux"']);
    expect(load('  - directory: "/d/{{ item }}"\n    loop: { a: 1 }\n').errors).toEqual([
      'hosts/web/a.yml:3:11: loop must be a list, or an expression giving one; found a mapping (for a mapping, loop over "{{ m | dict2items }}")',
    ]);
    const host = `${HOST}  disks: { a: 1 }\n`;
    expect(load('  - directory: "/d/{{ item }}"\n    loop: "{{ disks }}"\n', host).errors).toEqual([
      'hosts/web/a.yml:3:11: loop must be a list, or an expression giving one; found a mapping ("{{ disks }}" gave a mapping) (for a mapping, loop over "{{ m | dict2items }}")',
    ]);
  });

  it('reports an undefined name in the loop expression at it', () => {
    const { errors } = load('  - directory: "/d/{{ item }}"\n    loop: "{{ nope }}"\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hosts\/web\/a\.yml:3:1\d: template: .*nope/);
  });

  it('says which items a broken field fails for, once', () => {
    const { errors } = load('  - file: "/etc/{{ item }}"\n    mode: "{{ item }}"\n    loop: ["0644", x]\n');
    expect(errors).toEqual([expect.stringMatching(/^hosts\/web\/a\.yml:3:11: mode "x": .*\(loop item #1 "x"\)$/)]);
  });

  it('says a problem every item has once, for every item', () => {
    const { errors } = load('  - file: "/etc/{{ item }}"\n    mode: "0999"\n    loop: [a, b, c]\n');
    expect(errors).toEqual([expect.stringMatching(/^hosts\/web\/a\.yml:3:11: mode "0999": .*\(every loop item\)$/)]);
  });

  it('checks loop_control and refuses it without a loop', () => {
    expect(load('  - directory: "/d/{{ x }}"\n    loop: [a]\n    loop_control: { loop_var: host }\n').errors).toEqual([
      expect.stringMatching(/^hosts\/web\/a\.yml:4:31: .*host, vars and facts are taken/),
    ]);
    expect(load('  - directory: "/d/{{ x }}"\n    loop: [a]\n    loop_control: { label: x }\n').errors).toEqual([expect.stringMatching(/^hosts\/web\/a\.yml:4:.*label/)]);
    expect(load('  - directory: /d\n    loop_control: { loop_var: x }\n').errors).toEqual(['hosts/web/a.yml:3:5: loop_control without loop: add loop: (a list, or an expression giving one)']);
  });
});

describe('converge apply --root of a looped resource set', () => {
  it('writes one directory and one file per item, and a second apply changes nothing', () => {
    const root = tempDir();
    const fleet = createFleet({
      'hosts/box/host.yml': HOST,
      'hosts/box/shares.yml': [
        'resources:',
        '  - directory: "{{ vars[share] }}"',
        '    mode: "0750"',
        '    loop: "{{ shares }}"',
        '    loop_control: { loop_var: share }',
        '  - file: "{{ vars[item] }}/README"',
        '    content: "share {{ i }}: {{ item }}\\n"',
        '    requires: ["directory:{{ vars[item] }}"]',
        '    loop: "{{ shares }}"',
        '    loop_control: { index_var: i }',
        '',
      ].join('\n'),
    });
    const args = ['--repo', fleet.dir, '--host', 'box', '--root', root];
    const first = converge(['apply', ...args]);
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    ['flux', 'space', 'time'].forEach((s, i) => {
      expect(statSync(path.join(root, s)).mode & 0o777).toBe(0o750);
      expect(readFileSync(path.join(root, s, 'README'), 'utf8')).toBe(`share ${i}: ${s}\n`);
    });
    const again = converge(['apply', '--detailed-exitcode', ...args]);
    expect(again.exitCode, again.stdout).toBe(0);
  });
});
