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

describe('messages quote what they found', () => {
  it('names a duplicate key and both of its lines, in any YAML file', () => {
    expect(errorsOf({
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/a.yml': 'resources:\n  - file: /etc/y\n    owner: root\n    mode: "0600"\n    owner: mike\n  - { file: /etc/z, mode: "0600", mode: "0700" }\n',
    })).toEqual([
      "hosts/web/a.yml:5:5: YAML: key 'owner' given twice, on lines 3 and 5: a key appears once in a mapping, keep one",
      "hosts/web/a.yml:6:35: YAML: key 'mode' given twice, on line 6, at columns 21 and 35: a key appears once in a mapping, keep one",
    ]);
    expect(errorsOf({ 'hosts/web/host.yml': 'os: linux\nvars:\n  user: mike\n  user: root\n' })).toEqual([
      "hosts/web/host.yml:4:3: YAML: key 'user' given twice, on lines 3 and 4: a key appears once in a mapping, keep one",
    ]);
  });

  it('quotes a bad mode and says what is wrong with it', () => {
    expect(errorsOf({
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/a.yml': 'resources:\n  - file: /etc/a\n    mode: "0688"\n  - file: /etc/b\n    mode: "77777"\n  - directory: /etc/c\n    mode: "75"\n  - file: /etc/d\n    mode: "u+rw"\n',
    })).toEqual([
      'hosts/web/a.yml:3:11: mode "0688": 8 is not an octal digit (a mode is three or four octal digits, like "0644")',
      'hosts/web/a.yml:5:11: mode "77777": at most four octal digits (a mode is three or four octal digits, like "0644")',
      'hosts/web/a.yml:7:11: mode "75": at least three octal digits (a mode is three or four octal digits, like "0644")',
      'hosts/web/a.yml:9:11: mode "u+rw": "u" is not an octal digit (a mode is three or four octal digits, like "0644")',
    ]);
  });

  it('quotes a bad enum value and lists the choices, wherever an enum is (host.yml os, when.os, ensure, refresh, pull)', () => {
    expect(errorsOf({ 'hosts/bsd/host.yml': 'os: freebsd\n' })).toEqual(['hosts/bsd/host.yml:1:5: os: "freebsd" is not one of linux, macos, windows']);
    expect(errorsOf({ 'hosts/bsd/host.yml': 'arch: x86_64\n' })).toEqual(['hosts/bsd/host.yml:1:1: os: is required: one of linux, macos, windows']);
    expect(errorsOf({
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/a.yml': [
        'resources:',
        '  - file: /etc/a',
        '    when: { os: linx }',
        '  - file: /etc/b',
        '    when: { os: [linux, freebsd] }',
        '  - file: /etc/c',
        '    ensure: gone',
        '  - unit: x.service',
        '    content: x',
        '    refresh: restrat',
        '  - container: app',
        '    image: docker.io/library/nginx:1',
        '    pull: 3',
        '',
      ].join('\n'),
    })).toEqual([
      'hosts/web/a.yml:3:17: os: "linx" is not one of linux, macos, windows (did you mean linux?)',
      'hosts/web/a.yml:5:25: os[1]: "freebsd" is not one of linux, macos, windows',
      'hosts/web/a.yml:7:13: ensure: "gone" is not one of present, absent',
      'hosts/web/a.yml:10:14: refresh: "restrat" is not one of restart, reload (did you mean restart?)',
      'hosts/web/a.yml:13:11: pull: number 3 is not one of missing, always, never',
    ]);
  });

  it('quotes a requires/notify entry that is not an id, with the id it likely means', () => {
    expect(errorsOf({
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/a.yml': 'resources:\n  - file: /etc/app.conf\n  - service: nginx\n    requires: ["/etc/app.conf", service nginx, nginx]\n    notify: [file: /etc/app.conf]\n',
    })).toEqual([
      'hosts/web/a.yml:4:16: requires[0]: "/etc/app.conf" is not a resource id; did you mean "file:/etc/app.conf"?',
      'hosts/web/a.yml:4:33: requires[1]: "service nginx" is not a resource id; did you mean "service:nginx"?',
      'hosts/web/a.yml:4:48: requires[2]: "nginx" is not a resource id (a resource id is type:title, like file:/etc/x or service:netdata)',
      'hosts/web/a.yml:5:14: notify[0]: found the mapping { file: /etc/app.conf }, not an id; write it as one string: "file:/etc/app.conf"',
    ]);
  });

  it('quotes a resource entry that is a scalar and shows the mapping it likely means', () => {
    expect(errorsOf({
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/a.yml': 'resources:\n  - service:nginx\n  - package\n  - just words\n  -\n  - [file, /etc/x]\n',
    })).toEqual([
      'hosts/web/a.yml:2:5: - service:nginx is the string "service:nginx"; write "- service: nginx" (a space after the colon makes it a mapping)',
      'hosts/web/a.yml:3:5: found the string "package"; a resource is a mapping whose first key names its type, like "- package: <title>"',
      'hosts/web/a.yml:4:5: found the string "just words"; a resource is a mapping whose first key names its type, like "- file: /etc/x"',
      'hosts/web/a.yml:5:4: found an empty entry; a resource is a mapping whose first key names its type, like "- file: /etc/x"',
      'hosts/web/a.yml:6:5: found a list; a resource is a mapping whose first key names its type, like "- file: /etc/x"',
    ]);
  });
});
