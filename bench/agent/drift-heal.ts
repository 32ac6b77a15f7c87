// Drift heal latency: a daemon with selfHeal on manages the peers' workload
// (N/10 directories, N files, N/10 symlinks); this process edits one managed
// file at a time the way people and tools do (an editor's write in place, an
// append, an editor's save through a temp file renamed into place, a chmod,
// a delete) and times, from the moment its write returned:
//   heal  — the file's bytes and mode are the declared ones again;
//   queue — the drift report is in the agent's outbox (on disk, for the status branch).
// Both are observed from this process with inotify (fs.watch), so the clocks are one.
// At the end the status branch must hold one `drift healed` commit per edit.
//   npx tsx bench/agent/drift-heal.ts [--edits 100] [--files 1000]
import { appendFileSync, chmodSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import { agentConfig, arg, cpuOf, git, percentile, reproduce, scratch, signedOrigin, startAgent, statusCount, until } from './support.js';

const edits = Number(arg('edits', '100'));
const files = Number(arg('files', '1000'));
const KINDS = ['write in place', 'append', 'rename into place', 'chmod', 'delete'] as const;

const pad = (n: number) => String(n).padStart(3, '0');
const fileOf = (i: number) => `/d${pad(Math.floor(i / 10))}/f${pad(i)}`;
const contentOf = (i: number) => `# managed by the drift bench\nindex: ${i}\nend of file ${i}\n`;

function host(): Record<string, string> {
  const dirs = ['resources:'];
  const links = ['resources:'];
  const fl = ['resources:'];
  for (let d = 0; d < files / 10; d++) {
    dirs.push(`  - directory: "/d${pad(d)}"`, '    mode: "0755"');
    links.push(`  - symlink: "/l${pad(d)}"`, `    target: "d${pad(d)}/f${pad(d * 10)}"`);
  }
  for (let i = 0; i < files; i++) fl.push(`  - file: "${fileOf(i)}"`, `    content: ${JSON.stringify(contentOf(i))}`, '    mode: "0644"');
  return {
    'hosts/drift/host.yml': 'os: linux\nvars: {}\nprune: false\n',
    'hosts/drift/dirs.yml': dirs.join('\n') + '\n',
    'hosts/drift/files.yml': fl.join('\n') + '\n',
    'hosts/drift/links.yml': links.join('\n') + '\n',
  };
}

function correct(file: string, i: number): boolean {
  try {
    const st = lstatSync(file);
    return st.isFile() && (st.mode & 0o7777) === 0o644 && readFileSync(file, 'utf8') === contentOf(i);
  } catch {
    return false;
  }
}

/** Resolves when `test` holds, checked on each inotify event in `dir` (and every 20 ms, should an event be missed). */
function whenTrue(dir: string, test: () => boolean, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | null = null;
    const done = () => {
      if (!test()) return false;
      const at = performance.now();
      watcher?.close();
      clearInterval(timer);
      clearTimeout(deadline);
      resolve(at);
      return true;
    };
    const timer = setInterval(done, 20);
    const deadline = setTimeout(() => {
      watcher?.close();
      clearInterval(timer);
      reject(new Error(`timed out waiting for ${what}`));
    }, 30_000);
    watcher = watch(dir, () => void done());
    done();
  });
}

function edit(kind: (typeof KINDS)[number], file: string, i: number): void {
  if (kind === 'write in place') writeFileSync(file, `by hand ${i}\n`);
  else if (kind === 'append') appendFileSync(file, `# appended by hand\n`);
  else if (kind === 'chmod') chmodSync(file, 0o600);
  else if (kind === 'delete') unlinkSync(file);
  else {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.swp`);
    writeFileSync(tmp, `saved by an editor ${i}\n`);
    renameSync(tmp, file);
  }
}

async function main(): Promise<void> {
  const dir = scratch('converge-bench-drift-');
  const origin = signedOrigin(dir, host());
  // driftWindow 0s: each edit's report is pushed on its own (the default batches a minute of drift into one commit).
  const config = agentConfig(dir, 'drift', origin.url, origin.signers, { poll: '1h', interval: '24h', selfHeal: 'true', driftWindow: '0s' });
  const root = path.join(dir, 'root-drift');
  const outbox = path.join(dir, 'state-drift', 'outbox');
  // AGENT_NODE_OPTIONS: node options for the agent alone (--import a profiler).
  // At the level devices run (info): debug lines would be part of what is timed.
  const agent = startAgent(config, 'info', process.env.AGENT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.AGENT_NODE_OPTIONS } : {});
  const heal: number[] = [];
  const queue: number[] = [];
  const perKind = new Map<string, number[]>();
  let cpuPerEdit: { self: number; children: number } | undefined;
  try {
    await until('the first status commit', () => statusCount(origin.bare) === 1, 600_000);
    await until('the drift watch', () => agent.lines().some((l) => l.includes('watching managed paths')), 60_000);
    const seen = new Set<string>();
    const entries = () => {
      try {
        return readdirSync(outbox).filter((n) => !n.startsWith('.') && n !== 'seq');
      } catch {
        return [];
      }
    };
    for (const n of entries()) seen.add(n);
    const cpu0 = cpuOf(agent.child.pid!);
    for (let k = 0; k < edits; k++) {
      // A person's edits are far apart: each one finds the agent idle (the last report pushed).
      await until('the last report pushed', () => entries().length === 0, 60_000);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      const i = Math.floor(Math.random() * files);
      const file = path.join(root, fileOf(i));
      const kind = KINDS[k % KINDS.length]!;
      const newEntry = () => entries().find((n) => !seen.has(n));
      const queued = whenTrue(outbox, () => newEntry() !== undefined, `the drift report of edit ${k}`);
      edit(kind, file, i);
      const t0 = performance.now();
      const healed = whenTrue(path.dirname(file), () => correct(file, i), `the heal of ${fileOf(i)} (${kind})`);
      const [t1, t2] = await Promise.all([healed, queued]);
      for (const n of entries()) seen.add(n);
      heal.push(t1 - t0);
      queue.push(t2 - t0);
      if (!perKind.has(kind)) perKind.set(kind, []);
      perKind.get(kind)!.push(t1 - t0);
    }
    const cpu1 = cpuOf(agent.child.pid!);
    cpuPerEdit = { self: (cpu1.self - cpu0.self) / edits, children: (cpu1.children - cpu0.children) / edits };
    await until('every drift report on the status branch', () => statusCount(origin.bare) >= 1 + edits, 120_000);
    const subjects = git(origin.bare, 'log', '--format=%s', 'status').trim().split('\n');
    const healedCommits = subjects.filter((s) => s.startsWith('drift: drift healed in file:')).length;
    if (healedCommits !== edits) throw new Error(`expected ${edits} "drift healed" status commits, found ${healedCommits}:\n${subjects.slice(0, 5).join('\n')}`);
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const line = (xs: number[]) => `p50 ${ms(percentile(xs, 50))}, p95 ${ms(percentile(xs, 95))}, max ${ms(Math.max(...xs))}`;
  console.log(`drift heal: ${edits} edits on a host of ${files} files (${files / 10} dirs, ${files / 10} links), selfHeal on, one edit at a time`);
  console.log(`write → file correct again:    ${line(heal)}   [target p95 < 50 ms]`);
  console.log(`write → drift report queued:   ${line(queue)}   [target p95 < 100 ms]`);
  if (cpuPerEdit) console.log(`agent CPU per edit: ${cpuPerEdit.self.toFixed(1)} ms (its git children, for the status pushes: ${cpuPerEdit.children.toFixed(1)} ms)`);
  for (const [kind, xs] of perKind) console.log(`  ${kind.padEnd(18)} heal ${line(xs)} (${xs.length})`);
  reproduce('drift-heal.ts', ['--edits', String(edits), '--files', String(files)]);
}

await main();
