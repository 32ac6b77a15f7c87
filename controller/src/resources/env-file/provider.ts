// Env files on disk: read what is there (a symlink is never followed), compare
// variable by variable, write atomically with mode 0600 from the first byte.
// Values come from the run's secret cache; a change shows variable names and
// "(secret changed)", never a value. When the vault cannot be read the
// resource fails and the file on disk is left as it is.
import type { Change, Provider } from '../types.js';
import type { EnvFileDesired } from './schema.js';
import { checkValue, parseEnvFile, renderEnvFile } from './format.js';
import { openLedger } from './ledger.js';
import { attributeChanges, describeKind, ensureParent, readPath, resolveIds, setAttributes, statPath, unlinkPath } from '../shared/posix-path.js';
import type { PathState } from '../shared/posix-path.js';
import { readSecret } from '../../secrets/run-cache.js';
import { rememberSecret } from '../../secrets/scrubbing.js';
import { writeFileAtomic } from '../../platform/fs-atomic.js';
import { writeRestrictedFile } from './windows-acl.js';
import { durableWrites } from '../shared/durable.js';
import process from 'node:process';
import { ConvergeError, messageOf } from '../../platform/errors.js';

/** Mode of every env file. */
export const ENV_FILE_MODE = '0600';

export interface EnvFileObserved {
  state: PathState;
  /** The variables written in the file (when it is a file). */
  entries?: Map<string, string>;
  /** Lines that are neither VAR=value nor comments. */
  other?: number;
  bytes?: Uint8Array;
  /** The file holds exactly what converge last wrote: a content change now comes from the vault. */
  lastWritten: boolean;
  privileged: boolean;
}

const ATTRIBUTES = new Set(['mode', 'owner', 'group']);

/** The provider; `posix` manages mode and owner (Linux, macOS), Windows has neither. */
export function envFileProvider(posix: boolean): Provider<EnvFileDesired, EnvFileObserved> {
  return {
    async prefetch(specs, ctx) {
      // Start every read of the run at once; desire() awaits them.
      for (const spec of specs) if (spec.ensure !== 'absent') for (const secret of Object.values(spec.secrets)) void readSecret(ctx, secret);
    },

    async desire(spec, ctx) {
      if (spec.ensure === 'absent') return spec;
      if (ctx.secrets.none) return { ...spec, unread: 'no secret backend is configured (secrets: in the agent config)' };
      const vars = Object.entries(spec.secrets);
      const results = await Promise.allSettled(vars.map(([, secret]) => readSecret(ctx, secret)));
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      if (failures.length) throw unreadable(spec, failures);
      const values: Record<string, string> = {};
      vars.forEach(([variable, secret], i) => {
        const value = (results[i] as PromiseFulfilledResult<string>).value;
        checkValue(variable, secret, value);
        values[variable] = value;
      });
      return { ...spec, values };
    },

    async observe(spec, ctx) {
      const local = ctx.local(spec.path);
      const state = await statPath(local, ctx);
      if (!state) return null;
      const observed: EnvFileObserved = { state, lastWritten: false, privileged: ctx.privileged };
      if (state.kind !== 'file') return observed;
      const bytes = readPath(local, ctx);
      const { entries, other } = parseEnvFile(bytes.toString('utf8'));
      // What is on disk is secret too (an older value after a rotation): never printable.
      for (const value of entries.values()) rememberSecret(ctx.scrubber, value);
      const ledger = await openLedger(ctx);
      return { ...observed, bytes, entries, other, lastWritten: ledger.isLastWritten(spec.envFile, bytes) };
    },

    diff(spec, observed) {
      const changes: Change[] = [];
      const isFile = observed?.state.kind === 'file';
      if (!observed) changes.push({ property: 'ensure', from: null, to: 'file' }, { property: 'path', from: null, to: spec.path });
      else if (!isFile) changes.push({ property: 'type', from: observed.state.kind, to: 'file' });
      if (spec.values) changes.push(...contentChanges(spec, isFile ? observed! : null));
      else if (spec.unread) changes.push({ property: 'vars', from: null, to: Object.keys(spec.secrets).join(', '), skipped: `values not read: ${spec.unread}` });
      if (posix) {
        const want = { mode: ENV_FILE_MODE, owner: spec.owner, group: spec.group };
        changes.push(...attributeChanges(want, isFile ? observed!.state : null, { privileged: observed?.privileged ?? true }));
      }
      return changes;
    },

    async apply(spec, changes, ctx) {
      const local = ctx.local(spec.path);
      const current = await statPath(local, ctx);
      if (current?.kind === 'directory') throw new ConvergeError('invalid-input', `${spec.path} is a directory; refusing to replace it with env file '${spec.envFile}'`);
      if (current?.kind === 'other') throw new ConvergeError('unsupported', `${spec.path} is ${describeKind(current.kind)}; refusing to replace it`);
      const rewrite = current?.kind !== 'file' || changes.some((c) => !ATTRIBUTES.has(c.property) && !c.skipped);
      if (!rewrite) {
        if (posix) await setAttributes(local, attributesToSet(spec, changes), ctx);
        return;
      }
      if (!spec.values) throw new ConvergeError(spec.unread ? 'invalid-input' : 'internal', `env file '${spec.envFile}' cannot be written: ${spec.unread ? `values not read: ${spec.unread}` : 'no values'}`);
      const bytes = Buffer.from(renderEnvFile(spec.envFile, spec.values), 'utf8');
      await ensureParent(local, ctx);
      await ctx.backups.save(local);
      // On Windows itself the file is born with an ACL in place of the mode (under --root on Linux there is none to set).
      if (!posix && process.platform === 'win32') await writeRestrictedFile(ctx.runner, local, bytes);
      else await writeFileAtomic(local, bytes, { mode: parseInt(ENV_FILE_MODE, 8), ...(posix ? resolveIds(spec, ctx) : {}), root: ctx.root, durable: durableWrites(ctx) });
      await (await openLedger(ctx)).record(spec.envFile, bytes);
    },

    async touch(spec, observed, ctx) {
      // In sync: make sure the ledger knows the file, so a later rotation is not mistaken for drift.
      if (observed?.bytes && !observed.lastWritten) await (await openLedger(ctx)).record(spec.envFile, observed.bytes);
    },

    async remove(spec, ctx) {
      const local = ctx.local(spec.path);
      const current = await statPath(local, ctx);
      if (!current) return;
      if (current.kind === 'directory') throw new ConvergeError('invalid-input', `${spec.path} is a directory, not env file '${spec.envFile}'; not removing it`);
      await ctx.backups.save(local);
      unlinkPath(local, ctx);
    },
  };
}

/** Variable by variable: set, changed (secret), removed; or the layout when only comments or order differ. Pure. */
export function contentChanges(spec: EnvFileDesired, observed: EnvFileObserved | null): Change[] {
  const values = spec.values ?? {};
  const rendered = Buffer.from(renderEnvFile(spec.envFile, values), 'utf8');
  if (observed?.bytes && Buffer.from(observed.bytes).equals(rendered)) return [];
  const upstream = observed?.lastWritten ? { upstream: true } : {};
  if (!observed?.entries) return [{ property: 'vars', from: null, to: Object.keys(values).join(', ') }];
  const have = observed.entries;
  const changes: Change[] = [];
  for (const [variable, value] of Object.entries(values)) {
    if (!have.has(variable)) changes.push({ property: variable, from: null, to: '(secret set)', ...upstream });
    else if (have.get(variable) !== value) changes.push({ property: variable, from: '(secret)', to: '(secret)', secret: true, ...upstream });
  }
  for (const variable of have.keys()) {
    if (!Object.hasOwn(values, variable)) changes.push({ property: variable, from: '(secret)', to: null, ...upstream });
  }
  if (changes.length === 0) changes.push({ property: 'layout', from: 'differs', to: 'as converge writes it', ...upstream });
  return changes;
}

function attributesToSet(spec: EnvFileDesired, changes: Change[]): { mode?: string; owner?: string; group?: string } {
  const has = (p: string) => changes.some((c) => c.property === p && !c.skipped);
  return { mode: has('mode') ? ENV_FILE_MODE : undefined, owner: has('owner') ? spec.owner : undefined, group: has('group') ? spec.group : undefined };
}

/** One error for every secret that could not be read: the vault and each secret named, the file on disk untouched. */
function unreadable(spec: EnvFileDesired, failures: unknown[]): ConvergeError {
  const transient = failures.find((f) => f instanceof ConvergeError && f.reason === 'transient');
  const messages = transient ? [messageOf(transient)] : [...new Set(failures.map(messageOf))];
  const kept = `${spec.path} is left as it is`;
  return new ConvergeError(transient ? 'transient' : 'io', `env file '${spec.envFile}': ${messages.join('; ')}; ${kept}${transient ? ', retried next run' : ''}`, { cause: failures[0] });
}
