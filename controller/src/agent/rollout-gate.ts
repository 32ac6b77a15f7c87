// The agent's rollout gate: before a verified, valid new commit is applied,
// read the rings of that commit and the other hosts' reports, and apply only
// when this host's ring is open (DESIGN §4 Rollout). Asked only while a new
// commit waits, so an idle poll costs nothing more. A host with nothing in
// force yet (a new device) takes the head at once: there is nothing to protect.
import path from 'node:path';
import type { ResolvedConfig } from './resolved-config.js';
import type { AgentState } from './state.js';
import { fleetRingsAt } from '../rollout/rings-at.js';
import type { FleetRings } from '../manifest/fleet-rings.js';
import { gateFor, rolloutProgress } from '../rollout/progress.js';
import { statusBranchReports } from '../report/report-source.js';
import type { ReportSource } from '../report/report-source.js';
import type { RolloutNote } from '../report/report.js';
import type { Logger } from '../platform/logger.js';
import { messageOf } from '../platform/errors.js';

export type GateOutcome = { kind: 'open'; ring?: string } | { kind: 'held'; note: RolloutNote };

export class RolloutGate {
  /** The rings of the last commit asked about: a commit's rings never change, so a waiting commit reads them once. */
  private rings: { commit: string; fleet: FleetRings | null } | null = null;

  constructor(
    private readonly cloneDir: string,
    private readonly reports: ReportSource,
    private readonly host: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The gate of an agent: its clone, and the status branch it reports to. */
  static forAgent(config: ResolvedConfig, cloneDir: string, log: Logger): RolloutGate {
    const reports = statusBranchReports({ url: config.repo, branch: config.branch, statusUrl: config.statusRepo, statusBranch: config.statusBranch, dir: path.join(config.stateDir, 'rollout') });
    return new RolloutGate(cloneDir, reports, config.host, log.child({ component: 'rollout', host: config.host }));
  }

  /** May `commit` be applied now? Errors reading the rings or the reports hold it (and are said so). */
  async check(commit: string, state: AgentState): Promise<GateOutcome> {
    if (!state.applied) return { kind: 'open' };
    let fleet: FleetRings | null;
    try {
      fleet = this.rings?.commit === commit ? this.rings.fleet : await fleetRingsAt(this.cloneDir, commit, { prefetch: true });
      this.rings = { commit, fleet };
    } catch (error) {
      return this.held({ reason: `cannot read the rings of ${commit.slice(0, 7)}: ${messageOf(error)}`, halted: true });
    }
    if (!fleet) return { kind: 'open' };
    const ring = fleet.members.get(this.host) ?? fleet.rings.at(-1)!.name;
    let snapshot;
    try {
      snapshot = await this.reports.read();
    } catch (error) {
      return this.held({ ring, reason: `cannot read the other hosts' reports: ${messageOf(error)}` });
    }
    const progress = rolloutProgress({ fleet, commit, reports: snapshot.reports, statusCommit: snapshot.statusCommit, now: this.now() });
    const decision = gateFor(progress, ring);
    if (decision.open) {
      this.log.info({ commit, ring, statusCommit: snapshot.statusCommit }, 'ring open');
      return { kind: 'open', ring };
    }
    return this.held({ ring, reason: decision.reason, statusCommit: snapshot.statusCommit, opensAt: decision.opensAt, halted: decision.halted });
  }

  private held(note: RolloutNote): GateOutcome {
    this.log.info({ ring: note.ring, reason: note.reason, opensAt: note.opensAt }, 'held');
    return { kind: 'held', note };
  }
}
