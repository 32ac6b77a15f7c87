// What a reader of the status branch keeps between reads, so a waiting agent's
// poll costs what changed, not the fleet: the read repository stays (only new
// history is fetched), the fleet's agentKeys stay while the fleet head does,
// and a report once verified is not verified again while everything it was
// verified from is the same. Sound because every part of the key is a hash:
// a different report, signature, commit or key is a different key.

/** Reads after which the kept repository is built again from nothing (bounds its packs: one per read that fetched). */
export const REBUILD_AFTER = 40;

/** One reader's memory between reads (in memory only; the repository it describes lives in the reader's folder). */
export interface ReadCache {
  /** The repository in the work folder is whole (status history complete, sealed): the next read fetches only what is new. */
  ready: boolean;
  /** Reads since the repository was built. */
  reads: number;
  /** The fleet head read last, and each host's agentKeys at it. */
  fleet: { head: string; keys: Map<string, string[]> } | null;
  /** Keys of the reports found to be their host's own at the last read (at most one per report folder read). */
  verified: Set<string>;
  /** How many reports were verified (signatures checked) rather than taken from `verified`: what a read cost. */
  checks: number;
}

/** An empty cache: the first read builds the repository and verifies every report. */
export function readCache(): ReadCache {
  return { ready: false, reads: 0, fleet: null, verified: new Set(), checks: 0 };
}

/** What a verdict depends on, and nothing else: the host, its folder, the last commit that touched it, the report and signature blobs, the host's declared keys. */
export function verdictKey(host: string, dir: string, commit: string | null, json: string | undefined, sig: string | undefined, keys: readonly string[] | undefined): string {
  return JSON.stringify([host, dir, commit, json ?? null, sig ?? null, keys ?? null]);
}
