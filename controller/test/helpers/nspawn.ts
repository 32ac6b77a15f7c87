// A real systemd to test against: the Debian rootfs built once per machine
// (build-rootfs.sh, outside the repository) booted with systemd-nspawn -b as
// ../../shared/testing/REAL-COMPONENTS.md shows, converge run inside it with
// nsenter. Each boot gets its own overlay (writes never reach the cached
// rootfs) and its own podman storage. Safety: the nspawn process is put in
// its own cgroup before it starts, and systemd only ever runs as PID 1 of
// the container, never on the host's root.
import { afterAll, beforeAll } from 'vitest';
import { requireComponent } from './components.js';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, CONVERGE_BIN } from './cli.js';
import type { CliResult } from './cli.js';

export const ROOTFS = process.env.CONVERGE_TEST_ROOTFS ?? '/var/lib/converge-test/rootfs';
const BUILD_SCRIPT = path.join(PROJECT_ROOT, 'controller/test/helpers/build-rootfs.sh');
/** Host /tmp (where tests keep fleets) is visible read-only at this path inside the container. */
const HOST_TMP = '/host-tmp';

/** True when systemd-nspawn and debootstrap exist (the rootfs can be booted, or built). */
export function nspawnAvailable(): boolean {
  return existsSync('/usr/bin/systemd-nspawn') && (existsSync(path.join(ROOTFS, '.converge-rootfs')) || existsSync('/usr/sbin/debootstrap'));
}

/** Build the rootfs if it is missing or from an older recipe (once per machine; ~100 s). */
export function ensureRootfs(): void {
  const r = spawnSync('bash', [BUILD_SCRIPT, ROOTFS], { stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`building the test rootfs failed (see ${ROOTFS}.log)`);
}

export interface Machine {
  /** PID of the container's systemd, seen from the host. */
  pid1: number;
  /** Run a command inside the container (all its namespaces). */
  exec(args: string[], options?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): CliResult;
  /** A shell script inside the container; throws when it fails. */
  sh(script: string): string;
  /** `converge …args` inside the container. */
  converge(args: string[], options?: { timeoutMs?: number }): CliResult;
  /** The path inside the container of a host path under the OS temp dir (fleets). */
  inside(hostPath: string): string;
  /** A host path of a file in the container's filesystem (for reading it). */
  file(containerPath: string): string;
  /** Stop the container and remove its overlay. */
  stop(): Promise<void>;
}

let counter = 0;

/** Boot the rootfs; resolves when systemd reports running (or degraded). */
/**
 * For a test file's beforeAll: fail clearly when nspawn is missing (CI), build
 * the rootfs if needed, and boot a machine.
 */
export async function bootTestMachine(available: boolean, needs = 'systemd-nspawn + a debootstrapped rootfs'): Promise<Machine> {
  requireComponent(available, needs, 'apt-get install systemd-container debootstrap (.ci/run does)');
  ensureRootfs();
  return bootMachine();
}

/**
 * One machine for a describe block: booted (after `setup`, if given) before its
 * tests, stopped after them. Returns a getter, since the machine exists only
 * once beforeAll has run.
 */
export function useTestMachine(available: boolean, options: { needs?: string; setup?: (machine: Machine) => void } = {}): () => Machine {
  let machine: Machine | undefined;
  beforeAll(async () => {
    machine = await bootTestMachine(available, options.needs);
    options.setup?.(machine);
  }, 900_000);
  afterAll(async () => machine?.stop());
  return () => {
    if (!machine) throw new Error('the test machine did not boot (see beforeAll)');
    return machine;
  };
}

export async function bootMachine(): Promise<Machine> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'converge-nspawn-'));
  const upper = path.join(work, 'upper');
  const containers = path.join(work, 'containers');
  mkdirSync(upper);
  mkdirSync(containers);
  const cgroup = `converge-test-${process.pid}-${++counter}`;
  const hierarchies = ['systemd', 'unified'].map((h) => `/sys/fs/cgroup/${h}`).filter((d) => existsSync(d));
  // cgroup v2 only machines: the unified tree is /sys/fs/cgroup itself
  if (hierarchies.length === 0) hierarchies.push('/sys/fs/cgroup');
  const script = [
    'set -e',
    // the launching shell (and so nspawn) in its own cgroup, never the host's root cgroup
    ...hierarchies.map((h) => `mkdir -p ${h}/${cgroup} && echo $$ > ${h}/${cgroup}/cgroup.procs`),
    'exec "$@"',
  ].join('\n');
  const args = [
    '-c', script, 'boot',
    'systemd-nspawn',
    '-D', ROOTFS,
    `--overlay=${ROOTFS}:${upper}:/`,
    // podman's overlay storage cannot sit on the overlay root
    `--bind=${containers}:/var/lib/containers`,
    `--bind=${PROJECT_ROOT}:/project`,
    `--bind-ro=${process.execPath}:/usr/bin/node`,
    `--bind-ro=${os.tmpdir()}:${HOST_TMP}`,
    // runc needs bpf (device cgroup) and keyctl (session keyring), which nspawn's filter refuses by default
    '--system-call-filter=bpf keyctl add_key request_key',
    '--register=no', '--keep-unit', '--console=passive', '-q',
    `--machine=${cgroup}`,
    '-b',
  ];
  const log = path.join(work, 'nspawn.log');
  const out = openSync(log, 'a');
  // the container sees a cgroup v2 tree, which podman inside it needs
  const child = spawn('bash', args, { stdio: ['ignore', out, out], env: { ...process.env, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY: '1' } });
  closeSync(out);
  const cgroups = hierarchies.map((h) => `${h}/${cgroup}`);
  let machine: Machine | undefined;
  try {
    const pid1 = await waitForPid1(child, log);
    machine = makeMachine(pid1, child, work, upper, cgroups);
    await waitRunning(machine, log, child);
    return machine;
  } catch (error) {
    // never leave a half-booted container behind
    if (machine) await machine.stop();
    else {
      child.kill('SIGKILL');
      await waitExit(child, 5_000);
      await removeCgroups(cgroups);
      rmSync(work, { recursive: true, force: true });
    }
    throw error;
  }
}

function makeMachine(pid1: number, child: ChildProcess, work: string, upper: string, cgroups: string[]): Machine {
  const exec: Machine['exec'] = (args, options = {}) => {
    const r = spawnSync('nsenter', ['-t', String(pid1), '-a', ...args], {
      encoding: 'utf8',
      input: options.input,
      timeout: options.timeoutMs ?? 120_000,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root', NO_COLOR: '1', ...options.env },
    });
    return { exitCode: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return {
    pid1,
    exec,
    sh(script) {
      const r = exec(['/bin/sh', '-c', script]);
      if (r.exitCode !== 0) throw new Error(`in the container, '${script}' exited ${r.exitCode}: ${r.stderr || r.stdout}`);
      return r.stdout;
    },
    converge(args, options = {}) {
      return exec(['/usr/bin/node', path.join('/project', path.relative(PROJECT_ROOT, CONVERGE_BIN)), ...args], { timeoutMs: options.timeoutMs ?? 240_000 });
    },
    inside(hostPath) {
      const rel = path.relative(os.tmpdir(), hostPath);
      if (rel.startsWith('..')) throw new Error(`${hostPath} is not under ${os.tmpdir()}, so the container cannot see it`);
      return path.posix.join(HOST_TMP, rel);
    },
    file(containerPath) {
      // written files land in the overlay's upper layer; unchanged ones are in the rootfs
      const inUpper = path.join(upper, containerPath);
      return existsSync(inUpper) ? inUpper : path.join(ROOTFS, containerPath);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const exited = await waitExit(child, 15_000);
        if (!exited) {
          child.kill('SIGKILL');
          await waitExit(child, 5_000);
        }
      }
      await removeCgroups(cgroups);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

async function waitForPid1(child: ChildProcess, log: string): Promise<number> {
  const nspawn = child.pid!; // bash exec's systemd-nspawn: same pid
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`systemd-nspawn exited ${child.exitCode}: ${readFileSync(log, 'utf8')}`);
    const kid = childPid(nspawn);
    // once bash has exec'd nspawn (argv[0], not bash's mkdir children), nspawn's child is the container's
    // PID 1 when it has exec'd systemd
    if (kid && readCmd(nspawn).startsWith('systemd-nspawn ') && /^\S*systemd /.test(readCmd(kid))) return kid;
    await sleep(20);
  }
  throw new Error(`the container's systemd did not start: ${readFileSync(log, 'utf8')}`);
}

async function waitRunning(machine: Machine, log: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000; // a loaded 2-core machine can take a while
  let last = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`systemd-nspawn exited ${child.exitCode} while booting: ${readFileSync(log, 'utf8')}`);
    const r = machine.exec(['systemctl', 'is-system-running', '--wait'], { timeoutMs: 60_000 });
    const state = r.stdout.trim();
    if (state === 'running' || state === 'degraded') return;
    last = `${state} ${r.stderr.trim()}`;
    await sleep(200);
  }
  throw new Error(`the container did not finish booting (last answer: ${last}): ${readFileSync(log, 'utf8')}`);
}

function childPid(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? Number(text.split(/\s+/)[0]) : null;
  } catch {
    return null;
  }
}

function readCmd(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Remove the boot's cgroups; the kernel empties them a moment after the container exits, so retry briefly. */
async function removeCgroups(dirs: string[]): Promise<void> {
  for (let i = 0; i < 50; i++) {
    for (const d of dirs) removeCgroup(d);
    if (dirs.every((d) => !existsSync(d))) return;
    await sleep(100);
  }
}

/** rmdir a cgroup and the ones nspawn made below it (empty once the container is gone). */
function removeCgroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir)) {
    const sub = path.join(dir, e);
    try {
      if (statSync(sub).isDirectory()) removeCgroup(sub);
    } catch {
      // gone already
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // still busy: the caller retries; an empty cgroup left behind costs nothing
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Build a tiny local image (busybox-static imported as a rootfs) inside the container: no registry needed. */
export function buildBusyboxImage(machine: Machine, tag = 'localhost/busybox:test'): void {
  machine.sh([
    'set -e',
    'd=$(mktemp -d)',
    'mkdir -p $d/bin $d/www',
    'cp /bin/busybox $d/bin/',
    'for a in sh httpd sleep nc cat echo ls wget env; do ln -s busybox $d/bin/$a; done',
    'echo hello > $d/www/index.html',
    'tar -C $d -cf /var/tmp/busybox.tar .',
    `podman import --change 'CMD=["/bin/sh"]' /var/tmp/busybox.tar ${tag} >/dev/null`,
    'rm -rf $d /var/tmp/busybox.tar',
  ].join('\n'));
}
