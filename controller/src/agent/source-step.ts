// The source stage of the agent: poll the branch, and turn a new head into
// either a host ready to converge or a refusal (untrusted, rewound, invalid).
// The commit in force stays checked out and loaded for interval converges.
import path from 'node:path';
import type { ResolvedConfig } from './resolved-config.js';
import type { AgentState } from './state.js';
import { firstSeen, keepRefusals, refusalOf, saveState } from './state.js';
import { FleetClone } from '../source/clone.js';
import { remoteHeads } from '../source/remote.js';
import { testingBranchAt } from './canary-branch.js';
import { HeadPointer } from './head-pointer.js';
import { durationToMs } from '../platform/duration-ms.js';
import { prepareGpgHome, verifyDescent, verifySignature } from '../source/trust.js';
import type { RejectReason, TrustSettings } from '../source/trust.js';
import { loadHost } from '../manifest/load-host.js';
import type { LoadedHost } from '../manifest/load-host.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { machineFacts } from '../platform/facts.js';
import type { Logger } from '../platform/logger.js';

export type Evaluation =
  /** The head is the commit in force. */
  | { kind: 'current'; commit: string }
  /** Refused before: not retried until a newer commit arrives. */
  | { kind: 'refused'; commit: string; reason: string }
  | { kind: 'rejected'; commit: string; reason: RejectReason; detail: string }
  | { kind: 'invalid'; commit: string; diagnostics: Diagnostic[]; signer: string | null }
  /** `branch`/`base`: the commit is on the host's testing branch, which descends from fleet commit `base`. */
  | { kind: 'ready'; commit: string; loaded: LoadedHost; signer: string | null; branch?: string; base?: string };

export class SourceStep {
  private cache: { commit: string; loaded: LoadedHost } | null = null;
  /** With status.pointer: the fleet head from the store's pointer blob (a 304 when unchanged), the forge asked once an interval. */
  private readonly pointer: HeadPointer | null;
  /** The last head that verified and validated: while it waits (a ring, a window), polls do not fetch and verify it again. */
  private verified: { commit: string; signer: string | null; branch?: string; base?: string } | null = null;
  /** The testing branch this host follows (host.yml `branch:` at fleet head `fleetHead`), polled beside the fleet branch. */
  private follow: { branch: string; fleetHead: string } | null = null;

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly clone: FleetClone,
    private readonly trust: TrustSettings,
    private readonly log: Logger,
  ) {
    const status = config.status;
    this.pointer = status?.pointer ? new HeadPointer({ ...status, pointer: status.pointer }, config.branch, durationToMs(config.interval)) : null;
  }

  static async open(config: ResolvedConfig, log: Logger): Promise<SourceStep> {
    const clone = await FleetClone.open(config.stateDir, { url: config.repo, branch: config.branch, host: config.host });
    const gpgHome = config.trust.gpgKeyring ? await prepareGpgHome(config.trust.gpgKeyring, config.stateDir) : undefined;
    const trust: TrustSettings = { allowedSigners: config.trust.allowedSigners, gpgHome, allowUnsigned: config.trust.allowUnsigned };
    return new SourceStep(config, clone, trust, log.child({ component: 'source' }));
  }

  /**
   * The head to judge (one ls-remote, no fetch); null when the fleet branch does not exist.
   * A host on a testing branch gets that branch's head, unless the fleet branch moved (its host.yml may have changed).
   */
  async poll(): Promise<string | null> {
    const follow = this.follow;
    if (this.pointer && !follow) {
      // With status.pointer: one conditional read of the pointer blob; the forge once an interval or when it cannot be read.
      const forge = async () => (await remoteHeads(this.config.repo, [this.config.branch], path.dirname(this.clone.dir))).get(this.config.branch) ?? null;
      const { head, via } = await this.pointer.poll(forge);
      this.log.debug({ via }, 'head polled');
      return head;
    }
    const heads = await remoteHeads(this.config.repo, follow ? [this.config.branch, follow.branch] : [this.config.branch], path.dirname(this.clone.dir));
    const fleet = heads.get(this.config.branch) ?? null;
    if (!fleet || !follow || fleet !== follow.fleetHead) return fleet;
    return heads.get(follow.branch) ?? fleet;
  }

  /** Fetch and judge a head that differs from the commit in force. */
  async evaluate(head: string, state: AgentState): Promise<Evaluation> {
    const early = this.settled(head, state);
    if (early) return early;
    if (this.verified?.commit === head) {
      const loaded = await this.load(head);
      if (!Array.isArray(loaded)) return { kind: 'ready', ...this.verified, loaded };
    }
    this.log.debug({ head }, 'fetching');
    const fleet = await this.clone.fetch();
    const fleetSettled = this.settled(fleet, state);
    if (fleetSettled) return fleetSettled;
    const fleetSignature = await verifySignature(this.clone, fleet, this.trust, firstSeen(state, fleet));
    const target = await this.canaryTarget(fleet, fleetSignature.ok, state);
    if ('kind' in target) return target;
    const { commit, branch } = target;
    const settled = this.settled(commit, state);
    if (settled) return settled;
    const signature = commit === fleet ? fleetSignature : await verifySignature(this.clone, commit, this.trust, firstSeen(state, commit));
    if (!signature.ok) return { kind: 'rejected', commit, reason: signature.reason, detail: signature.detail };
    // The fleet branch never goes back (a testing branch may be reset, as long as it descends from the fleet head).
    const descent = await verifyDescent(this.clone, state.fleetApplied ?? state.applied, fleet);
    if (!descent.ok) return { kind: 'rejected', commit, reason: descent.reason, detail: descent.detail };
    // Remembered across a crash: a commit that kills the process while loading is refused at the next start.
    state.loading = commit;
    await saveState(this.config.stateDir, state);
    let loaded: LoadedHost | Diagnostic[];
    try {
      loaded = await this.load(commit);
    } finally {
      state.loading = null;
    }
    await saveState(this.config.stateDir, state);
    if (Array.isArray(loaded)) return { kind: 'invalid', commit, diagnostics: loaded, signer: signature.signer };
    this.log.info({ commit, signer: signature.signer, ...(branch ? { branch } : {}) }, 'new commit verified');
    this.verified = { commit, signer: signature.signer, ...(branch ? { branch, base: fleet } : {}) };
    return { kind: 'ready', ...this.verified, loaded };
  }

  /** The host at `commit` (checked out, loaded); diagnostics when it does not validate. */
  async load(commit: string): Promise<LoadedHost | Diagnostic[]> {
    await this.clone.checkout(commit);
    if (this.cache?.commit === commit) return this.cache.loaded;
    const { host, diagnostics } = loadHost(this.clone.dir, this.config.host, { facts: machineFacts() });
    if (!host) return diagnostics;
    this.cache = { commit, loaded: host };
    return host;
  }

  /** The host at `commit` as last loaded, without touching the clone; null when another commit was loaded last. */
  loadedAt(commit: string): LoadedHost | null {
    return this.cache?.commit === commit ? this.cache.loaded : null;
  }

  /** The clone's folder (the rollout gate reads the rings of a commit there). */
  get cloneDir(): string {
    return this.clone.dir;
  }

  /** Remember `commit` as the one in force, and forget refusals that only an older commit in force could have met again. */
  async pin(commit: string, state: AgentState): Promise<void> {
    await this.clone.pin(commit);
    await keepRefusals(state, async (c) => c !== commit && (await this.clone.isAncestor(commit, c)));
  }

  /** The commit to judge: the fleet head, or the head of the testing branch its host.yml names (checked to descend from it). */
  private async canaryTarget(fleet: string, trusted: boolean, state: AgentState): Promise<{ commit: string; branch?: string } | Evaluation> {
    // Only a trusted fleet commit may send this host to another branch; an untrusted one is judged (and refused) as usual.
    if (!trusted) {
      this.follow = null;
      return { commit: fleet };
    }
    const named = await testingBranchAt(this.clone.dir, fleet, this.config.host);
    if (named.refused) this.log.warn({ commit: fleet, reason: named.refused }, 'branch: ignored');
    if (!named.branch) {
      this.follow = null;
      return { commit: fleet };
    }
    this.follow = { branch: named.branch, fleetHead: fleet };
    const testing = await this.clone.fetchOther(named.branch);
    if (!testing) {
      this.log.warn({ branch: named.branch }, 'testing branch not found; following the fleet branch');
      return { commit: fleet };
    }
    if (this.settled(testing, state)) return { commit: testing, branch: named.branch };
    if (!(await this.clone.isAncestor(fleet, testing))) {
      return { kind: 'rejected', commit: testing, reason: 'not a descendant', detail: `${named.branch} does not descend from ${this.config.branch} at ${fleet.slice(0, 7)}: a testing branch must contain the fleet branch (merge it in)` };
    }
    return { commit: testing, branch: named.branch };
  }

  private settled(commit: string, state: AgentState): Evaluation | null {
    if (commit === state.applied) return { kind: 'current', commit };
    const refusal = refusalOf(state, commit);
    return refusal ? { kind: 'refused', commit, reason: refusal.reason } : null;
  }
}
