// Templates as users write them: vars over role defaults, resource vars, native
// values, facts, Ansible filters, includes inside the repository.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { loadHost } from '../../src/manifest/load-host.js';
import { machineFacts } from '../../src/platform/facts.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

function load(files: Record<string, string>, host = 'h') {
  const fleet = createFleet(files);
  const { host: loaded, diagnostics } = loadHost(fleet.dir, host, { facts: machineFacts() });
  if (!loaded) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  return Object.fromEntries(loaded.resources.map((r) => [r.id, r.spec]));
}

describe('templates', () => {
  it('merge role defaults < host vars < resource vars, and render vars that use other vars', () => {
    const specs = load({
      'hosts/h/host.yml': 'os: linux\nroles: [web]\nvars:\n  port: 8080\n  base: /srv\n  app_dir: "{{ vars.base }}/{{ vars.name }}"\n',
      'hosts/_roles/web/web.yml': 'vars:\n  name: shop\n  port: 80\nresources:\n  - file: "{{ vars.app_dir }}/port"\n    content: "{{ vars.port }} {{ vars.name }}\\n"\n  - file: "{{ vars.app_dir }}/other"\n    vars: { name: other }\n    content: "{{ vars.name }}\\n"\n',
    });
    expect(specs['file:/srv/shop/port']).toMatchObject({ content: '8080 shop\n' });
    expect(specs['file:/srv/shop/other']).toMatchObject({ content: 'other\n' });
  });

  it('keeps the type of a value that is one expression, and offers facts and host', () => {
    const specs = load({
      'hosts/h/host.yml': 'os: linux\nvars:\n  secure: true\n  mode: "0600"\n',
      'hosts/h/a.yml': 'resources:\n  - file: /etc/x\n    sensitive: "{{ vars.secure }}"\n    mode: "{{ vars.mode }}"\n    content: "{{ host.name }} {{ host.os }} {{ facts.cpus > 0 }}\\n"\n',
    });
    expect(specs['file:/etc/x']).toMatchObject({ sensitive: true, mode: '0600', content: 'h linux True\n' });
  });

  it('renders Ansible-style .j2 templates unchanged: trim_blocks, default, Ansible filters, includes', () => {
    const specs = load({
      'hosts/h/host.yml': 'os: linux\nvars:\n  users: [ann, bob]\n  enabled: "yes"\n',
      'hosts/h/a.yml': 'resources:\n  - file: /etc/app.conf\n    template: files/app.conf.j2\n',
      'hosts/h/files/app.conf.j2': '{% for u in vars.users %}\nuser {{ u | upper }}\n{% endfor %}\nenabled = {{ vars.enabled | bool }}\nmissing = {{ vars.nope | default("none") }}\n{{ vars.users | to_json }}\n{% include "./part.j2" %}\n',
      'hosts/h/files/part.j2': 'from the include: {{ host.name | regex_replace("h", "H") }}\n',
    });
    expect(specs['file:/etc/app.conf']!.content).toBe('user ANN\nuser BOB\nenabled = True\nmissing = none\n["ann", "bob"]\nfrom the include: H\n');
  });

  it('drops resources whose when: does not hold, without rendering them', () => {
    const specs = load({
      'hosts/h/host.yml': 'os: linux\nvars: { gpu: true }\n',
      'hosts/h/a.yml': 'resources:\n  - file: /etc/mac\n    content: "{{ vars.only_on_mac }}"\n    when: { os: macos }\n  - file: /etc/gpu\n    when: { var: { gpu: true }, host: [h, other] }\n  - file: /etc/nogpu\n    when: { var: { gpu: [false, null] } }\n',
    });
    expect(Object.keys(specs)).toEqual(['file:/etc/gpu']);
  });
});
