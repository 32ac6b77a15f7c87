// Python floats where they meet the rest of converge: YAML floats in vars and
// loops print as floats, a YAML 1.2 number that Ansible reads as a string is
// refused at its position, and what leaves the templates (a native field, a
// `when: var:` comparison) is a plain number. Printing itself is compared with
// ansible-core in ansible-fidelity.test.ts.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { loadHost } from '../../src/manifest/load-host.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

function loadFleet(files: Record<string, string>) {
  const fleet = createFleet(files);
  const { host, diagnostics } = loadHost(fleet.dir, 'h');
  return { host, errors: diagnostics.map(formatDiagnostic) };
}

describe('floats in vars and loops', () => {
  it('prints a role default, a host var, a resource var and a loop item written 1.0 as 1.0', () => {
    const { host, errors } = loadFleet({
      'hosts/h/host.yml': 'os: linux\nroles: [web]\nvars:\n  ratio: 1.0\n  nested: { list: [2.0, 3] }\n',
      'hosts/_roles/web/web.yml': 'vars:\n  scale: 0.5e+1\nresources:\n  - file: /etc/x\n    vars: { local: 4.0 }\n    content: "{{ ratio }} {{ nested }} {{ scale }} {{ local }} {{ ratio * 2 }} {{ 1 }}\\n"\n  - file: "/etc/item-{{ item }}"\n    loop: [1.0, 2]\n    content: "{{ item }}\\n"\n',
    });
    expect(errors).toEqual([]);
    const content = Object.fromEntries(host!.resources.map((r) => [r.id, r.spec.content]));
    expect(content['file:/etc/x']).toBe("1.0 {'list': [2.0, 3]} 5.0 4.0 2.0 1\n");
    expect(content['file:/etc/item-1.0']).toBe('1.0\n');
    expect(content['file:/etc/item-2']).toBe('2\n');
  });

  it('hands a plain number to a native field and to when: var:', () => {
    const { host, errors } = loadFleet({
      'hosts/h/host.yml': 'os: linux\nvars:\n  ratio: 1.0\n',
      'hosts/h/a.yml': 'resources:\n  - container: web\n    image: docker.io/library/nginx:1.27\n    env: { RATIO: "{{ ratio }}", HALF: "{{ 1 / 2 }}" }\n  - file: /etc/kept\n    when: { var: { ratio: 1.0 } }\n    content: "kept\\n"\n',
    });
    expect(errors).toEqual([]);
    const env = host!.resources.find((r) => r.type === 'container')!.spec.env as Record<string, unknown>;
    expect(env).toEqual({ RATIO: 1, HALF: 0.5 });
    expect(Object.getPrototypeOf(env.RATIO)).toBe(Number.prototype);
    expect(typeof env.RATIO).toBe('number');
    expect(host!.resources.map((r) => r.id)).toContain('file:/etc/kept');
  });

  it('refuses a var YAML 1.2 reads as a number where Ansible reads a string, at the scalar', () => {
    const { errors } = loadFleet({ 'hosts/h/host.yml': 'os: linux\nvars:\n  ok: 1.0e+3\n  big: 1e3\n' });
    expect(errors).toEqual(["hosts/h/host.yml:4:8: '1e3' is a number in YAML 1.2 but the string '1e3' in Ansible (YAML 1.1): quote it for a string, or write a float with a point and a signed exponent (1.0e+3)"]);
  });
});
