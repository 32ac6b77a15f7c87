// Canary work (DESIGN §4 Rollout, comin's testing branches): `branch:` in a
// host.yml on the fleet branch makes that host follow its own testing branch
// instead. The redirect is read from a verified fleet commit only, may name
// only testing-<host>, and the testing head must descend from the fleet head,
// so a canary never runs a history the fleet branch has not seen.
import { parse } from 'yaml';
import { filesAt } from '../source/tree-read.js';
import { canaryBranchAllowed } from '../manifest/fleet-rings.js';

/** The testing branch `hosts/<host>/host.yml` names at `commit`, if any and allowed; `refused` says why one is not. */
export async function testingBranchAt(cloneDir: string, commit: string, host: string): Promise<{ branch: string | null; refused?: string }> {
  const rel = `hosts/${host}/host.yml`;
  const bytes = (await filesAt(cloneDir, commit, [rel], { prefetch: true, maxBytes: 256 * 1024 })).get(rel);
  if (!bytes) return { branch: null };
  let branch: unknown;
  try {
    branch = (parse(bytes.toString('utf8')) as { branch?: unknown } | null)?.branch;
  } catch {
    return { branch: null }; // the host's own validation reports a host.yml that does not parse
  }
  if (typeof branch !== 'string') return { branch: null };
  if (!canaryBranchAllowed(host, branch)) return { branch: null, refused: `branch: ${branch} is not this host's testing branch (testing-${host})` };
  return { branch };
}
