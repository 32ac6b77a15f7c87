// What plan and apply share: find the repository, the host, the root and the
// state directory (from flags, or the agent config), and load the host.
import { existsSync, lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { loadHostCached } from '../manifest/load-cache.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { ManifestError } from '../manifest/diagnostics.js';
import type { AgentConfig } from '../agent/config-schema.js';
import { createBaseContext, defaultStateDir } from '../engine/context.js';
import type { BaseContext } from '../engine/context.js';
import { createLogger } from '../platform/logger.js';
import type { LogLevel } from '../platform/logger.js';
import { Scrubber } from '../platform/scrubber.js';
import { machineFacts } from '../platform/facts.js';
import { ConvergeError } from '../platform/errors.js';
import { controllerOf } from '../platform/safe-path.js';
import { findRepo, headCommit } from '../source/git-head.js';
import { createSecretSource } from '../secrets/backend.js';

export interface HostRunFlags {
  host?: string;
  root?: string;
  stateDir?: string;
  config?: string;
  repo?: string;
  json?: boolean;
  logLevel?: LogLevel;
}

export interface HostRun {
  repo: string;
  config: AgentConfig | null;
  loaded: LoadedHost;
  base: BaseContext;
  commit: string | null;
}

/**
 * The fleet repository: --repo, else the one around the working directory. With
 * `owned` (a root plan or apply), one found that way must be root's own: a run as
 * root takes no manifests from a folder a local user owns or can write.
 */
export function resolveRepo(flag: string | undefined, options: { owned?: boolean } = {}): string {
  if (flag) return path.resolve(flag);
  const found = findRepo(process.cwd());
  if (!found) throw new ConvergeError('invalid-input', 'not inside a fleet repository (no hosts/ folder or .git above this directory); pass --repo DIR');
  if (options.owned) for (const dir of [found, path.join(found, 'hosts')]) refuseForeign(dir);
  return found;
}

function refuseForeign(dir: string): void {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (!st || process.geteuid?.() !== 0) return;
  const who = controllerOf(st);
  if (who === null && !st.isSymbolicLink()) return;
  const why = st.isSymbolicLink() ? 'is a symbolic link' : who === 'anyone' ? 'is writable by users other than root' : `is owned by uid ${who}`;
  throw new ConvergeError('invalid-input', `${dir}, found around the working directory, ${why}: a run as root takes no manifests a local user could have put there; pass --repo DIR (or --config, which uses the agent's own clone)`);
}

/** The fleet plan and apply use: --repo; with --config, the agent's verified clone, never one found around the working directory. */
function fleetRepo(flags: HostRunFlags, stateDir: string): string {
  if (flags.repo || !flags.config) return resolveRepo(flags.repo, { owned: true });
  const clone = path.join(stateDir, 'fleet');
  if (!existsSync(path.join(clone, '.git'))) {
    throw new ConvergeError('invalid-input', `--config ${flags.config}: the agent's clone ${clone} does not exist yet (start the agent once), or pass --repo DIR`);
  }
  return clone;
}

/** A folder the run will write under: fine when missing (it is created), an error when something else stands there. */
function mustBeFolder(dir: string, what: string): void {
  const blocker = fileOnTheWay(dir);
  if (blocker === dir) throw new ConvergeError('invalid-input', `${what} ${dir} is not a directory`);
  if (blocker) throw new ConvergeError('invalid-input', `${what} ${dir} cannot be a folder: ${blocker} is a file`);
}

/** Load the host and build its context. Throws ManifestError when the host does not validate. */
export async function prepareHostRun(flags: HostRunFlags, options: { writeCache?: boolean } = {}): Promise<HostRun> {
  // The config's YAML parser is loaded only when there is a config to read (a no-op with --repo parses no YAML).
  const config = flags.config ? (await import('../agent/config.js')).loadConfig(flags.config) : null;
  const hostName = flags.host ?? config?.host;
  if (!hostName) throw new ConvergeError('invalid-input', 'which host? pass --host NAME (or --config with host:)');
  const root = path.resolve(flags.root ?? config?.root ?? '/');
  // The state dir depends on the host's OS only for a Windows default; the cache lives in it.
  const stateDir = path.resolve(flags.stateDir ?? config?.stateDir ?? defaultStateDir(root, 'linux'));
  mustBeFolder(root, flags.root ? '--root' : `${flags.config}: root`);
  mustBeFolder(stateDir, flags.stateDir ? '--state-dir' : config?.stateDir ? `${flags.config}: stateDir` : 'the state directory');
  const repo = fleetRepo(flags, stateDir);
  const { host: loaded, diagnostics } = await loadHostCached(repo, hostName, {
    facts: machineFacts(),
    cacheDir: path.join(stateDir, 'cache', 'hosts'),
    write: options.writeCache ?? false,
  });
  if (!loaded) throw new ManifestError(diagnostics);
  const scrubber = new Scrubber();
  const log = createLogger({ level: flags.logLevel ?? 'warn', scrubber });
  const secrets = await createSecretSource(config?.secrets, log, scrubber);
  const base = createBaseContext(loaded, { root, stateDir, log, scrubber, secrets });
  return { repo, config, loaded, base, commit: headCommit(repo) };
}

/** The first existing path from `dir` up that is not a folder, if any (a root or state directory cannot be made there). */
function fileOnTheWay(dir: string): string | undefined {
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      if (path.dirname(p) === p) return undefined;
    }
  }
}
