// A role we wrote, converted by `converge import ansible`, validated and
// applied under a --root sandbox: the files, directories, modes and links are
// the ones the role's tasks declare, and each template's bytes are those the
// real ansible-core's template module renders from the same vars (the OS
// vars file, the set_fact default, ansible_managed set to converge's string).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { createFleet } from '../helpers/fleet.js';
import { PROJECT_ROOT, converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const ANSIBLE = runs('ansible-playbook');
const MANAGED = 'Managed by converge: local changes are overwritten';

const ROLE: Record<string, string> = {
  'defaults/main.yml': 'site_port: 8080\nsite_names: [alpha, beta]\nsite_root: /srv/site\nsite_status: true\nsite_mode: 0640\n',
  'vars/Debian.yml': '__site_conf_dir: /etc/site\n',
  'vars/RedHat.yml': '__site_conf_dir: /etc/site.d\n',
  'tasks/main.yml': [
    '- name: OS vars',
    '  include_vars: "{{ ansible_os_family }}.yml"',
    '- name: Default conf dir',
    '  set_fact:',
    '    site_conf_dir: "{{ __site_conf_dir }}"',
    '  when: site_conf_dir is not defined',
    '- name: Conf dir',
    '  file: path={{ site_conf_dir }} state=directory mode=0755',
    '- name: One dir per site',
    '  file:',
    '    path: "{{ site_root }}/{{ item }}"',
    '    state: directory',
    '    mode: "0750"',
    '  loop: "{{ site_names }}"',
    '- name: Config',
    '  ansible.builtin.template:',
    '    src: site-{{ ansible_facts.os_family }}.conf.j2',
    '    dest: "{{ site_conf_dir }}/site.conf"',
    '    mode: "{{ site_mode }}"',
    '- name: Robots',
    '  copy: src=robots.txt dest={{ site_root }}/robots.txt mode=0644',
    '- name: Status flag',
    '  copy:',
    '    content: "on\\n"',
    '    dest: "{{ site_conf_dir }}/status"',
    '  when: site_status | bool',
    '- name: Current',
    '  file: src={{ site_conf_dir }}/site.conf dest={{ site_conf_dir }}/current.conf state=link',
    '- name: Old config gone',
    '  file: path={{ site_conf_dir }}/old.conf state=absent',
    '- name: RedHat only',
    '  copy: content=x dest=/etc/site.d/redhat',
    "  when: ansible_os_family == 'RedHat'",
    '- name: Per-site page',
    '  template: src=page.j2 dest={{ site_root }}/{{ item }}/index.html',
    '  loop: "{{ site_names }}"',
    '',
  ].join('\n'),
  'templates/site-Debian.conf.j2': '# {{ ansible_managed }}\nlisten {{ site_port }}\nroot {{ site_root }}\n{% for n in site_names %}\nserver {{ n }}.example {{ loop.index }};\n{% endfor %}\n{% if site_status %}\nstatus on\n{% endif %}\nconf {{ site_conf_dir }} {{ site_names | join(",") }} {{ site_port * 2 }}\n',
  'templates/site-RedHat.conf.j2': 'not for Debian\n',
  // a handler nothing notifies: Ansible never runs it, so it is no resource (cron is not even installed)
  'handlers/main.yml': '- name: restart cron\n  service: name=cron state=restarted\n',
  'templates/page.j2': '<h1>{{ item }}</h1>\n',
  'files/robots.txt': 'User-agent: *\n',
};

function mode(p: string): string {
  return (lstatSync(p).mode & 0o7777).toString(8).padStart(4, '0');
}

describeWith(ANSIBLE)('a converted role converges as the Ansible role does', () => {
  // one folder for the suite (the Ansible reference is rendered once, before the test), removed after it
  const dir = mkdtempSync(path.join(os.tmpdir(), 'converge-import-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const roleDir = path.join(dir, 'site');
  const theirs = path.join(dir, 'ansible');
  beforeAll(() => {
    mkdirSync(theirs, { recursive: true });
    requireComponent(ANSIBLE, 'ansible-playbook', 'apt-get install ansible-core');
    for (const [rel, text] of Object.entries(ROLE)) {
      mkdirSync(path.dirname(path.join(roleDir, rel)), { recursive: true });
      writeFileSync(path.join(roleDir, rel), text);
    }
    // the reference: Ansible's template module, with the role's defaults, the Debian vars file and the set_fact default
    const cfg = path.join(theirs, 'ansible.cfg');
    writeFileSync(cfg, `[defaults]\nansible_managed = ${MANAGED}\n`);
    const vars = { site_port: 8080, site_names: ['alpha', 'beta'], site_root: '/srv/site', site_status: true, site_mode: '0640', __site_conf_dir: '/etc/site', site_conf_dir: '/etc/site' };
    writeFileSync(path.join(theirs, 'cases.json'), JSON.stringify([{ name: 'site.conf', src: path.join(roleDir, 'templates/site-Debian.conf.j2'), vars }]));
    execFileSync('python3', [path.join(PROJECT_ROOT, 'bench/templates/ansible-render.py'), path.join(theirs, 'cases.json'), path.join(theirs, 'out')], { stdio: 'pipe', timeout: 600_000, env: { ...process.env, ANSIBLE_CONFIG: cfg } });
  }, 600_000);

  it('validates whole, applies under --root, and the template bytes are Ansible\'s', () => {
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\nroles: [site]\n' });
    const r = converge(['import', 'ansible', roleDir, '--repo', fleet.dir]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('hosts/_roles/site/role.yml: 8 resources from 11 tasks; 1 not converted; 1 skipped (not for Debian 12)');
    expect(r.stdout).toContain("tasks/main.yml:34: Per-site page: template page.j2 reads item: converge renders a template once per file");
    expect(r.stdout).toContain("skipped tasks/main.yml:31: RedHat only: when: ansible_os_family == 'RedHat' is false on Debian 12");
    // templates copied verbatim, the Debian one chosen for the fact in its src
    expect(readFileSync(path.join(fleet.dir, 'hosts/_roles/site/files/templates/site-Debian.conf.j2'), 'utf8')).toBe(ROLE['templates/site-Debian.conf.j2']);
    const roleYml = readFileSync(path.join(fleet.dir, 'hosts/_roles/site/role.yml'), 'utf8');
    expect(roleYml).toContain('template: files/templates/site-Debian.conf.j2');
    expect(roleYml).not.toContain('service: cron');

    const v = converge(['validate', '--repo', fleet.dir, '--json']);
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    expect((JSON.parse(v.stdout) as { diagnostics: unknown[] }).diagnostics).toEqual([]);

    const root = tempDir();
    mkdirSync(path.join(root, 'etc/site'), { recursive: true });
    writeFileSync(path.join(root, 'etc/site/old.conf'), 'stale\n');
    const apply = converge(['apply', '--repo', fleet.dir, '--host', 'web', '--root', root, '--json']);
    expect(apply.exitCode, apply.stdout + apply.stderr).toBe(0);

    expect(readFileSync(path.join(root, 'etc/site/site.conf'), 'utf8')).toBe(readFileSync(path.join(theirs, 'out/site.conf'), 'utf8'));
    expect(mode(path.join(root, 'etc/site/site.conf'))).toBe('0640');
    expect(mode(path.join(root, 'etc/site'))).toBe('0755');
    expect(mode(path.join(root, 'srv/site/alpha'))).toBe('0750');
    expect(mode(path.join(root, 'srv/site/beta'))).toBe('0750');
    expect(readFileSync(path.join(root, 'srv/site/robots.txt'), 'utf8')).toBe(ROLE['files/robots.txt']);
    expect(mode(path.join(root, 'srv/site/robots.txt'))).toBe('0644');
    expect(readFileSync(path.join(root, 'etc/site/status'), 'utf8')).toBe('on\n');
    expect(readlinkSync(path.join(root, 'etc/site/current.conf'))).toBe('/etc/site/site.conf');
    expect(existsSync(path.join(root, 'etc/site/old.conf'))).toBe(false);
    expect(existsSync(path.join(root, 'etc/site.d'))).toBe(false);

    // converged: a second run changes nothing
    const again = converge(['apply', '--repo', fleet.dir, '--host', 'web', '--root', root, '--detailed-exitcode']);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
  });
});
