// Rollout through rings, end to end with real daemons: 3 rings of N hosts
// (soak 0) against one local signed origin. Measures the time from a merge to
// each ring having applied it (every host of the ring), and the agent's CPU
// per poll with gating on: idle (nothing waits: no status-branch read) and
// while a commit waits for its ring (each poll reads the status branch).
//   npx tsx bench/rollout/rings.ts [--hosts 10] [--poll 2s] [--polls 40]
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { agentConfig, arg, cpuOf, git, scratch, signedOrigin, startAgent, until } from '../agent/support.js';
import type { AgentProcess } from '../agent/support.js';

const perRing = Number(arg('hosts', '10'));
const poll = arg('poll', '2s');
const cpuPolls = Number(arg('polls', '40'));
const RINGS = ['canary', 'early', 'rest'];
/** Each host's own key, as on a real device: the public line goes in its host.yml (agentKey), the private one in its config (signingKey); gating counts only reports it signed. */
const devices = new Map<string, { key: string; pub: string }>();

function deviceKey(dir: string, host: string): { key: string; pub: string } {
  const key = path.join(dir, `device-${host}`);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', host, '-f', key]);
  return { key, pub: readFileSync(`${key}.pub`, 'utf8').trim() };
}

function fleet(version: string): Record<string, string> {
  const files: Record<string, string> = { 'hosts/_fleet.yml': `soak: 0s\nrings: [${RINGS.join(', ')}]\n` };
  for (const [r, ring] of RINGS.entries()) {
    for (let i = 0; i < perRing; i++) {
      const h = `h${r}-${i}`;
      files[`hosts/${h}/host.yml`] = `os: linux\nring: ${ring}\nagentKey: ${devices.get(h)!.pub}\n`;
      files[`hosts/${h}/app.yml`] = `resources:\n  - file: /etc/app.conf\n    content: "${version}\\n"\n`;
    }
  }
  return files;
}

/** host → the commit (7) its newest "applied" status commit names. */
function appliedBy(bare: string): Map<string, string> {
  const out = new Map<string, string>();
  let log: string;
  try {
    log = git(bare, 'log', '--format=%s', 'status');
  } catch {
    return out;
  }
  for (const line of log.split('\n')) {
    const m = /^([a-z0-9-]+): applied ([0-9a-f]{7})/.exec(line);
    if (m && !out.has(m[1]!)) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Polls logged since line `from`. */
function pollsSince(agent: AgentProcess, from: number): number {
  return agent.lines().slice(from).filter((l) => l.includes('"msg":"polled"') || l.includes('polled')).length;
}

/** CPU of the agent and the git it ran (self + waited-for children), in ms. */
function cpuNow(agent: AgentProcess): number {
  const c = cpuOf(agent.child.pid!);
  return c.self + c.children;
}

async function main(): Promise<void> {
  const dir = scratch('converge-bench-rings-');
  const hosts = RINGS.flatMap((_, r) => Array.from({ length: perRing }, (__, i) => `h${r}-${i}`));
  for (const h of hosts) devices.set(h, deviceKey(dir, h));
  const origin = signedOrigin(dir, fleet('v0'));
  const agents = hosts.map((h) => startAgent(agentConfig(dir, h, origin.url, origin.signers, { poll, interval: '24h', heartbeat: '24h', signingKey: devices.get(h)!.key }), h === `h2-0` ? 'debug' : 'warn'));
  try {
    const v0 = git(`${dir}/work`, 'rev-parse', 'HEAD').trim().slice(0, 7);
    await until('every host on the first commit', () => [...appliedBy(origin.bare).values()].filter((c) => c === v0).length === hosts.length, 600_000);
    const probe = agents[hosts.indexOf('h2-0')]!;
    await new Promise((r) => setTimeout(r, 3000));
    const idleFrom = probe.lines().length;
    const idleCpu = cpuNow(probe);
    await until(`${cpuPolls} idle polls`, () => pollsSince(probe, idleFrom) >= cpuPolls, 600_000);
    const idle = { n: pollsSince(probe, idleFrom), mean: (cpuNow(probe) - idleCpu) / pollsSince(probe, idleFrom) };

    const merged = Date.now();
    const c1 = origin.commit(fleet('v1'), 'v1').slice(0, 7);
    const heldFrom = probe.lines().length;
    const heldCpu = cpuNow(probe);
    const ringDone: number[] = [];
    let held = { n: 0, mean: 0 };
    // After the first held poll (which fetches, verifies and validates v1): what each further waiting poll costs.
    await until('the first held poll', () => pollsSince(probe, heldFrom) >= 1, 600_000);
    const waitFrom = probe.lines().length;
    const waitCpu = cpuNow(probe);
    let waiting = { n: 0, mean: 0 };
    for (const [r] of RINGS.entries()) {
      const members = hosts.filter((h) => h.startsWith(`h${r}-`));
      await until(`ring ${RINGS[r]} applied`, () => { const a = appliedBy(origin.bare); return members.every((h) => a.get(h) === c1); }, 900_000);
      ringDone.push(Date.now() - merged);
      // h2-0 waited for canary and early until now
      if (r === 1) {
        const cpu = cpuNow(probe);
        held = { n: pollsSince(probe, heldFrom), mean: (cpu - heldCpu) / Math.max(1, pollsSince(probe, heldFrom)) };
        waiting = { n: pollsSince(probe, waitFrom), mean: (cpu - waitCpu) / Math.max(1, pollsSince(probe, waitFrom)) };
      }
    }
    console.log(`rollout: ${RINGS.length} rings × ${perRing} hosts, soak 0, poll ${poll}, daemons on a local file:// origin`);
    RINGS.forEach((ring, r) => console.log(`  merge → ring ${ring} applied (every host): ${(ringDone[r]! / 1000).toFixed(1)} s`));
    console.log(`  merge → last ring applied: ${(ringDone.at(-1)! / 1000).toFixed(1)} s`);
    console.log(`agent CPU per poll (h2-0, in the last ring), gating on:`);
    console.log(`  idle, nothing waiting: ${idle.mean.toFixed(2)} ms over ${idle.n} polls (no status-branch read; agent + its git children)`);
    console.log(`  while v1 waited for its ring: ${held.mean.toFixed(2)} ms over ${held.n} polls (the first includes fetch, verify and validate of v1)`);
    console.log(`  each waiting poll after the first: ${waiting.mean.toFixed(2)} ms over ${waiting.n} polls (ls-remote, then a read of the status branch when it moved)`);
    console.log(`\nreproduce: npm run build && npx tsx bench/rollout/rings.ts --hosts ${perRing} --poll ${poll} --polls ${cpuPolls}`);
  } finally {
    await Promise.all(agents.map((a) => a.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
