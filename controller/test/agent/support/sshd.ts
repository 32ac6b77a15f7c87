// A real sshd on 127.0.0.1 with its own config, host key and authorized key
// in a temp folder, so tests reach git repositories over ssh:// as devices
// reach GitHub. Ports 2222-2229 belong to these tests.
import { spawn, execFileSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** True when an sshd binary is installed. */
export function sshdAvailable(): boolean {
  return existsSync(SSHD) && existsSync('/usr/bin/ssh');
}

export interface Sshd {
  port: number;
  /** ssh:// URL of an absolute path on this machine. */
  url(absPath: string): string;
  /** The environment git needs to use this server (key, known hosts, no prompts). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Start sshd in `dir` on the first free port of 2222-2229. */
export async function startSshd(dir: string): Promise<Sshd> {
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', clientKey]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (let port = 2222; port <= 2229; port++) {
    if (!(await portFree(port))) continue;
    const config = path.join(dir, 'sshd_config');
    writeFileSync(config, [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'LogLevel ERROR',
      '',
    ].join('\n'));
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (!(await listening(port, child))) {
      child.kill('SIGKILL');
      if (/Address already in use/i.test(stderr)) continue;
      throw new Error(`sshd did not start on port ${port}: ${stderr}`);
    }
    const user = os.userInfo().username;
    const knownHosts = path.join(dir, 'known_hosts');
    return {
      port,
      url: (p) => `ssh://${user}@127.0.0.1:${port}${p}`,
      env: { GIT_SSH_COMMAND: `ssh -i ${clientKey} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=accept-new -o BatchMode=yes` },
      stop: () => stopChild(child),
    };
  }
  throw new Error('no free port in 2222-2229 for sshd');
}

async function listening(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    if (!(await portFree(port))) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** True when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Stop a child process and wait for it. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
