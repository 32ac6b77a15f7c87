// Real nftables in network namespaces of this test's own: a server namespace
// where converge loads its table, and a client namespace joined to it by a
// veth pair, with a tailnet address (100.64.7.2) and another (192.0.2.2). A
// real connection from the tailnet is let in, one from elsewhere refused; a
// rule deleted by hand is drift, healed; a table converge did not write is
// never touched.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createFleet } from '../helpers/fleet.js';
import { CONVERGE_BIN } from '../helpers/cli.js';
import type { CliResult } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, present, requireComponent } from '../helpers/components.js';

const available = process.getuid?.() === 0 && present('/usr/sbin/nft') && (present('/usr/sbin/ip') || present('/sbin/ip') || present('/usr/bin/ip'));
const srv = `conv-fw-srv-${process.pid}`;
const cli = `conv-fw-cli-${process.pid}`;

function sh(...args: string[]): string {
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** converge inside the server namespace (its nft calls reach only that namespace's tables). */
function convergeIn(args: string[]): CliResult {
  const r = spawnSync('ip', ['netns', 'exec', srv, process.execPath, CONVERGE_BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
  return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Connect from the client namespace, from `local` to `remote`:19999: "ok" or the error code. */
function connect(local: string, remote: string, ns = cli): string {
  const script = `const s=require('net').connect({host:'${remote}',port:19999,localAddress:'${local}'});s.setTimeout(10000,()=>{console.log('TIMEOUT');process.exit()});s.on('data',d=>{console.log(String(d).trim());process.exit()});s.on('error',e=>{console.log(e.code);process.exit()})`;
  return sh('ip', 'netns', 'exec', ns, process.execPath, '-e', script).trim();
}

const FOREIGN = 'table inet someone-else {\n  chain input {\n    type filter hook input priority 10; policy accept;\n    tcp dport 5555 drop\n  }\n}\n';

describeWith(available)('firewall rules in real nftables', () => {
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    requireComponent(available, 'root, nft and ip (network namespaces)', 'apt-get install nftables iproute2 (.ci/run does)');
    sh('ip', 'netns', 'add', srv);
    sh('ip', 'netns', 'add', cli);
    sh('ip', 'link', 'add', 'fw-s', 'netns', srv, 'type', 'veth', 'peer', 'name', 'fw-c', 'netns', cli);
    for (const [ns, dev, a, b] of [[srv, 'fw-s', '100.64.7.1/24', '192.0.2.1/24'], [cli, 'fw-c', '100.64.7.2/24', '192.0.2.2/24']] as const) {
      sh('ip', '-n', ns, 'addr', 'add', a, 'dev', dev);
      sh('ip', '-n', ns, 'addr', 'add', b, 'dev', dev);
      sh('ip', '-n', ns, 'link', 'set', dev, 'up');
      sh('ip', '-n', ns, 'link', 'set', 'lo', 'up');
    }
    sh('ip', 'netns', 'exec', srv, 'sh', '-c', `nft -f - <<'EOF'\n${FOREIGN}EOF`);
    server = spawn('ip', ['netns', 'exec', srv, process.execPath, '-e', "require('net').createServer(s=>s.end('ok\\n')).listen(19999,'0.0.0.0',()=>console.log('listening'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: server.stdout! });
    await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  }, 60_000);

  afterAll(() => {
    server?.kill();
    for (const ns of [srv, cli]) spawnSync('ip', ['netns', 'del', ns]);
  });

  it('lets the tailnet and loopback in, refuses everyone else, heals a rule deleted by hand, and leaves other tables alone', () => {
    const fleet = createFleet({
      'hosts/box/host.yml': 'os: linux\n',
      'hosts/box/firewall.yml': 'resources:\n  - firewall: netdata-dashboard\n    port: 19999\n    from: [100.64.0.0/10, 127.0.0.0/8, "::1"]\n',
    });
    const args = ['--repo', fleet.dir, '--host', 'box', '--state-dir', path.join(tempDir(), 'state')];
    expect(connect('192.0.2.2', '192.0.2.1')).toBe('ok'); // open before converge

    const first = convergeIn(['apply', ...args]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('firewall:netdata-dashboard');
    expect(connect('100.64.7.2', '100.64.7.1')).toBe('ok');
    expect(connect('192.0.2.2', '192.0.2.1')).toBe('ECONNREFUSED');
    expect(connect('127.0.0.1', '127.0.0.1', srv)).toBe('ok');
    expect(convergeIn(['plan', ...args]).exitCode).toBe(0);

    // by hand: the refusal goes
    const listing = sh('ip', 'netns', 'exec', srv, 'nft', '-a', 'list', 'chain', 'inet', 'converge', 'input');
    const handle = /reject with tcp reset comment "converge:netdata-dashboard" # handle (\d+)/.exec(listing)![1]!;
    sh('ip', 'netns', 'exec', srv, 'nft', 'delete', 'rule', 'inet', 'converge', 'input', 'handle', handle);
    expect(connect('192.0.2.2', '192.0.2.1')).toBe('ok');
    const drift = convergeIn(['plan', ...args]);
    expect(drift.exitCode).toBe(2);
    expect(drift.stdout).toContain('~ firewall:netdata-dashboard  (drift: changed by hand since the last converge)');
    expect(drift.stdout).toContain('rules changed by hand → tcp/19999 from 100.64.0.0/10, 127.0.0.0/8, ::1 only');
    const healed = convergeIn(['apply', ...args]);
    expect(healed.exitCode, healed.stdout + healed.stderr).toBe(0);
    expect(connect('192.0.2.2', '192.0.2.1')).toBe('ECONNREFUSED');
    expect(connect('100.64.7.2', '100.64.7.1')).toBe('ok');

    // the other table is exactly as it was
    expect(sh('ip', 'netns', 'exec', srv, 'nft', 'list', 'table', 'inet', 'someone-else')).toContain('tcp dport 5555 drop');

    // the rule leaves the manifests: ensure absent opens the port again
    writeFileSync(path.join(fleet.dir, 'hosts/box/firewall.yml'), 'resources:\n  - firewall: netdata-dashboard\n    ensure: absent\n    port: 19999\n    from: [100.64.0.0/10]\n');
    const removed = convergeIn(['apply', ...args]);
    expect(removed.exitCode, removed.stdout + removed.stderr).toBe(0);
    expect(connect('192.0.2.2', '192.0.2.1')).toBe('ok');
    expect(sh('ip', 'netns', 'exec', srv, 'nft', 'list', 'table', 'inet', 'someone-else')).toContain('tcp dport 5555 drop');
  });
});
