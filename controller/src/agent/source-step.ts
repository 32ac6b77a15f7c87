// The source stage of the agent: poll the branch, and turn a new head into
// either a host ready to converge or a refusal (untrusted, rewound, invalid).
// The commit in force stays checked out and loaded for interval converges.
import path from 'node:path';
import type { ResolvedConfig } from './resolved-config.js';
import type { AgentState } from './state.js';
import { refusalOf } from './state.js';
import { FleetClone } from '../source/clone.js';
import { remoteHead } from '../source/remote.js';
import { HeadPointer } from './head-pointer.js';
import { durationMs } from './config-schema.js';
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
  | { kind: 'ready'; commit: string; loaded: LoadedHost; signer: string | null };

export class SourceStep {
  private cache: { commit: string; loaded: LoadedHost } | null = null;
  /** With status.pointer: the fleet head from the store's pointer blob (a 304 when unchanged), the forge asked once an interval. */
  private readonly pointer: HeadPointer | null;

  private constructor(
    private readonly config: ResolvedConfig,
    private readonly clone: FleetClone,
    private readonly trust: TrustSettings,
    private readonly log: Logger,
  ) {
    const status = config.status;
    this.pointer = status?.pointer ? new HeadPointer({ ...status, pointer: status.pointer }, config.branch, durationMs(config.interval)) : null;
  }

  static async open(config: ResolvedConfig, log: Logger): Promise<SourceStep> {
    const clone = await FleetClone.open(config.stateDir, { url: config.repo, branch: config.branch, host: config.host });
    const gpgHome = config.trust.gpgKeyring ? await prepareGpgHome(config.trust.gpgKeyring, config.stateDir) : undefined;
    const trust: TrustSettings = { allowedSigners: config.trust.allowedSigners, gpgHome, allowUnsigned: config.trust.allowUnsigned };
    return new SourceStep(config, clone, trust, log.child({ component: 'source' }));
  }

  /** The branch head on the remote (one ls-remote, or one conditional read of the pointer blob; no fetch); null when the branch does not exist. */
  async poll(): Promise<string | null> {
    const forge = () => remoteHead(this.config.repo, this.config.branch, path.dirname(this.clone.dir));
    if (!this.pointer) return forge();
    const { head, via } = await this.pointer.poll(forge);
    this.log.debug({ via }, 'head polled');
    return head;
  }

  /** Fetch and judge a head that differs from the commit in force. */
  async evaluate(head: string, state: AgentState): Promise<Evaluation> {
    const early = this.settled(head, state);
    if (early) return early;
    this.log.debug({ head }, 'fetching');
    const commit = await this.clone.fetch();
    const settled = this.settled(commit, state);
    if (settled) return settled;
    const signature = await verifySignature(this.clone, commit, this.trust);
    if (!signature.ok) return { kind: 'rejected', commit, reason: signature.reason, detail: signature.detail };
    const descent = await verifyDescent(this.clone, state.applied, commit);
    if (!descent.ok) return { kind: 'rejected', commit, reason: descent.reason, detail: descent.detail };
    const loaded = await this.load(commit);
    if (Array.isArray(loaded)) return { kind: 'invalid', commit, diagnostics: loaded, signer: signature.signer };
    this.log.info({ commit, signer: signature.signer }, 'new commit verified');
    return { kind: 'ready', commit, loaded, signer: signature.signer };
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

  /** Remember `commit` as the one in force. */
  pin(commit: string): Promise<void> {
    return this.clone.pin(commit);
  }

  private settled(commit: string, state: AgentState): Evaluation | null {
    if (commit === state.applied) return { kind: 'current', commit };
    const refusal = refusalOf(state, commit);
    return refusal ? { kind: 'refused', commit, reason: refusal.reason } : null;
  }
}
