// converge import host inside the nspawn machine: a live machine with an
// app's files, a link, an env file with a password, a unit of its own, a
// local user and group, packages; imported, then `converge plan` on the same
// machine shows no change, and the password was never copied.
import { expect, it } from 'vitest';
import { describeWith } from '../helpers/components.js';
import { nspawnAvailable, useTestMachine } from '../helpers/nspawn.js';

const available = nspawnAvailable();

describeWith(available)('import host on a real machine', () => {
  const machine = useTestMachine(available, {
    setup: (m) => {
      m.sh([
        'set -e',
        'mkdir -p /srv/app/conf /root/fleet',
        'printf "port=8080\\n" > /srv/app/conf/app.conf',
        'chown root:www-data /srv/app/conf/app.conf && chmod 0640 /srv/app/conf/app.conf',
        'ln -s conf/app.conf /srv/app/current.conf',
        'printf "DB_PASSWORD=hunter2-not-real\\nLOG_LEVEL=info\\n" > /srv/app/app.env && chmod 0600 /srv/app/app.env',
        'useradd -m -s /bin/bash -c "app runner" appuser && groupadd ops && usermod -aG ops appuser',
        'printf "[Unit]\\nDescription=the app\\n[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n" > /etc/systemd/system/app.service',
        'systemctl enable app.service 2>/dev/null',
      ].join('\n'));
    },
  });

  it('writes manifests that a plan on the same machine finds in sync, and lists the env file for secrets-map.yml instead of copying it', () => {
    const r = machine().converge(['import', 'host', '--host', 'box', '--repo', '/root/fleet', '--paths', '/srv/app', '--units', 'app.service', '--packages', '--users']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('/srv/app/app.env: sets DB_PASSWORD');
    expect(r.stdout).toContain('DB_PASSWORD: box-app-db-password');
    const imported = machine().sh('cat /root/fleet/hosts/box/imported.yml');
    expect(imported).toContain('file: /srv/app/conf/app.conf');
    expect(imported).toContain('group: www-data');
    expect(imported).toContain('symlink: /srv/app/current.conf');
    expect(imported).toContain('unit: app.service');
    expect(imported).toContain('user: appuser');
    expect(imported).toContain('group: ops');
    expect(imported).toContain('package: systemd');
    expect(imported).not.toContain('app.env');
    expect(machine().exec(['grep', '-r', 'hunter2', '/root/fleet']).exitCode).toBe(1);

    const plan = machine().converge(['plan', '--repo', '/root/fleet', '--host', 'box']);
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/in sync|no changes|0 to change/i);

    // and the import is a real baseline: a change by hand shows
    machine().sh('chmod 0644 /srv/app/conf/app.conf && usermod -s /bin/sh appuser');
    const drift = machine().converge(['plan', '--repo', '/root/fleet', '--host', 'box']);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('mode 0644 → 0640');
    expect(drift.stdout).toContain('shell /bin/sh → /bin/bash');
  });
});
