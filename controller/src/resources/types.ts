// The contract between the engine and every resource type: a type says *what*
// (ordering hints; its schema lives apart, in schemas.ts), a provider says *how* on one OS (observe, diff,
// apply). The engine drives every type through the same steps.
import type { OS } from '../platform/os.js';
import type { HostPaths } from '../platform/paths.js';
import type { Runner } from '../platform/runner.js';
import type { Logger } from '../platform/logger.js';
import type { Scrubber } from '../platform/scrubber.js';
import type { SourceLocation } from '../manifest/diagnostics.js';
import type { Backups } from '../engine/backups.js';
import type { UserDb } from '../platform/users.js';
import type { SecretSource } from '../secrets/source.js';
import type { ResourceStatus, RunSummary } from '../report/report.js';

/** One difference between desired and observed state, as shown to people. */
export interface Change {
  /** What differs: `ensure`, `content`, `mode`, `owner`, `target`, `running`… */
  property: string;
  /** The observed value in human form; null when absent. */
  from?: string | null;
  /** The desired value in human form; null when it is to be removed. */
  to?: string | null;
  /** A unified diff, for content. */
  diff?: string;
  /** The values are secret: rendered only as "(secret changed)". */
  secret?: boolean;
  /** Why this change cannot be made here (e.g. no running service manager under --root); reported, not applied. */
  skipped?: string;
  /** With `skipped`: a change made on the machine by hand that converge leaves as it is on purpose; reported as drift, not healed. */
  drift?: boolean;
  /** The desired value moved outside the manifests (a secret rotated in the vault): not drift, even when the manifest is unchanged. */
  upstream?: boolean;
}

/** The host being converged, as templates and providers see it. */
export interface HostInfo {
  name: string;
  os: OS;
  arch: string;
  vars: Record<string, unknown>;
}

/** The spec of one resource after templating and validation: the zod output of its type. */
export type Spec = Record<string, unknown>;

/** A resource of a host, loaded and validated. */
export interface Resource<S extends Spec = Spec> {
  /** `<type>:<title>`, unique per host. */
  id: string;
  type: string;
  title: string;
  spec: S;
  /** Explicit ordering (ids). */
  requires: string[];
  /** Explicit ordering plus a refresh of the target when this resource changed (ids). */
  notify: string[];
  /** Where the resource is declared. */
  source: SourceLocation;
}

/** Facts about the run that providers may need (the statusFile reports them). */
export interface RunInfo {
  id: string;
  commit: string | null;
  startedAt: string;
  /** Counts of the run so far. */
  summary(): RunSummary;
  /** The ids `id` is converged after (requires, notify, implicit), for types that batch work across resources. */
  after?(id: string): readonly string[];
  /** How `id` ended in this run so far; undefined while it has not been converged. */
  statusOf?(id: string): ResourceStatus | undefined;
}

/** Everything a provider may use; providers never reach for globals. */
export interface Context {
  host: HostInfo;
  /** `/` on a real system, or the sandbox directory every path is placed under. */
  root: string;
  sandboxed: boolean;
  /** True when this process may chown (root); otherwise owner/group are reported, not applied. */
  privileged: boolean;
  paths: HostPaths;
  /** Where a host path lives on this machine (under root when sandboxed). */
  local(hostPath: string): string;
  runner: Runner;
  log: Logger;
  scrubber: Scrubber;
  secrets: SecretSource;
  users: UserDb;
  stateDir: string;
  backups: Backups;
  run: RunInfo;
  /** Per-run scratch space for a type (batched observations, pending reloads). Keyed by type name. */
  cache: Map<string, unknown>;
}

/** What an apply may say of what it wrote. */
export interface Applied {
  seal?: string;
}

/**
 * How one resource type is converged on one OS. `observe` only reads; `diff`
 * is pure; `apply` runs only for a non-empty diff. After `apply` the engine
 * observes again: the resource is `changed` only if the new diff is empty.
 */
export interface Provider<S extends Spec = Spec, O = unknown> {
  /** Run-time desired state (secrets, the run's counts); defaults to the spec itself. */
  desire?(spec: S, ctx: Context): Promise<S>;
  /** Once per run, before any observe: batch the reads for all resources of this type. */
  prefetch?(specs: S[], ctx: Context): Promise<void>;
  /**
   * Read the current state; null when absent. Changes nothing. `sealed` is what
   * `seal` returned when this spec was last found in sync: when the thing still
   * shows that identity, the parts it vouches for need not be read again.
   */
  observe(spec: S, ctx: Context, sealed?: string): Promise<O | null>;
  /**
   * For an observation in sync with the spec: an identity of what was observed
   * that any later change to it alters (a file's inode, size and change time), or
   * null when there is none that can be trusted yet. The engine keeps it with the
   * spec's hash and passes it to the next observe of the same spec.
   */
  seal?(observed: O | null, now: number): string | null;
  /** For an observation that is not null but means "does not exist yet" (a unit with no file): the inventory then records converge as its creator. */
  absent?(observed: O): boolean;
  /** What differs; [] when in sync. Pure. */
  diff(spec: S, observed: O | null): Change[];
  /**
   * Make the changes. Throw with a message that says what was tried. May return
   * a seal (as `seal` would) for what it just wrote: the observe after apply is
   * given it, and need not read back bytes apply has just written. `observed` is
   * what the observe just before found (undefined when the caller has none): a
   * provider may skip reading again what it says, where acting on a stale answer
   * fails or is caught anyway (the file provider skips its second lstat of a path
   * found empty: a file put there since is still backed up before it is replaced).
   */
  apply(spec: S, changes: Change[], ctx: Context, observed?: O | null): Promise<void | Applied>;
  /** Remove what the resource manages (ensure: absent, prune). */
  remove?(spec: S, ctx: Context): Promise<void>;
  /** React to a notify: restart, reload. Returns a reason when it cannot be done here (reported as skipped, never as done). */
  refresh?(spec: S, ctx: Context): Promise<void | string>;
  /** Unreported upkeep on every run while in sync (the statusFile's timestamp). */
  touch?(spec: S, observed: O | null, ctx: Context): Promise<void>;
}

/** A problem found by a type's own host-aware check, at a field path of the resource. */
export interface SpecProblem {
  path: (string | number)[];
  message: string;
}

/** An env file of secrets-map.yml, resolved for the host being loaded. */
export interface ResolvedEnvFile {
  name: string;
  /** Normalised path on the host (this host's OS entry of the map). */
  path: string;
  /** Owner and group from the map (Linux and macOS only). */
  owner?: string;
  group?: string;
  /** VAR → Key Vault secret name, in the map's order. */
  vars: Record<string, string>;
}

/** Load-time help for types that read files from the repository. */
export interface PrepareHelper {
  /** Read a file written relative to the manifest's folder (never outside the repository). */
  readSource(written: string): Uint8Array;
  /** Render a template file written relative to the manifest's folder, with the resource's vars. */
  renderTemplate(written: string): string;
  /**
   * The env file `name` of secrets-map.yml for this host. Throws for an unknown
   * name (with a "did you mean"), a missing path for the host's OS or an invalid
   * map; the diagnostic points at `field` of the resource (default: its title).
   */
  envFile(name: string, field?: (string | number)[]): ResolvedEnvFile;
}

/** A resource type: its ordering hints and its providers (its schema is in schemas.ts, loaded only to validate). */
export interface ResourceType<S extends Spec = Spec, O = unknown> {
  /** The key that names this type in manifests (`file`, `directory`…). */
  readonly name: string;
  /** One line for `--help` and the JSON Schema. */
  readonly description: string;
  /** The systems this type exists on. */
  readonly os: readonly OS[];
  /** The title is an absolute path on the host: normalised, `~` expanded, watched for drift. */
  readonly titleIsPath?: boolean;
  /** Paths below this one belong to it: resources there follow it (directory, mount). */
  readonly holdsPaths?: boolean;
  /** Converged after every other resource of the host (the statusFile). */
  readonly runsLast?: boolean;
  /** Its POSIX provider may converge beside other resources (no shared session; its order is all in its edges). */
  readonly concurrent?: boolean;
  /** Host-aware checks beyond the schema (attributes a Windows host cannot have…). */
  check?(spec: S, host: HostInfo): SpecProblem[];
  /** Load-time resolution of files from the repository (source, template → content). */
  prepare?(spec: S, helper: PrepareHelper): S;
  /** Ids this resource follows implicitly, beyond path containment. */
  autoRequires?(spec: S, host: HostInfo): string[];
  /** Ids whose change refreshes this resource implicitly, as if they listed it in `notify` (a container and the env file it reads). */
  autoSubscribe?(spec: S, host: HostInfo): string[];
  /** Host paths a change by hand to which is drift. */
  watchPaths?(spec: S): string[];
  /** Keep this in the inventory instead of the full spec (drop large or derived fields). */
  inventorySpec?(spec: S): Spec;
  /**
   * Import the provider's heavy code (XML, plist libraries) on first use; the
   * engine awaits it for every type a run touches before calling `provider`.
   */
  load?(): Promise<void>;
  /** The provider for an OS. */
  provider(os: OS): Provider<S, O>;
}
