// The pure parts of the systemd types: unit names, quoting, generated unit
// text, parsing systemctl and dpkg output (captured from the real tools),
// diffs, batches. No I/O beyond reading fixtures and asking systemd-escape.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { escapePath, isUnitName, mountUnitName, serviceUnitName } from '../../src/resources/shared/systemd/names.js';
import { addToSection, quoteArg } from '../../src/resources/shared/systemd/unit-file.js';
import { parseShow, showArgs } from '../../src/resources/shared/systemd/show.js';
import type { UnitState } from '../../src/resources/shared/systemd/show.js';
import { activityChanges } from '../../src/resources/shared/systemd/unit-state.js';
import { containerUnitText, runArgs, specHash } from '../../src/resources/container/unit-text.js';
import { ContainerSpec } from '../../src/resources/container/schema.js';
import { mountUnits } from '../../src/resources/mount/unit-text.js';
import { MountSpec } from '../../src/resources/mount/schema.js';
import { apt, dnf } from '../../src/resources/package/managers.js';
import { readyBatch } from '../../src/resources/shared/batch.js';
import { unitProvider } from '../../src/resources/unit/provider.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const fixture = (name: string) => readFileSync(path.join(PROJECT_ROOT, 'controller/test/fixtures/services', name), 'utf8');

describe('unit names', () => {
  it('escapes mount points exactly as systemd-escape --path does', () => {
    const paths = ['/space', '/mnt/a-b c/ü', '/', '/srv/.hidden/x', '/a//b/', '/data:1/x_y.z'];
    const real = spawnSync('systemd-escape', ['--path', ...paths], { encoding: 'utf8' });
    if (real.status !== 0) throw new Error('systemd-escape is needed (package systemd)');
    expect(paths.map(escapePath)).toEqual(real.stdout.trim().split(/\s+/));
    expect(mountUnitName('/space')).toBe('space.mount');
    expect(mountUnitName('/space', 'automount')).toBe('space.automount');
  });

  it('knows unit names and completes service names', () => {
    expect(isUnitName('space-mirror.timer')).toBe(true);
    expect(isUnitName('getty@tty1.service')).toBe(true);
    expect(isUnitName('netdata')).toBe(false);
    expect(isUnitName('a b.service')).toBe(false);
    expect(serviceUnitName('netdata')).toBe('netdata.service');
    expect(serviceUnitName('smbd.service')).toBe('smbd.service');
  });
});

describe('unit file text', () => {
  it('quotes Exec arguments so systemd reads them back unchanged', () => {
    expect(quoteArg('--port=4000')).toBe('--port=4000');
    expect(quoteArg('echo "$HOME" 100%')).toBe('"echo \\"$$HOME\\" 100%%"');
    expect(quoteArg('a\\b')).toBe('"a\\\\b"');
  });

  it('adds lines at the end of a section, before its trailing blank lines, or makes the section', () => {
    const text = '[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\n';
    expect(addToSection(text, 'Unit', ['RequiresMountsFor=/space'])).toBe('[Unit]\nDescription=x\nRequiresMountsFor=/space\n\n[Service]\nExecStart=/bin/true\n');
    expect(addToSection('[Service]\nExecStart=/bin/true\n', 'Unit', ['RequiresMountsFor=/space'])).toBe('[Unit]\nRequiresMountsFor=/space\n\n[Service]\nExecStart=/bin/true\n');
  });
});

describe('systemctl show', () => {
  it('parses the blocks of one call, by position', () => {
    const names = ['nope.service', 'dbus.service', 'container-web1.service', 'console-getty.service'];
    const states = parseShow(fixture('systemctl-show.txt'), names);
    expect(states.map((s) => [s.name, s.load, s.active, s.fileState, s.needReload, s.canReload])).toEqual([
      ['nope.service', 'not-found', 'inactive', '', false, false],
      ['dbus.service', 'loaded', 'active', 'static', false, true],
      ['container-web1.service', 'loaded', 'active', 'enabled', true, false],
      ['console-getty.service', 'masked', 'inactive', 'masked', false, false],
    ]);
    expect(showArgs(['a.service'])).toEqual(['show', '--property=Id,LoadState,ActiveState,SubState,UnitFileState,NeedDaemonReload,CanReload', '--', 'a.service']);
  });

  it('refuses an answer that does not match the question', () => {
    expect(() => parseShow(fixture('systemctl-show.txt'), ['only-one.service'])).toThrow('answered 4 blocks for 1 units');
  });
});

describe('enabled and running as changes', () => {
  const state = (over: Partial<UnitState>): UnitState => ({ name: 'x.service', load: 'loaded', active: 'inactive', sub: 'dead', fileState: 'disabled', needReload: false, canReload: false, ...over });
  it('says what would change, and that nothing can start under --root', () => {
    expect(activityChanges({ enabled: true, running: true }, state({}))).toEqual([
      { property: 'enabled', from: 'no', to: 'yes' },
      { property: 'state', from: 'stopped', to: 'running' },
    ]);
    expect(activityChanges({ enabled: true, running: true }, state({ fileState: 'static', active: 'active' }))).toEqual([]);
    expect(activityChanges({ running: true }, state({ active: 'unknown' }))).toEqual([
      { property: 'state', from: null, to: 'running', skipped: 'needs a running systemd, not --root' },
    ]);
  });

  it('restarts a running unit whose file changed, and only then', () => {
    const spec = { unit: 'x.service', ensure: 'present' as const, content: '[Service]\nExecStart=/bin/true\n' };
    const observed = { file: { state: { kind: 'file' as const, mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root', size: 1 }, text: 'old' }, state: state({ active: 'active' }) };
    expect(unitProvider.diff(spec, observed).map((c) => c.property)).toEqual(['content', 'restart']);
    expect(unitProvider.diff(spec, { ...observed, state: state({}) }).map((c) => c.property)).toEqual(['content']);
    expect(unitProvider.diff({ ...spec, running: false }, observed).map((c) => c.property)).toEqual(['content', 'state']);
  });
});

describe('generated units', () => {
  const container = ContainerSpec.parse({
    container: 'litellm',
    image: 'ghcr.io/berriai/litellm:main-stable',
    ports: ['127.0.0.1:4000:4000'],
    volumes: ['/space/ai/litellm/config.yaml:/app/config.yaml:ro'],
    env: { B: 'two words', A: '1' },
    command: ['--config', '/app/config.yaml'],
  });

  it('runs a container the way podman generate systemd --new does, with its spec hash as a label', () => {
    const text = containerUnitText({ ...container, envFilePaths: ['/flux/runtime/secrets/litellm.env'] });
    expect(text).toContain('RequiresMountsFor=%t/containers /space/ai/litellm/config.yaml /flux/runtime/secrets/litellm.env');
    expect(text).toContain('ExecStart=/usr/bin/podman run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=conmon -d --replace --name=litellm');
    expect(text).toContain('--env-file=/flux/runtime/secrets/litellm.env --env=A=1 "--env=B=two words"');
    expect(text).toContain('Type=notify\nNotifyAccess=all');
    expect(text).toContain('[Install]\nWantedBy=multi-user.target');
  });

  it('hashes the spec, not the order of maps, and not the restart policy', () => {
    const same = ContainerSpec.parse({ ...container, env: { A: '1', B: 'two words' }, restart: 'on-failure' });
    expect(specHash(same)).toBe(specHash(container));
    expect(specHash({ ...container, image: 'ghcr.io/berriai/litellm:v2' })).not.toBe(specHash(container));
    expect(runArgs(container).slice(-3)).toEqual(['ghcr.io/berriai/litellm:main-stable', '--config', '/app/config.yaml']);
  });

  it('writes an SMB mount and its automount', () => {
    const spec = { ...MountSpec.parse({ mount: '/space', device: '//motoko/space', options: ['vers=3.1.1'], automount: true, idleTimeout: '30min' }), credentialsPath: '/etc/converge/secrets/smb.cred' };
    const units = mountUnits(spec);
    expect([...units.keys()]).toEqual(['space.mount', 'space.automount']);
    expect(units.get('space.mount')).toContain('[Mount]\nWhat=//motoko/space\nWhere=/space\nType=cifs\nOptions=credentials=/etc/converge/secrets/smb.cred,vers=3.1.1,_netdev\n');
    expect(units.get('space.mount')).not.toContain('[Install]');
    expect(units.get('space.automount')).toContain('[Automount]\nWhere=/space\nTimeoutIdleSec=30min\n\n[Install]\nWantedBy=remote-fs.target');
  });
});

describe('package managers', () => {
  it('reads what dpkg-query says is installed (captured output)', () => {
    const installed = apt.parseQuery(fixture('dpkg-query.txt'), ['bash', 'hello', 'systemd', 'nonexistent']);
    expect(Object.fromEntries(installed)).toEqual({ bash: '5.2.15-2+b13', hello: null, systemd: '252.39-1~deb12u2', nonexistent: null });
    expect(apt.parseQuery('hello\trc \t2.10-3\n', ['hello']).get('hello')).toBeNull();
  });

  it('builds the commands: one install for many, pinned versions', () => {
    expect(apt.install(['hello', apt.pin('tree', '2.1.0-1')])).toEqual(['apt-get', ['install', '-y', '-q', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold', '--', 'hello', 'tree=2.1.0-1']]);
    expect(apt.query(['hello'], '/sandbox')).toEqual(['dpkg-query', ['--admindir=/sandbox/var/lib/dpkg', '--show', '--showformat=${Package}\\t${db:Status-Abbrev}\\t${Version}\\n', '--', 'hello']]);
    expect(dnf.parseQuery('tree\t1.8.0-10.el9\npackage hello is not installed\n', ['tree', 'hello'])).toEqual(new Map([['tree', '1.8.0-10.el9'], ['hello', null]]));
    expect(apt.isStale('E: Unable to locate package hello')).toBe(true);
  });
});

describe('batches across resources', () => {
  it('takes in only resources whose predecessors converged or are in the batch', () => {
    const after: Record<string, string[]> = { b: ['a'], c: ['file:x'], d: ['b'], e: ['failed'] };
    const status: Record<string, 'changed' | 'failed'> = { 'file:x': 'changed', failed: 'failed' };
    const ctx = { run: { id: 'r', commit: null, startedAt: '', summary: () => ({}) as never, after: (id: string) => after[id] ?? [], statusOf: (id: string) => status[id] } };
    expect([...readyBatch(ctx, 'a', ['a', 'b', 'c', 'd', 'e'])].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect([...readyBatch({ run: { ...ctx.run, after: undefined } }, 'a', ['a', 'b'])]).toEqual(['a']);
  });
});
