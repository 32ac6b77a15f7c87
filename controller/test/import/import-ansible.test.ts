// converge import ansible on a role we wrote for this test (third-party roles
// are measured by bench/import/, never committed): every common module maps,
// loops expand, handlers become notify targets, `when:` maps where it means
// the same, templates are copied byte for byte, and what cannot be converted
// is listed at its file:line with the reason.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const TEMPLATE = '# {{ ansible_managed }}\nlisten {{ webapp_port }}\n{% if webapp_enable_metrics %}metrics on\n{% endif %}\n';

function writeRole(dir: string): void {
  const files: Record<string, string> = {
    'defaults/main.yml': 'webapp_port: 8080\nwebapp_user: webapp\nwebapp_packages: [nginx, curl]\nwebapp_enable_metrics: true\nwebapp_conf_dir: /etc/webapp\n',
    'tasks/main.yml': [
      '---',
      '- name: Install packages',
      '  ansible.builtin.apt:',
      '    name: "{{ item }}"',
      '    state: present',
      '  loop: "{{ webapp_packages }}"',
      '- name: App user',
      '  user: name=webapp shell=/usr/sbin/nologin system=yes',
      '- name: Config dir',
      '  file:',
      '    path: "{{ webapp_conf_dir }}"',
      '    state: directory',
      '    mode: "0755"',
      '- name: Config',
      '  template:',
      '    src: webapp.conf.j2',
      '    dest: "{{ webapp_conf_dir }}/webapp.conf"',
      '    mode: "0644"',
      '  notify: restart webapp',
      '- name: Static page',
      '  copy:',
      '    src: index.html',
      '    dest: /srv/webapp/index.html',
      '- name: Link current',
      '  file: src=/etc/webapp/webapp.conf dest=/etc/webapp/current.conf state=link',
      '- name: Metrics flag',
      '  copy:',
      '    content: "on\\n"',
      '    dest: /etc/webapp/metrics',
      '  when: webapp_enable_metrics | bool',
      '- name: Seed the database',
      '  command: /usr/bin/webapp-init --db /var/lib/webapp/db',
      '  args:',
      '    creates: /var/lib/webapp/db',
      '- name: Tune the backlog',
      '  lineinfile:',
      '    path: /etc/sysctl.conf',
      '    line: net.core.somaxconn=1024',
      '- name: Mark Debian',
      '  ansible.builtin.file: path=/etc/webapp/debian state=touch',
      '  when: ansible_os_family == "Debian"',
      '- name: Only on big machines',
      '  copy: content=x dest=/etc/webapp/big',
      '  when: ansible_memtotal_mb > 4096',
      '- include_tasks: service.yml',
      '',
    ].join('\n'),
    'tasks/service.yml': '- name: Service\n  service:\n    name: webapp\n    state: started\n    enabled: yes\n',
    'handlers/main.yml': '- name: restart webapp\n  service: name=webapp state=restarted\n',
    'templates/webapp.conf.j2': TEMPLATE,
    'files/index.html': '<h1>hi</h1>\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
}

describe('converge import ansible', () => {
  it('converts the common modules and lists what it could not convert at file:line', () => {
    const roleDir = path.join(tempDir(), 'webapp');
    writeRole(roleDir);
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\nroles: [webapp]\n' });
    const r = converge(['import', 'ansible', roleDir, '--repo', fleet.dir]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('hosts/_roles/webapp/role.yml: 10 resources from 12 tasks; 3 not converted');
    expect(r.stdout).toContain('tasks/main.yml:35: Tune the backlog: lineinfile edits one line of a file converge does not own');
    expect(r.stdout).toContain('tasks/main.yml:39: Mark Debian: file state: touch');
    expect(r.stdout).toContain('tasks/main.yml:42: Only on big machines: when: ansible_memtotal_mb > 4096');

    const role = parse(readFileSync(path.join(fleet.dir, 'hosts/_roles/webapp/role.yml'), 'utf8')) as { vars: Record<string, unknown>; resources: Record<string, unknown>[] };
    expect(role.vars).toEqual({ webapp_port: 8080, webapp_user: 'webapp', webapp_packages: ['nginx', 'curl'], webapp_enable_metrics: true, webapp_conf_dir: '/etc/webapp' });
    expect(role.resources).toEqual([
      { package: 'nginx' },
      { package: 'curl' },
      { user: 'webapp', shell: '/usr/sbin/nologin', system: true },
      { directory: '{{ webapp_conf_dir }}', mode: '0755' },
      { file: '{{ webapp_conf_dir }}/webapp.conf', template: 'files/templates/webapp.conf.j2', mode: '0644', notify: ['service:webapp'] },
      { file: '/srv/webapp/index.html', source: 'files/files/index.html' },
      { symlink: '/etc/webapp/current.conf', target: '/etc/webapp/webapp.conf' },
      { file: '/etc/webapp/metrics', content: 'on\n', when: { var: { webapp_enable_metrics: true } } },
      { command: 'seed-the-database', run: '/usr/bin/webapp-init --db /var/lib/webapp/db', creates: '/var/lib/webapp/db' },
      { service: 'webapp', enabled: true, running: true },
    ]);
    // templates verbatim: they render as Ansible renders them (top-level names), by the template engine
    expect(readFileSync(path.join(fleet.dir, 'hosts/_roles/webapp/files/templates/webapp.conf.j2'), 'utf8')).toBe(TEMPLATE);
    expect(readFileSync(path.join(fleet.dir, 'hosts/_roles/webapp/role.yml'), 'utf8')).toContain('# not converted: tasks/main.yml:35 Tune the backlog: lineinfile');
    // the converted role validates whole, its verbatim template included (bare names, ansible_managed)
    const v = converge(['validate', '--repo', fleet.dir, '--json']);
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    expect((JSON.parse(v.stdout) as { diagnostics: unknown[] }).diagnostics).toEqual([]);
  });

  it('refuses a folder that is not a role, and a target outside hosts/_roles', () => {
    const fleet = createFleet({});
    const notRole = tempDir();
    expect(converge(['import', 'ansible', notRole, '--repo', fleet.dir]).stderr).toContain('is not an Ansible role (no tasks/ folder)');
    const roleDir = path.join(tempDir(), 'webapp');
    writeRole(roleDir);
    expect(converge(['import', 'ansible', roleDir, '--repo', fleet.dir, '--into', 'hosts/web']).stderr).toContain('--into must be hosts/_roles/NAME');
  });

  it('copies a template that links to another of the role as a file, and refuses a link out of the role before writing anything', () => {
    const roleDir = path.join(tempDir(), 'webapp');
    writeRole(roleDir);
    symlinkSync('webapp.conf.j2', path.join(roleDir, 'templates/current.conf.j2'));
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\nroles: [webapp]\n' });
    const r = converge(['import', 'ansible', roleDir, '--repo', fleet.dir]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const copied = path.join(fleet.dir, 'hosts/_roles/webapp/files/templates/current.conf.j2');
    expect(lstatSync(copied).isFile()).toBe(true); // a link to the importer's own folder would be refused on every device
    expect(readFileSync(copied, 'utf8')).toBe(TEMPLATE);

    const leaky = path.join(tempDir(), 'leaky');
    writeRole(leaky);
    const outside = path.join(tempDir(), 'id_ed25519');
    writeFileSync(outside, 'a key of the importer\n');
    symlinkSync(outside, path.join(leaky, 'files/key'));
    const other = createFleet({});
    const refused = converge(['import', 'ansible', leaky, '--repo', other.dir]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`files/key is a symbolic link that leads out of the role (to ${outside})`);
    expect(existsSync(path.join(other.dir, 'hosts/_roles/leaky'))).toBe(false);
  });
});
