// Bad input that used to be accepted or reported vaguely: each message names
// what it found (the value, the key, the lines) and what was expected instead.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { validateFleet } from '../../src/manifest/fleet.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

/** Validate a fleet and return the formatted diagnostics. */
function errorsOf(files: Record<string, string>): string[] {
  return validateFleet(createFleet(files).dir).diagnostics.map(formatDiagnostic);
}

describe('a reference to a resource that when: leaves out of this host', () => {
  it('is an error at the entry saying where the target is declared and which condition this host fails', () => {
    const errors = errorsOf({
      'hosts/_roles/base/jobs.yml': 'resources:\n  - file: /etc/backup.conf\n    content: x\n  - unit: backup.timer\n    when: { os: linux }\n    content: x\n  - file: /etc/gpu.conf\n    when: { var: { gpu: true } }\n',
      'hosts/mac/host.yml': 'os: macos\nroles: [base]\n',
      'hosts/mac/a.yml': 'resources:\n  - file: /etc/app.conf\n    notify: [unit:backup.timer]\n    requires: [file:/etc/gpu.conf, file:/etc/backup.conf]\n',
      'hosts/web/host.yml': 'os: linux\nroles: [base]\nvars: { gpu: true }\n',
      'hosts/web/a.yml': 'resources:\n  - file: /etc/app.conf\n    notify: [unit:backup.timer]\n    requires: [file:/etc/gpu.conf]\n',
    });
    expect(errors).toEqual([
      'hosts/mac/a.yml:3:14: notify unit:backup.timer, which mac does not declare: it is declared in hosts/_roles/base/jobs.yml:4:5 only when os is linux (mac is macos)',
      'hosts/mac/a.yml:4:16: requires file:/etc/gpu.conf, which mac does not declare: it is declared in hosts/_roles/base/jobs.yml:7:5 only when var gpu is true (here it is not set)',
    ]);
  });
});

describe('managed paths not in normal form', () => {
  it('are refused at the path on every OS, titles and path fields alike, showing the normal form', () => {
    const errors = errorsOf({
      'hosts/web/host.yml': 'os: linux\nvars: { user: mike }\n',
      'hosts/web/a.yml': [
        'resources:',
        '  - file: /opt/tool/../data/x.conf',
        '  - directory: /opt/a//b',
        '  - symlink: /opt/link/',
        '    target: /opt/./data',
        '  - command: make',
        '    creates: ~/build/',
        '    cwd: /srv//src',
        '  - statusFile: /srv/_status.json',
        '    include: { ingest: /srv/ingest/../report.json }',
        '    mounts: [/mnt/space/]',
        '  - directory: /mnt/x/.',
        '  - mount: /mnt/y',
        '    device: //nas/y',
        '    fstype: cifs',
        '    credentials: /etc/smb//creds',
        '  - container: app',
        '    image: docker.io/library/nginx:1',
        '    envFiles: [/etc/app/../app.env]',
        '  - envFile: app',
        '',
      ].join('\n'),
      'secrets-map.yml': 'envFiles:\n  app:\n    path: /etc/app/./app.env\n    vars: { A: a }\n',
      'hosts/mac/host.yml': 'os: macos\nvars: { user: mike }\n',
      'hosts/mac/a.yml': 'resources:\n  - directory: ~/.mkt/flux/\n  - symlink: ~/flux\n    target: ~/.mkt/../flux\n',
      'hosts/win/host.yml': 'os: windows\n',
      'hosts/win/a.yml': 'resources:\n  - file: C:\\ProgramData\\converge\\..\\x.txt\n  - directory: c:/Tools//bin\n  - directory: C:/Tools/\n',
    });
    expect(errors).toEqual([
      "hosts/mac/a.yml:2:16: '~/.mkt/flux/' is not in normal form (it has a trailing slash): write ~/.mkt/flux",
      "hosts/mac/a.yml:4:5: target: '~/.mkt/../flux' is not in normal form (it has a '..' component): write ~/flux",
      "hosts/web/a.yml:2:11: '/opt/tool/../data/x.conf' is not in normal form (it has a '..' component): write /opt/data/x.conf",
      "hosts/web/a.yml:3:16: '/opt/a//b' is not in normal form (it has a doubled slash): write /opt/a/b",
      "hosts/web/a.yml:4:14: '/opt/link/' is not in normal form (it has a trailing slash): write /opt/link",
      "hosts/web/a.yml:7:5: creates: '~/build/' is not in normal form (it has a trailing slash): write ~/build",
      "hosts/web/a.yml:8:5: cwd: '/srv//src' is not in normal form (it has a doubled slash): write /srv/src",
      "hosts/web/a.yml:10:16: include.ingest: '/srv/ingest/../report.json' is not in normal form (it has a '..' component): write /srv/report.json",
      "hosts/web/a.yml:11:14: mounts: '/mnt/space/' is not in normal form (it has a trailing slash): write /mnt/space",
      "hosts/web/a.yml:12:16: '/mnt/x/.' is not in normal form (it has a '.' component): write /mnt/x",
      "hosts/web/a.yml:16:5: credentials: '/etc/smb//creds' is not in normal form (it has a doubled slash): write /etc/smb/creds",
      "hosts/web/a.yml:19:16: envFiles: '/etc/app/../app.env' is not in normal form (it has a '..' component): write /etc/app.env",
      "hosts/web/a.yml:20:14: envFile: env file 'app' (secrets-map.yml:3:5): path '/etc/app/./app.env' is not in normal form (it has a '.' component): write /etc/app/app.env",
      "hosts/win/a.yml:2:11: 'C:\\ProgramData\\converge\\..\\x.txt' is not in normal form (it has a '..' component): write C:/ProgramData/x.txt",
      "hosts/win/a.yml:3:16: 'c:/Tools//bin' is not in normal form (it has a doubled slash): write C:/Tools/bin",
      "hosts/win/a.yml:4:16: 'C:/Tools/' is not in normal form (it has a trailing slash): write C:/Tools",
    ]);
  });

  it('accepts the spellings that are normal: ~, backslashes and a lowercase drive on Windows, a relative link target', () => {
    expect(errorsOf({
      'hosts/win/host.yml': 'os: windows\nvars: { user: mike }\n',
      'hosts/win/a.yml': 'resources:\n  - file: C:\\ProgramData\\x.txt\n  - directory: c:/Tools\n  - directory: ~/flux\n',
      'hosts/mac/host.yml': 'os: macos\nvars: { user: mike }\n',
      'hosts/mac/a.yml': 'resources:\n  - symlink: ~/flux\n    target: ../.mkt/flux\n  - directory: /\n',
    })).toEqual([]);
  });
});
