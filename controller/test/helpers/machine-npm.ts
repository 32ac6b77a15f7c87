// npm for linux.sh in the nspawn machine: the fresh machine has none, so the
// host's (copied under `dir`, read-only to the machine) is run with the
// machine's node, trusting what this machine trusts.
import { copyFileSync, cpSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Machine } from './nspawn.js';

/** The npm-cli.js path inside the machine, for linux.sh --npm, and the environment to run linux.sh with. */
export function machineNpm(m: Machine, dir: string): { npmCli: string; env: Record<string, string> } {
  const npmDir = path.join(dir, 'npm');
  cpSync(path.join(execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim(), 'npm'), npmDir, { recursive: true });
  const env: Record<string, string> = { npm_config_cache: '/root/.npm', npm_config_update_notifier: 'false' };
  // The machine trusts what this one trusts (a TLS-inspecting proxy in front of the npm registry, say).
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca && existsSync(ca)) {
    copyFileSync(ca, path.join(dir, 'extra-ca.crt'));
    env.NODE_EXTRA_CA_CERTS = m.inside(path.join(dir, 'extra-ca.crt'));
  }
  return { npmCli: `${m.inside(npmDir)}/bin/npm-cli.js`, env };
}
