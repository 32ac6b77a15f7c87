// A firewall converge owns as a whole (an nftables table, a pf anchor):
// loaded in one transaction from one section per firewall resource. What
// converge loaded last (each section, and the rules as the firewall then
// listed them) is kept in the state directory; a rule of converge's that the
// firewall lists differently now was changed by hand (drift) and is loaded
// again. Applying one resource loads its section and keeps every other
// section as it was last loaded. That folder is reached through the safe walk
// and must be root's alone: a file a local user could write there would be
// loaded into the firewall as root.
import path from 'node:path';
import type { Context, Provider } from '../types.js';
import type { FirewallDesired, FirewallSpec } from './schema.js';
import { portsOf } from './ports.js';
import { chaseRootOnlyDir, closeDir } from '../../platform/safe-path.js';
import type { SafeDir } from '../../platform/safe-path.js';
import { readFileAt, syncDirAt, writeFileAt } from '../../platform/safe-ops.js';
import { underRoot } from '../shared/os-skip.js';
import { ConvergeError, errnoOf } from '../../platform/errors.js';
import { unifiedDiff } from '../shared/content-diff.js';

/** How one firewall is written, loaded and listed. */
export interface RuleBackend {
  /** nftables, pf: names the state file and the messages. */
  name: string;
  /** What the firewall is, for a plan under --root. */
  what: string;
  section(spec: FirewallSpec): string;
  script(sections: Record<string, string>): string;
  /** Load the script file in one transaction. */
  load(ctx: Context, file: string): Promise<void>;
  /** The rules as the firewall lists them now, by rule name. */
  list(ctx: Context): Promise<Record<string, string[]>>;
}

interface Loaded {
  sections: Record<string, string>;
  live: Record<string, string[]>;
}

/** One resource's rules: as loaded last, and as the firewall lists them now. */
export interface OwnedObserved {
  section: string | null;
  loadedLive: string[] | null;
  live: string[];
}

/** The provider for a firewall converge owns through `backend`. */
export function ownedRulesProvider(backend: RuleBackend): Provider<FirewallDesired, OwnedObserved> {
  const stateName = `${backend.name}.json`;
  const readLoaded = (ctx: Pick<Context, 'stateDir'>): Loaded => withStateDir(ctx, (dir) => {
    if (!dir) return { sections: {}, live: {} };
    try {
      const parsed = JSON.parse(readFileAt(dir, stateName).toString('utf8')) as Partial<Loaded>;
      return { sections: parsed.sections ?? {}, live: parsed.live ?? {} };
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return { sections: {}, live: {} };
      throw new ConvergeError('io', `cannot read ${path.join(dir.local, stateName)}; remove it and converge loads every rule again`, { cause: error });
    }
  });
  const load = async (ctx: Context, sections: Record<string, string>) => {
    const dir = stateDir(ctx, 0o700);
    try {
      const rules = `${backend.name}.rules`;
      writeFileAt(dir, rules, backend.script(sections), { mode: 0o600 });
      syncDirAt(dir);
      // nft/pfctl open the file by name: only root can change entries of this folder, so the name stays the file just written
      await backend.load(ctx, path.join(dir.local, rules));
      writeFileAt(dir, stateName, JSON.stringify({ sections, live: await backend.list(ctx) } satisfies Loaded, null, 1), { mode: 0o600 });
      syncDirAt(dir);
    } finally {
      closeDir(dir);
    }
  };
  return {
    async desire(spec, ctx) {
      return { ...spec, sandboxed: ctx.sandboxed };
    },

    async observe(spec, ctx) {
      if (ctx.sandboxed) return null;
      const loaded = readLoaded(ctx);
      const live = (await backend.list(ctx))[spec.firewall] ?? [];
      const section = loaded.sections[spec.firewall] ?? null;
      if (section === null && live.length === 0) return null;
      return { section, loadedLive: loaded.live[spec.firewall] ?? null, live };
    },

    diff(spec, observed) {
      const want = backend.section(spec);
      const to = summary(spec);
      if (spec.sandboxed) return [{ property: 'rules', from: null, to, diff: unifiedDiff(backend.name, '', want, true), skipped: underRoot(backend.what, `load ${backend.name} rules`) }];
      if (!observed) return [{ property: 'rules', from: null, to, diff: unifiedDiff(backend.name, '', want, true) }];
      if (observed.section !== want) {
        return [{ property: 'rules', from: observed.section === null ? 'not loaded by converge' : 'other rules', to, diff: unifiedDiff(backend.name, observed.section ?? '', want) }];
      }
      if (JSON.stringify(observed.live) !== JSON.stringify(observed.loadedLive)) {
        return [{ property: 'rules', from: observed.live.length ? 'changed by hand' : 'removed by hand', to }];
      }
      return [];
    },

    async apply(spec, _changes, ctx) {
      await load(ctx, { ...readLoaded(ctx).sections, [spec.firewall]: backend.section(spec) });
    },

    async remove(spec, ctx) {
      if (ctx.sandboxed) return;
      const { [spec.firewall]: _gone, ...rest } = readLoaded(ctx).sections;
      await load(ctx, rest);
    },
  };
}

/** `<stateDir>/firewall` held open (made with `mode` when given); refused unless root alone can change it and every folder above. */
function stateDir(ctx: Pick<Context, 'stateDir'>, mode?: number): SafeDir {
  return chaseRootOnlyDir('/', path.join(path.resolve(ctx.stateDir), 'firewall'), mode);
}

/** Run `fn` on the held state folder, or on null when it does not exist yet (a plan makes nothing). */
function withStateDir<T>(ctx: Pick<Context, 'stateDir'>, fn: (dir: SafeDir | null) => T): T {
  let dir: SafeDir;
  try {
    dir = stateDir(ctx);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return fn(null);
    throw error;
  }
  try {
    return fn(dir);
  } finally {
    closeDir(dir);
  }
}

/** "tcp/19999 from 100.64.0.0/10, 127.0.0.1 only". */
export function summary(spec: Pick<FirewallSpec, 'port' | 'protocol' | 'from'>): string {
  return `${spec.protocol}/${portsOf(spec).join(',')} from ${spec.from.join(', ')} only`;
}
