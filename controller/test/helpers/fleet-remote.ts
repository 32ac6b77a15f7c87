// A fleet repository as a device's bootstrap sees it: controller/ of this
// checkout (with package.json and the lock file), a lab host, and a bare
// remote to clone from.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './cli.js';
import { git } from './fleet.js';

/** Build it under `dir`; `labFile` is the one file the lab host manages. */
export function fleetRemote(dir: string, options: { labFile?: string } = {}): { remote: string; work: string } {
  const work = path.join(dir, 'fleet');
  mkdirSync(path.join(work, 'controller'), { recursive: true });
  for (const p of ['src', 'bin', 'build.mjs', 'runtime.json']) cpSync(path.join(PROJECT_ROOT, 'controller', p), path.join(work, 'controller', p), { recursive: true });
  for (const p of ['package.json', 'package-lock.json', '.npmrc']) cpSync(path.join(PROJECT_ROOT, p), path.join(work, p));
  mkdirSync(path.join(work, 'hosts/lab'), { recursive: true });
  writeFileSync(path.join(work, 'hosts/lab/host.yml'), 'os: linux\n');
  writeFileSync(path.join(work, 'hosts/lab/files.yml'), `resources:\n  - file: ${options.labFile ?? '/etc/lab.conf'}\n    content: "hello\\n"\n`);
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'fleet');
  const remote = path.join(dir, 'remote.git');
  git(dir, 'clone', '-q', '--bare', work, remote);
  return { remote, work };
}
