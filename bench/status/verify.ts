// The cost of verifying reports in `converge status`: N hosts, each with its
// own key declared as agentKey: in its host.yml, each having pushed a signed
// report through the agent's own code (report/status-branch.ts). Then the
// fleet view (report/status-read.ts, what `converge status` runs) is read with
// the keys declared (every report verified: one ssh-keygen per host) and
// without them (nothing to verify), and the difference is the verification.
//   npx tsx bench/status/verify.ts [--hosts 100] [--runs 3]
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Outbox } from '../../controller/src/report/outbox.js';
import { StatusBranch } from '../../controller/src/report/status-branch.js';
import { readFleetStatus } from '../../controller/src/report/status-read.js';
import { arg, git, scratch } from '../agent/support.js';

const n = Number(arg('hosts', '100'));
const runs = Number(arg('runs', '3'));

const dir = scratch('converge-bench-verify-');
try {
  const bare = path.join(dir, 'origin.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
  git(bare, 'config', 'uploadpack.allowFilter', 'true');
  git(dir, 'init', '-q', '-b', 'main', work);
  const names = Array.from({ length: n }, (_, i) => `host-${String(i).padStart(3, '0')}`);
  const keys = names.map((name) => {
    const key = path.join(dir, `${name}.key`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
    return key;
  });
  const writeFleet = (withKeys: boolean) => {
    for (const [i, name] of names.entries()) {
      const agentKey = withKeys ? `agentKey: ${readFileSync(`${keys[i]}.pub`, 'utf8').trim()}\n` : '';
      execFileSync('mkdir', ['-p', path.join(work, 'hosts', name)]);
      execFileSync('sh', ['-c', 'cat > "$0"', path.join(work, 'hosts', name, 'host.yml')], { input: `os: linux\n${agentKey}` });
    }
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '--allow-empty', '-m', withKeys ? 'keys' : 'no keys');
    git(work, 'push', '-q', '--force', bare, 'HEAD:refs/heads/main');
  };
  writeFleet(true);
  const url = `file://${bare}`;
  const started = Date.now();
  for (const [i, name] of names.entries()) {
    const stateDir = path.join(dir, 'state', name);
    const outbox = await Outbox.open(stateDir);
    const at = new Date().toISOString();
    await outbox.add({
      id: `${name}-bench`,
      statusJson: JSON.stringify({ version: 1, host: name, reportId: `${name}-bench`, result: 'converged', event: `${name}: applied`, endedAt: at, applied: null, resources: [], errors: [] }, null, 2) + '\n',
      statusMarkdown: `# ${name}\n`,
      message: `${name}: applied\n`,
      at,
    });
    const branch = await StatusBranch.open(stateDir, { url, branch: 'status', host: name, signingKey: keys[i] });
    await branch.deliver(await outbox.list(), (e) => outbox.remove(e));
  }
  console.log(`${n} hosts pushed ${n} signed reports in ${((Date.now() - started) / 1000).toFixed(1)} s (one after another)`);

  const measure = async (label: string, expectVerified: boolean) => {
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = Date.now();
      const fleet = await readFleetStatus({ url, branch: 'main', statusBranch: 'status' });
      times.push(Date.now() - t);
      const verified = fleet.hosts.filter((h) => h.verified).length;
      if (fleet.hosts.length !== n || verified !== (expectVerified ? n : 0)) throw new Error(`expected ${n} hosts (${expectVerified ? n : 0} verified), got ${fleet.hosts.length} (${verified})`);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(`${label}: median ${(median / 1000).toFixed(2)} s of ${runs} runs (${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`);
    return median;
  };
  const verified = await measure(`converge status, ${n} hosts, every report verified`, true);
  writeFleet(false);
  const plain = await measure(`converge status, ${n} hosts, no agentKey declared (nothing verified)`, false);
  console.log(`verification costs ${((verified - plain) / 1000).toFixed(2)} s for ${n} hosts (${((verified - plain) / n).toFixed(1)} ms a host)`);
  console.log(`\nreproduce: npm run build && npx tsx bench/status/verify.ts --hosts ${n} --runs ${runs}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
