// Exit codes and output forms of plan and apply, as scripts and CI read them.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { converge, CONVERGE_BIN } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { acquireLock } from '../../src/platform/lock.js';

const files = {
  'hosts/h/host.yml': 'os: linux\n',
  'hosts/h/a.yml': 'resources:\n  - file: /etc/a.conf\n    content: "a\\n"\n',
};

describe('plan', () => {
  it('exits 2 with changes and 0 in sync; --json carries the report', () => {
    const fleet = createFleet(files);
    const root = tempDir();
    const plan = converge(['plan', '--repo', fleet.dir, '--host', 'h', '--root', root, '--json']);
    expect(plan.exitCode).toBe(2);
    const report = JSON.parse(plan.stdout);
    expect(report).toMatchObject({ version: 1, host: 'h', mode: 'plan', result: 'converged', summary: { pending: 1, total: 1 } });
    expect(report.resources[0]).toMatchObject({ id: 'file:/etc/a.conf', status: 'pending', source: 'hosts/h/a.yml:2:5' });
    expect(report.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root]).exitCode).toBe(0);
    expect(converge(['plan', '--repo', fleet.dir, '--host', 'h', '--root', root]).exitCode).toBe(0);
  });

  it('exits 1 with the diagnostics when the host does not validate, and applies nothing', () => {
    const fleet = createFleet({ ...files, 'hosts/h/b.yml': 'resources:\n  - file: /etc/b.conf\n    mode: 600\n' });
    const root = tempDir();
    const r = converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('hosts/h/b.yml:3:11: mode must be an octal string');
    expect(converge(['plan', '--repo', fleet.dir, '--host', 'nope', '--root', root]).stderr).toContain("no host 'nope' in this repository; hosts: h");
  });
});

describe('--json on failure', () => {
  it('prints a JSON document saying what is wrong, for plan, apply, status and diff', () => {
    const fleet = createFleet({ ...files, 'hosts/h/b.yml': 'resources:\n  - file: /etc/b.conf\n    mode: 600\n' });
    const root = tempDir();
    const invalid = converge(['plan', '--repo', fleet.dir, '--host', 'h', '--root', root, '--json']);
    expect(invalid.exitCode).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ ok: false, error: '1 error', diagnostics: [{ file: 'hosts/h/b.yml', line: 3, column: 11 }] });
    for (const args of [
      ['plan', '--repo', fleet.dir, '--host', 'nope', '--root', root],
      ['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--lock-wait', 'x'],
      ['status', '--repo', path.join(root, 'missing')],
      ['diff', '--repo', fleet.dir, '--base', 'no-such-ref'],
    ]) {
      const r = converge([...args, '--json']);
      expect(r.exitCode, args.join(' ')).toBe(1);
      const doc = JSON.parse(r.stdout) as { ok: boolean; error: string };
      expect(doc.ok).toBe(false);
      expect(typeof doc.error).toBe('string');
    }
  });
});

describe('output into a pipe closed early', () => {
  it('plan | head: no EPIPE stack trace, and the exit code is still the plan\'s', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `  - file: /etc/f${i}.conf\n    content: "${i}\\n"\n`).join('');
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': `resources:\n${many}` });
    const dir = tempDir();
    const script = `"${process.execPath}" "${CONVERGE_BIN}" plan --repo "${fleet.dir}" --host h --root "${dir}/root" 2>"${dir}/err" | head -1 >/dev/null; echo \${PIPESTATUS[0]} >"${dir}/code"`;
    const r = spawnSync('bash', ['-c', script], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir, 'err'), 'utf8')).toBe('');
    expect(readFileSync(path.join(dir, 'code'), 'utf8').trim()).toBe('2');
  });
});

describe('apply', () => {
  it('--detailed-exitcode exits 2 when it changed something, 0 when not, 1 on failure', () => {
    const fleet = createFleet(files);
    const root = tempDir();
    const args = ['apply', '--detailed-exitcode', '--repo', fleet.dir, '--host', 'h', '--root', root];
    expect(converge(args).exitCode).toBe(2);
    expect(converge(args).exitCode).toBe(0);
    fleet.commit({ 'hosts/h/a.yml': 'resources:\n  - file: /etc/blocked/a.conf\n    content: "a\\n"\n' });
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc/blocked'), 'a file');
    const failed = converge(args);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toContain('failed    file:/etc/blocked/a.conf: cannot create a.conf: /etc/blocked is not a directory');
  });

  it('waits for another converge holding the lock, or says who holds it', async () => {
    const fleet = createFleet(files);
    const root = tempDir();
    const stateDir = path.join(root, 'var/lib/converge');
    const lock = await acquireLock(stateDir, { command: 'converge agent (test)' });
    try {
      const r = converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--lock-wait', '0']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`another converge holds .*lock: converge agent \\(test\\) \\(pid ${process.pid}\\) since `));
    } finally {
      await lock.release();
    }
    expect(converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--lock-wait', '0']).exitCode).toBe(0);
  });

  it('refuses a --lock-wait that is not a number of seconds instead of waiting forever', async () => {
    const fleet = createFleet(files);
    const root = tempDir();
    const lock = await acquireLock(path.join(root, 'var/lib/converge'), { command: 'converge agent (test)' });
    try {
      for (const wait of ['abc', '-5', '', '5m']) {
        const r = converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--lock-wait', wait], { timeoutMs: 10_000 });
        expect(r.exitCode).toBe(1);
        expect(r.stderr.trim()).toBe(`converge: --lock-wait takes a number of seconds, like 0 or 300 (got '${wait}')`);
      }
    } finally {
      await lock.release();
    }
  });

  it('names a --root or --state-dir that is a file, and a folder it cannot create, without an internal error', () => {
    const fleet = createFleet(files);
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'not a folder');
    for (const [args, message] of [
      [['--root', file], `converge: --root ${file} is not a directory`],
      [['--root', path.join(dir, 'root'), '--state-dir', file], `converge: --state-dir ${file} is not a directory`],
      [['--root', path.join(dir, 'root'), '--state-dir', path.join(file, 'state')], `converge: --state-dir ${file}/state cannot be a folder: ${file} is a file`],
      [['--root', path.join(file, 'root')], `converge: --root ${file}/root cannot be a folder: ${file} is a file`],
    ] as const) {
      for (const command of ['plan', 'apply']) {
        const r = converge([command, '--repo', fleet.dir, '--host', 'h', ...args]);
        expect(r.exitCode).toBe(1);
        expect(r.stderr.trim()).toBe(message);
      }
    }
    const schema = converge(['schema', '--out', path.join(file, 'schema')]);
    expect(schema.exitCode).toBe(1);
    expect(schema.stderr.trim()).toBe(`converge: a parent is not a directory (mkdir ${file}/schema)`);
  });

  it('SIGTERM or SIGINT during a run: exits 1 saying it was interrupted, leaves no temp file, and the next run finishes', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `  - file: /data/d${i % 30}/f${i}.txt\n    content: "${'x'.repeat(100)}${i}\\n"\n`).join('');
    const fleet = createFleet({ 'hosts/h/host.yml': 'os: linux\n', 'hosts/h/a.yml': `resources:\n${many}` });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const root = tempDir();
      const child = spawn(process.execPath, [CONVERGE_BIN, 'apply', '--repo', fleet.dir, '--host', 'h', '--root', root], { env: { ...process.env, NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      let sent = 0;
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        // SIGTERM twice, as an impatient service manager might: still one orderly stop. SIGINT once.
        if (d.includes('changed   file:') && sent < (signal === 'SIGTERM' ? 2 : 1)) {
          sent++;
          child.kill(signal);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code, stderr).toBe(1);
      expect(stderr).toContain(`interrupted by ${signal}: what was not reached is reported as skipped; run apply again to finish`);
      const temps = readdirSync(path.join(root, 'data'), { recursive: true }).map(String).filter((f) => /\.converge-/.test(f));
      expect(temps).toEqual([]);
      const again = converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root]);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(again.stdout).not.toContain('failed');
    }
  }, 60_000);

  it('takes over the lock of a process that died', () => {
    const fleet = createFleet(files);
    const root = tempDir();
    const stateDir = path.join(root, 'var/lib/converge');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, command: 'converge apply h', host: 'x', since: 'then' }));
    expect(converge(['apply', '--repo', fleet.dir, '--host', 'h', '--root', root, '--lock-wait', '0']).exitCode).toBe(0);
  });
});
