// A no-op converge of a host with 30 units, 5 containers and 10 services:
// the whole `converge apply` process, inside the nspawn container (real
// systemd, real podman). Prints the wall time of each run and how many
// `systemctl show` calls a run made (the target: one).
//   node bench/services/run.mjs noop-converge.ts   (after npm run build; as root)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootMachine, buildBusyboxImage, ensureRootfs } from '../../controller/test/helpers/nspawn.js';

const RUNS = Number(process.env.RUNS ?? 15);
const UNITS = 30;
const CONTAINERS = 5;
const SERVICES = 10;
const PORT = 8250;

function fleet(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'converge-bench-fleet-'));
  const lines = ['resources:'];
  for (let i = 0; i < UNITS; i++) {
    lines.push(`  - unit: bench-unit-${i}.service`, '    enabled: true', '    running: true', '    content: |', '      [Service]', '      ExecStart=/bin/sleep infinity', '      [Install]', '      WantedBy=multi-user.target');
  }
  for (let i = 0; i < CONTAINERS; i++) {
    lines.push(`  - container: bench-${i}`, '    image: localhost/busybox:test', '    pull: never', '    network: host', '    init: true', `    command: [httpd, -f, -p, "127.0.0.1:${PORT + i}", -h, /www]`);
  }
  for (let i = 0; i < SERVICES; i++) lines.push(`  - service: bench-pkg-${i}`, '    enabled: true', '    running: true');
  mkdirSync(path.join(dir, 'hosts/bench'), { recursive: true });
  writeFileSync(path.join(dir, 'hosts/bench/host.yml'), 'os: linux\n');
  writeFileSync(path.join(dir, 'hosts/bench/bench.yml'), lines.join('\n') + '\n');
  const git = (...args: string[]) => spawnSync('git', ['-C', dir, ...args], { env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' } });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return dir;
}

ensureRootfs();
const machine = await bootMachine();
const dir = fleet();
try {
  buildBusyboxImage(machine);
  // ten services "installed by packages": units in /usr/lib, not converge's
  machine.sh(`for i in $(seq 0 ${SERVICES - 1}); do printf '[Service]\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n' > /usr/lib/systemd/system/bench-pkg-$i.service; done; systemctl daemon-reload`);
  const args = ['apply', '--repo', machine.inside(dir), '--host', 'bench', '--log-level', 'debug'];
  const first = machine.converge(args, { timeoutMs: 600_000 });
  if (first.exitCode !== 0) throw new Error(`the first converge failed:\n${first.stdout}\n${first.stderr}`);
  const times: number[] = [];
  let shows = 0;
  let inspects = 0;
  for (let i = 0; i < RUNS; i++) {
    // timed inside the container: the converge process from exec to exit
    const r = machine.exec(['/bin/sh', '-c', `s=$(date +%s%N); node /project/controller/bin/converge.js ${args.join(' ')} --detailed-exitcode >/dev/null 2>/tmp/bench.log; rc=$?; e=$(date +%s%N); echo $(( (e - s) / 1000 )) $rc; cat /tmp/bench.log`]);
    const [head, ...log] = r.stdout.split('\n');
    const [micros, rc] = head!.split(' ').map(Number);
    if (rc !== 0) throw new Error(`run ${i} was not a no-op (exit ${rc}):\n${log.join('\n')}`);
    times.push(micros! / 1000);
    shows = Math.max(shows, log.filter((l) => l.includes('"msg":"systemctl show"')).length);
    inspects = Math.max(inspects, log.filter((l) => l.includes('"msg":"podman container inspect"')).length);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`no-op converge apply of ${UNITS} units + ${CONTAINERS} containers + ${SERVICES} services (${UNITS + CONTAINERS + SERVICES} resources), whole process, in the nspawn container:`);
  console.log(`  runs ${RUNS}: median ${median.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms`);
  console.log(`  systemctl show calls per run: ${shows} (podman container inspect calls per run: ${inspects})`);
  console.log(`  target: < 1000 ms with one systemctl show: ${median < 1000 && shows <= 1 ? 'met' : 'NOT met'}`);
  console.log('reproduce: npm run build && node bench/services/run.mjs noop-converge.ts   (root; RUNS=n to change the count)');
} finally {
  await machine.stop();
  rmSync(dir, { recursive: true, force: true });
}
