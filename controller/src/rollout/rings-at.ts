// The rings of one fleet commit, read through git (the agent's clone, or a
// maintainer's repository for `converge rollout` and `converge diff`).
import { gitAt } from '../source/git.js';
import { filesAt, foldersAt } from '../source/tree-read.js';
import { assignRings, parseFleetFile, ringOfHostYaml } from '../manifest/fleet-rings.js';
import type { FleetRings } from '../manifest/fleet-rings.js';
import { FLEET_FILE } from '../manifest/fleet-schema.js';
import { formatDiagnostic } from '../manifest/diagnostics.js';
import { ConvergeError } from '../platform/errors.js';

/** A host.yml is small; a larger one is read only this far for its `ring:`. */
const HOST_YML_LIMIT = 256 * 1024;

/** The rings at `commit`, or null when it has no hosts/_fleet.yml. Throws when _fleet.yml does not validate. */
export async function fleetRingsAt(repoDir: string, commit: string, options: { prefetch?: boolean } = {}): Promise<FleetRings | null> {
  const hosts = (await foldersAt(gitAt(repoDir), commit, 'hosts')).filter((h) => !h.startsWith('_') && !h.startsWith('.'));
  const paths = [FLEET_FILE, ...hosts.map((h) => `hosts/${h}/host.yml`)];
  const files = await filesAt(repoDir, commit, paths, { prefetch: options.prefetch, maxBytes: HOST_YML_LIMIT });
  const fleetFile = files.get(FLEET_FILE);
  if (!fleetFile) return null;
  const { rings, diagnostics } = parseFleetFile(fleetFile);
  if (!rings) throw new ConvergeError('invalid-input', `${FLEET_FILE} at ${commit.slice(0, 7)} does not validate: ${diagnostics.map(formatDiagnostic).join('; ')}`);
  const hostRings = new Map(hosts.filter((h) => files.has(`hosts/${h}/host.yml`)).map((h) => [h, ringOfHostYaml(files.get(`hosts/${h}/host.yml`)!)]));
  return assignRings(rings, hostRings);
}
