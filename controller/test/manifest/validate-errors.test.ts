// Every family of bad input gets one clear error at the file, line and column
// where the problem starts, and all of them are reported in one run.
import { describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';
import { validateFleet } from '../../src/manifest/fleet.js';
import { formatDiagnostic } from '../../src/manifest/diagnostics.js';

/** Validate a one-host fleet and return the formatted diagnostics. */
function errorsOf(files: Record<string, string | Uint8Array>): string[] {
  const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\nvars:\n  user: mike\n', ...files });
  return validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
}

describe('YAML syntax', () => {
  it('points an unclosed quote at the line where it opens', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: "/etc/x\n    mode: "0644"\n  - directory: /y\n' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hosts\/web\/a\.yml:2:11: YAML: a quoted string is opened here and never closed/);
  });

  it('reports a duplicate key where it repeats', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    mode: "0644"\n    mode: "0600"\n' });
    expect(errors).toEqual(["hosts/web/a.yml:4:5: YAML: key 'mode' given twice, on lines 3 and 4: a key appears once in a mapping, keep one"]);
  });

  it('says what is wrong with a second document, an alias without anchor and a bad merge key, where they are', () => {
    const errors = errorsOf({
      'hosts/web/a.yml': 'resources:\n  - file: /etc/a\n    content: *tpl\n',
      'hosts/web/b.yml': 'resources:\n  - file: /etc/b\n    <<: *defaults\n',
      'hosts/web/c.yml': 'resources:\n  - file: /etc/c\n    <<: "0600"\n',
      'hosts/web/d.yml': 'resources: []\n---\nresources: []\n',
    });
    expect(errors).toEqual([
      'hosts/web/a.yml:3:14: YAML: alias *tpl refers to no anchor: define &tpl before it',
      'hosts/web/b.yml:3:9: YAML: alias *defaults refers to no anchor: define &defaults before it',
      'hosts/web/c.yml:3:9: YAML: a merge key (<<) takes a mapping, an alias of one, or a list of them',
      'hosts/web/d.yml:2:1: YAML: a manifest is one YAML document, and a second one starts here: remove this ---, or move what follows to a file of its own',
    ]);
  });

  it('tells to quote a value that YAML reads as a nested mapping, like a drive letter', () => {
    const fleet = createFleet({ 'hosts/win/host.yml': 'os: windows\n', 'hosts/win/a.yml': 'resources:\n  - mappedDrive: X:\n    remote: \\\\motoko.example.net\\flux\n' });
    expect(validateFleet(fleet.dir).diagnostics.map(formatDiagnostic)).toEqual([
      'hosts/win/a.yml:2:18: YAML: a value with \': \' in it, or ending in \':\', reads as a nested mapping here: quote it (like mappedDrive: "X:" or command: "echo a: b")',
    ]);
  });

  it('refuses an alias bomb quickly with a clear message', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [i, n] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = i === 0 ? 'a' : ['b', 'c', 'd', 'e', 'f', 'g', 'h'][i - 1];
      bomb.push(`${n}: &${n} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const errors = errorsOf({ 'hosts/web/bomb.yml': bomb.join('\n') + '\nresources: []\n' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hosts\/web\/bomb\.yml:\d+:\d+: YAML: aliases expand to too many nodes/);
  });

  it('refuses deep nesting with a message, not a JavaScript stack error', () => {
    const errors = errorsOf({ 'hosts/web/deep.yml': `resources:\n  - file: /x\n    content: ${'['.repeat(5000)}${']'.repeat(5000)}\n` });
    expect(errors.length).toBeGreaterThan(0); // how many depends on the stack left when the parser gives up
    for (const e of errors) expect(e).toMatch(/^hosts\/web\/deep\.yml:3:\d+: YAML: nested too deeply to read/);
  });

  it('refuses a 2 MB junk file without parsing it', () => {
    const errors = errorsOf({ 'hosts/web/junk.yml': 'x'.repeat(2 * 1024 * 1024) });
    expect(errors).toEqual(['hosts/web/junk.yml:1:1: file is 2.0 MiB; a manifest may be at most 1 MiB (is this really a manifest?)']);
  });

  it('points a non-UTF-8 byte at its line and column', () => {
    const bytes = Buffer.concat([Buffer.from('resources:\n  - file: /etc/caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const errors = errorsOf({ 'hosts/web/latin1.yml': bytes });
    expect(errors).toEqual(['hosts/web/latin1.yml:2:19: not valid UTF-8: byte 0xe9 at this position; manifests must be UTF-8 text']);
  });
});

describe('schemas', () => {
  it("says an empty name must not be empty, in words rather than zod's", () => {
    expect(errorsOf({ 'hosts/web/a.yml': 'resources:\n  - package: ""\n' })).toEqual(['hosts/web/a.yml:2:14: package: must not be empty']);
  });

  it('accepts a resource file whose entries are all commented out, and still refuses resources that are not a list', () => {
    expect(errorsOf({ 'hosts/web/a.yml': 'resources:\n  # - file: /etc/x\n  #   content: x\n' })).toEqual([]);
    expect(errorsOf({ 'hosts/web/a.yml': 'resources:\n  file: /etc/x\n' })).toEqual(['hosts/web/a.yml:2:3: resources must be a list']);
  });

  it('says what a mode must look like, with a hint for an unquoted YAML number', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    mode: 0644\n  - file: /etc/y\n    mode: "rw-r--r--"\n' });
    expect(errors).toEqual([
      'hosts/web/a.yml:3:11: mode must be an octal string like "0644": quote it (YAML reads an unquoted 0644 as the decimal number 644)',
      'hosts/web/a.yml:5:11: mode "rw-r--r--": "r" is not an octal digit (a mode is three or four octal digits, like "0644")',
    ]);
  });

  it('says what a field of the wrong type got, not that it is missing', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: 5\n    requires: file:/etc/y\n  - file: /etc/y\n    content: { a: 1 }\n  - service: x\n    running: "yes"\n' });
    expect(errors).toEqual([
      'hosts/web/a.yml:3:14: content: expected a string, got number 5',
      'hosts/web/a.yml:4:15: requires: expected a list, got the string "file:/etc/y"',
      'hosts/web/a.yml:6:14: content: expected a string, got a mapping',
      'hosts/web/a.yml:8:14: running: expected true or false, got the string "yes"',
    ]);
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\nroles: base\nvars: [1, 2]\nprune: yes\n' });
    expect(validateFleet(fleet.dir).diagnostics.map(formatDiagnostic)).toEqual([
      'hosts/web/host.yml:2:8: roles: expected a list, got the string "base"',
      'hosts/web/host.yml:3:7: vars: expected a mapping, got a list',
      'hosts/web/host.yml:4:8: prune: expected true or false, got the string "yes"',
    ]);
  });

  it('says why a mapping key is refused, at the key', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - command: migrate\n    creates: /srv/done\n    env: { "bad-name": x, OK: y }\n' });
    expect(errors).toEqual(['hosts/web/a.yml:4:12: bad-name: an env var name is letters, digits and _']);
  });

  it('names an unknown field and suggests the right one', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    contnet: hello\n' });
    expect(errors).toEqual(["hosts/web/a.yml:3:5: unknown field 'contnet' in a file resource (did you mean 'content'?)"]);
  });

  it('suggests the fields of the nested mapping an unknown field is in, not the resource\'s', () => {
    const fleet = createFleet({
      'hosts/mac/host.yml': 'os: macos\n',
      'hosts/mac/a.yml': 'resources:\n  - launchd: dev.x\n    program: [/bin/true]\n    keepAlive: { crashd: true, sometimes: true }\n    startCalendarInterval: [{ minute: 1, hours: 2 }]\n',
    });
    expect(validateFleet(fleet.dir).diagnostics.map(formatDiagnostic)).toEqual([
      "hosts/mac/a.yml:4:18: unknown field 'crashd' in a launchd resource (did you mean 'crashed'?)",
      "hosts/mac/a.yml:4:32: unknown field 'sometimes' in a launchd resource; expected one of: successfulExit, crashed, networkState",
      "hosts/mac/a.yml:5:42: unknown field 'hours' in a launchd resource (did you mean 'hour'?)",
    ]);
  });

  it('names an unknown resource type and suggests one', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - fiel: /etc/x\n' });
    expect(errors[0]).toMatch(/^hosts\/web\/a\.yml:2:5: unknown resource type 'fiel' \(did you mean 'file'\?\); known types: file, /);
  });

  it('says when the type key is not first', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - mode: "0644"\n    file: /etc/x\n' });
    expect(errors).toEqual(["hosts/web/a.yml:2:5: the first key of a resource names its type: put 'file:' first (found 'mode' first)"]);
  });

  it('rejects a relative path', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - directory: etc/x\n' });
    expect(errors).toEqual(["hosts/web/a.yml:2:16: 'etc/x' is not an absolute linux path (like /etc/x, or ~/x)"]);
  });

  it('checks host.yml strictly', () => {
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: solaris\nrole: [x]\n' });
    const errors = validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
    expect(errors).toEqual(['hosts/web/host.yml:1:5: os: "solaris" is not one of linux, macos, windows', "hosts/web/host.yml:2:1: unknown field 'role' in host.yml (did you mean 'roles'?)"]);
  });

  it('rejects an unknown when: key and a type where it cannot exist', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    when: { platform: linux }\n' });
    expect(errors).toEqual(["hosts/web/a.yml:3:13: unknown field 'platform' in when; expected one of: os, host, var"]);
  });

  it('rejects POSIX attributes on a Windows host', () => {
    const fleet = createFleet({
      'hosts/win/host.yml': 'os: windows\n',
      'hosts/win/a.yml': 'resources:\n  - file: C:/ProgramData/app/x.conf\n    content: hi\n    mode: "0644"\n',
    });
    const errors = validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
    expect(errors).toEqual(['hosts/win/a.yml:4:5: mode is a POSIX attribute; win is a windows host, where it has no meaning (Windows ACLs will be their own field)']);
  });
});

describe('hosts, roles, ids and the graph', () => {
  it('rejects a host name that is not a DNS label and a missing role', () => {
    const fleet = createFleet({ 'hosts/Web_1/host.yml': 'os: linux\n', 'hosts/ok/host.yml': 'os: linux\nroles: [netdta]\n', 'hosts/_roles/netdata/a.yml': 'resources: []\n' });
    const errors = validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
    expect(errors).toContain("hosts/Web_1:1:1: 'Web_1' is not a valid host name: a lowercase DNS label (a-z, 0-9, -; at most 63)");
    expect(errors).toContain("hosts/ok/host.yml:2:9: no role 'netdta' (no folder hosts/_roles/netdta/) (did you mean 'netdata'?)");
  });

  it('says what an empty host.yml needs, and to rename a host.yaml', () => {
    const fleet = createFleet({ 'hosts/a/host.yml': '# os: linux\n', 'hosts/b/host.yaml': 'os: linux\n' });
    expect(validateFleet(fleet.dir).diagnostics.map(formatDiagnostic)).toEqual([
      'hosts/a/host.yml:1:1: host.yml is empty: it needs at least os: (linux, macos or windows)',
      'hosts/b/host.yaml:1:1: rename this file host.yml: a host is described by its host.yml',
    ]);
  });

  it('never suggests a role by its own name, and says when a role is a file', () => {
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\nroles: [empty, ghost]\n', 'hosts/_roles/empty/notes.txt': 'x', 'hosts/_roles/ghost': 'x' });
    const errors = validateFleet(fleet.dir, 'web').diagnostics.map(formatDiagnostic);
    expect(errors).toEqual([
      "hosts/web/host.yml:2:9: role 'empty' has no *.yml file in hosts/_roles/empty/",
      "hosts/web/host.yml:2:16: no role 'ghost': hosts/_roles/ghost is a file, and a role is a folder of *.yml files",
    ]);
  });

  it('reports a duplicate id across a role and the host, pointing at both', () => {
    const fleet = createFleet({
      'hosts/web/host.yml': 'os: linux\nroles: [base]\n',
      'hosts/_roles/base/a.yml': 'resources:\n  - directory: /srv\n',
      'hosts/web/b.yml': 'resources:\n  - directory: /srv\n    mode: "0700"\n',
    });
    const errors = validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
    expect(errors).toEqual([
      'hosts/web/b.yml:2:5: duplicate id directory:/srv: already declared at hosts/_roles/base/a.yml:2:5; ids are unique per host (a host does not override a role\'s resource: vary it with vars)',
    ]);
  });

  it('points a requires target that does not exist at the entry', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - directory: /srv\n  - file: /etc/x\n    requires: [directory:/srvv, "file:/nope"]\n' });
    expect(errors).toEqual([
      'hosts/web/a.yml:4:16: requires directory:/srvv, which web does not declare (did you mean directory:/srv?)',
      'hosts/web/a.yml:4:33: requires file:/nope, which web does not declare',
    ]);
  });

  it('reports a notify target that does not exist (and the rest of the host) without crashing', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: x\n    notify: [service:nginx]\n  - file: /etc/y\n    mode: 644\n' });
    expect(errors).toEqual([
      'hosts/web/a.yml:4:14: notify service:nginx, which web does not declare',
      'hosts/web/a.yml:6:11: mode must be an octal string like "0644": quote it (YAML reads an unquoted 0644 as the decimal number 644)',
    ]);
  });

  it('reports a broken template and a bad field of the same resource together, and a reference to that resource is no second error', () => {
    const errors = errorsOf({
      'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: "{{ vars.nope }}"\n    mode: 644\n  - file: /etc/y\n    content: y\n    requires: [file:/etc/x]\n',
    });
    expect(errors).toEqual([
      'hosts/web/a.yml:3:15: template: undefined value: {{ vars.nope }} (a variable or key that does not exist; use | default(...) if it is optional)',
      'hosts/web/a.yml:4:11: mode must be an octal string like "0644": quote it (YAML reads an unquoted 0644 as the decimal number 644)',
    ]);
  });

  it('rejects a resource that requires or notifies itself', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: x\n    requires: [file:/etc/x]\n  - service: nginx\n    notify: [service:nginx]\n' });
    expect(errors).toEqual([
      'hosts/web/a.yml:4:16: requires file:/etc/x: a resource cannot require itself',
      'hosts/web/a.yml:6:14: notify service:nginx: a resource cannot notify itself',
    ]);
  });

  it('names a cycle, counting implicit edges', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - directory: /srv\n    requires: [file:/srv/app.conf]\n  - file: /srv/app.conf\n    content: x\n' });
    expect(errors).toEqual([
      'hosts/web/a.yml:2:5: dependency cycle: directory:/srv → file:/srv/app.conf → directory:/srv (implicit: file:/srv/app.conf lies under directory:/srv)',
    ]);
  });
});

describe('templates', () => {
  it('points an undefined variable inside a block scalar at its line and column', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: |\n      first line\n      port = {{ vars.port }}\n' });
    expect(errors).toEqual(['hosts/web/a.yml:5:14: template: undefined value: {{ vars.port }} (a variable or key that does not exist; use | default(...) if it is optional)']);
  });

  it('points an unclosed {% if %} in a template file at its tag', () => {
    const errors = errorsOf({
      'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    template: files/x.njk\n',
      'hosts/web/files/x.njk': 'a = 1\n{% if vars.user %}\nb = 2\n',
    });
    expect(errors).toEqual(['hosts/web/files/x.njk:2:1: {% if %} is never closed (expected {% endif %}) (rendering file:/etc/x, declared at hosts/web/a.yml:3:15)']);
  });

  it('points an undefined variable in a template file at its line', () => {
    const errors = errorsOf({
      'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    template: files/x.njk\n',
      'hosts/web/files/x.njk': 'a = 1\nb = {{ vars.nope }}\n',
    });
    expect(errors).toEqual(['hosts/web/files/x.njk:2:5: undefined value: {{ vars.nope }} (a variable or key that does not exist; use | default(...) if it is optional) (rendering file:/etc/x, declared at hosts/web/a.yml:3:15)']);
  });

  it('reports a role template error that several hosts hit once, naming each use', () => {
    const fleet = createFleet({
      'hosts/a/host.yml': 'os: linux\nroles: [web]\n',
      'hosts/b/host.yml': 'os: macos\nroles: [web]\n',
      'hosts/_roles/web/web.yml': 'resources:\n  - file: "{{ \'/etc\' if host.os == \'linux\' else \'/opt\' }}/web.conf"\n    template: files/web.njk\n',
      'hosts/_roles/web/files/web.njk': 'port = {{ vars.port }}\n',
    });
    const errors = validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
    expect(errors).toEqual([
      'hosts/_roles/web/files/web.njk:1:8: undefined value: {{ vars.port }} (a variable or key that does not exist; use | default(...) if it is optional) (rendering file:/etc/web.conf, declared at hosts/_roles/web/web.yml:3:15; file:/opt/web.conf, declared at hosts/_roles/web/web.yml:3:15)',
    ]);
  });

  it('refuses a template path that escapes the repository', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    template: ../../../../../../etc/passwd\n  - file: /etc/y\n    source: /etc/passwd\n' });
    expect(errors).toEqual([
      "hosts/web/a.yml:3:15: template: '../../../../../../etc/passwd' points outside the repository; templates and sources must live in it",
      "hosts/web/a.yml:5:13: source: '/etc/passwd' is absolute; template and source paths are relative to the manifest's folder",
    ]);
  });

  it('names a cycle among vars instead of applying half-rendered text, and renders a long chain', () => {
    const chain = Array.from({ length: 12 }, (_, i) => `  v${i}: "{{ vars.v${i + 1} }}"`).join('\n');
    const fleet = createFleet({
      'hosts/web/host.yml': `os: linux\nvars:\n  a: "{{ vars.a }}"\n  b: "{{ vars.c }}x"\n  c: "{{ vars.b }}y"\n${chain}\n  v12: end\n`,
      'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: "{{ vars.v0 }}"\n',
    });
    const errors = validateFleet(fleet.dir).diagnostics.map(formatDiagnostic);
    expect(errors).toEqual([
      'hosts/web/host.yml:3:7: template: vars refer to each other in a cycle: a → a',
      'hosts/web/host.yml:5:7: template: vars refer to each other in a cycle: b → c → b',
    ]);
    fleet.commit({ 'hosts/web/host.yml': `os: linux\nvars:\n${chain}\n  v12: end\n` });
    const { hosts } = validateFleet(fleet.dir);
    expect(hosts[0]!.loaded?.resources[0]?.spec).toMatchObject({ content: 'end' });
  });

  it('says a template or source that is a folder is one, at the field', () => {
    const errors = errorsOf({
      'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    template: files/\n  - file: /etc/y\n    source: files\n',
      'hosts/web/files/x.njk': 'x\n',
    });
    expect(errors).toEqual([
      "hosts/web/a.yml:3:15: template: 'files/' is a folder; name a file in it",
      "hosts/web/a.yml:5:13: source: 'files' is a folder; name a file in it",
    ]);
  });

  it('points a refused include at its tag, and names an include or macro that never ends', () => {
    const errors = errorsOf({
      'hosts/web/a.yml': 'resources:\n  - file: /etc/a\n    template: files/a.njk\n  - file: /etc/b\n    template: files/b.njk\n  - file: /etc/c\n    template: files/c.njk\n',
      'hosts/web/files/a.njk': 'a\n  {% include "./nothere.njk" %}\n',
      'hosts/web/files/b.njk': 'b\n\n{%- include "../../../../../etc/passwd" %}\n',
      'hosts/web/files/c.njk': '{% macro f(n) %}{{ f(n) }}{% endmacro %}\n{{ f(1) }}\n',
    });
    expect(errors).toEqual([
      "hosts/web/files/a.njk:2:3: 'hosts/web/files/nothere.njk' does not exist (looked for hosts/web/files/nothere.njk) (rendering file:/etc/a, declared at hosts/web/a.yml:3:15)",
      "hosts/web/files/b.njk:3:1: '../../etc/passwd' points outside the repository; templates and sources must live in it (rendering file:/etc/b, declared at hosts/web/a.yml:5:15)",
      'hosts/web/files/c.njk:1:1: the template never ends: an {% include %} or a macro calls itself without a way out (rendering file:/etc/c, declared at hosts/web/a.yml:7:15)',
    ]);
  });

  it('names an unknown filter', () => {
    const errors = errorsOf({ 'hosts/web/a.yml': 'resources:\n  - file: /etc/x\n    content: "{{ vars.user | shout }}"\n' });
    expect(errors).toEqual(["hosts/web/a.yml:3:28: template: unknown filter 'shout'"]);
  });
});

describe('manifests that are links', () => {
  it('refuses a manifest, role file or secrets-map.yml that links out of the repository, and never quotes what it points at', () => {
    const outside = path.join(tempDir(), 'shadow');
    writeFileSync(outside, 'root:$6$do-not-print-me:19000:0:99999:7:::\n');
    const fleet = createFleet({
      'hosts/web/host.yml': 'os: linux\nroles: [base]\n',
      'hosts/web/real.yml': 'resources:\n  - directory: /srv\n',
      'hosts/_roles/base/ok.yml': 'resources: []\n',
    });
    symlinkSync(outside, path.join(fleet.dir, 'hosts/web/stolen.yml'));
    symlinkSync('real.yml', path.join(fleet.dir, 'hosts/web/alias.yml.txt')); // not a manifest name: ignored
    mkdirSync(path.join(fleet.dir, 'hosts/_roles/base'), { recursive: true });
    symlinkSync(outside, path.join(fleet.dir, 'hosts/_roles/base/stolen.yml'));
    symlinkSync(outside, path.join(fleet.dir, 'secrets-map.yml'));
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    const why = 'is a symbolic link that leads out of the repository; manifests must live in it';
    expect(r.stderr).toContain(`hosts/web/stolen.yml:1:1: ${why}`);
    expect(r.stderr).toContain(`hosts/_roles/base/stolen.yml:1:1: ${why}`);
    expect(r.stderr).toContain(`secrets-map.yml:1:1: ${why}`);
    expect(r.stderr + r.stdout).not.toContain('do-not-print-me');
  });

  it('reads a manifest that links to another file inside the repository', () => {
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\n', 'shared/common.yml': 'resources:\n  - directory: /srv\n' });
    symlinkSync('../../shared/common.yml', path.join(fleet.dir, 'hosts/web/common.yml'));
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('1 host valid (1 resource): web');
  });
});

describe('the validate command', () => {
  it('refuses an empty --host instead of validating every host', () => {
    const fleet = createFleet({ 'hosts/web/host.yml': 'os: linux\n' });
    const r = converge(['validate', '--repo', fleet.dir, '--host', '']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("'' is not a valid host name");
  });

  it('reports every error of every file in one run, exit 1, no stack trace', () => {
    const fleet = createFleet({
      'hosts/a/host.yml': 'os: linux\n',
      'hosts/a/x.yml': 'resources:\n  - file: /x\n    mode: 644\n',
      'hosts/b/host.yml': 'os: linux\n',
      'hosts/b/y.yml': 'resources:\n  - directory: "/y\n',
      'hosts/c/host.yml': 'os: linux\n',
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('hosts/a/x.yml:3:11: mode must be an octal string');
    expect(r.stderr).toContain('hosts/b/y.yml:2:16: YAML: a quoted string is opened here and never closed');
    expect(r.stderr).toContain('2 errors (invalid hosts: a, b)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 0 and names the hosts when everything is valid', () => {
    const fleet = createFleet({ 'hosts/a/host.yml': 'os: linux\n', 'hosts/b/host.yml': 'os: macos\n' });
    const r = converge(['validate', '--repo', fleet.dir, '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, hosts: [{ name: 'a', valid: true }, { name: 'b', valid: true }], diagnostics: [] });
  });

  it('says clearly when --repo is not a fleet repository', () => {
    const fleet = createFleet({ 'README.md': 'not a fleet' });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('hosts:1:1: no hosts/ folder in');
  });
});
