// Build the Context providers get: the root, the runner, users, secrets, logs.
import process from 'node:process';
import path from 'node:path';
import type { Context } from '../resources/types.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { createRunner } from '../platform/runner.js';
import type { Runner } from '../platform/runner.js';
import { createUserDb } from '../platform/users.js';
import { Scrubber } from '../platform/scrubber.js';
import { noSecrets } from '../secrets/source.js';
import type { SecretSource } from '../secrets/source.js';
import type { Logger } from '../platform/logger.js';

/** The context without what a run adds (its id, backups, cache). */
export type BaseContext = Omit<Context, 'run' | 'backups' | 'cache'>;

export interface ContextOptions {
  root: string;
  stateDir: string;
  log: Logger;
  scrubber?: Scrubber;
  secrets?: SecretSource;
  runner?: Runner;
}

/** The context for converging `loaded` on this machine. */
export function createBaseContext(loaded: LoadedHost, options: ContextOptions): BaseContext {
  const root = options.root === '/' ? '/' : path.resolve(options.root);
  return {
    host: loaded.host,
    root,
    sandboxed: root !== '/',
    privileged: typeof process.geteuid === 'function' ? process.geteuid() === 0 : true,
    paths: loaded.paths,
    local: (hostPath: string) => loaded.paths.toLocal(hostPath, root),
    runner: options.runner ?? createRunner(loaded.host.os),
    log: options.log,
    scrubber: options.scrubber ?? new Scrubber(),
    secrets: options.secrets ?? noSecrets,
    users: createUserDb(root),
    stateDir: options.stateDir,
  };
}

/** The default state directory: /var/lib/converge, or inside the sandbox root. */
export function defaultStateDir(root: string, os: string): string {
  const base = os === 'windows' && process.platform === 'win32' ? 'C:/ProgramData/converge' : '/var/lib/converge';
  return root === '/' ? base : path.join(path.resolve(root), 'var/lib/converge');
}
