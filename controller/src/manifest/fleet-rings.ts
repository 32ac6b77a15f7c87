// Which ring each host is in, and what each ring asks, read from one commit
// of the fleet: hosts/_fleet.yml and the `ring:` of every host.yml. The same
// reading serves `converge validate` (a folder), the agent and `converge
// rollout` (a commit, through git). No _fleet.yml means no rings: every host
// applies a commit as soon as it sees it, as before.
import path from 'node:path';
import { parse } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { locate, parseYamlFile } from './yaml.js';
import { zodDiagnostics } from './zod-diagnostics.js';
import { FLEET_FILE, FleetFile } from './fleet-schema.js';
import type { Ring, RingEntry } from './fleet-schema.js';
import { durationToMs } from '../platform/duration-ms.js';
import { isFile, readRepoFile, repoReadError } from './repo-files.js';

/** The rings of a commit and who is in each. */
export interface FleetRings {
  rings: Ring[];
  /** host → ring name (a host without `ring:` is in the last ring). */
  members: Map<string, string>;
}

/** hosts/_fleet.yml parsed, with every ring's settings filled in from the file's defaults. */
export function parseFleetFile(bytes: Uint8Array): { rings: Ring[] | null; diagnostics: Diagnostic[] } {
  const { yaml, diagnostics } = parseYamlFile(FLEET_FILE, bytes);
  if (!yaml) return { rings: null, diagnostics };
  if (yaml.value === null || yaml.value === undefined) {
    return { rings: null, diagnostics: [{ file: FLEET_FILE, line: 1, column: 1, message: '_fleet.yml is empty: it needs rings: (a list of ring names, in rollout order)' }] };
  }
  const parsed = FleetFile.safeParse(yaml.value, { reportInput: true });
  if (!parsed.success) {
    const known = (path: PropertyKey[]) => (path.length === 0 ? Object.keys(FleetFile.shape) : ['name', 'successThreshold', 'soak', 'maxUnavailable']);
    return { rings: null, diagnostics: zodDiagnostics(parsed.error, yaml, [], { what: '_fleet.yml', knownKeys: known }) };
  }
  const file = parsed.data;
  const rings = file.rings.map((entry: RingEntry): Ring => {
    const own = typeof entry === 'string' ? { name: entry } : entry;
    return {
      name: own.name,
      successThreshold: Number((own.successThreshold ?? file.successThreshold ?? '100%').slice(0, -1)),
      soakMs: durationToMs(own.soak ?? file.soak ?? '0s'),
      maxUnavailable: own.maxUnavailable ?? file.maxUnavailable ?? 0,
    };
  });
  const seen = new Set<string>();
  const problems: Diagnostic[] = [];
  rings.forEach((r, i) => {
    if (seen.has(r.name)) {
      const at = typeof file.rings[i] === 'string' ? ['rings', i] : ['rings', i, 'name'];
      problems.push({ ...locate(yaml, at), message: `ring '${r.name}' is listed twice: each ring appears once, in rollout order` });
    }
    seen.add(r.name);
  });
  return problems.length ? { rings: null, diagnostics: problems } : { rings, diagnostics: [] };
}

/** The `ring:` a host.yml names, read leniently (the host's own validation reports a bad host.yml). */
export function ringOfHostYaml(bytes: Uint8Array): string | undefined {
  try {
    const value = parse(Buffer.from(bytes).toString('utf8')) as unknown;
    const ring = (value as { ring?: unknown } | null)?.ring;
    return typeof ring === 'string' ? ring : undefined;
  } catch {
    return undefined;
  }
}

/** Put each host in its ring: the one it names, or the last. An unknown ring name counts as the last ring (validate flags it). */
export function assignRings(rings: Ring[], hostRings: ReadonlyMap<string, string | undefined>): FleetRings {
  const names = new Set(rings.map((r) => r.name));
  const last = rings.at(-1)!.name;
  const members = new Map<string, string>();
  for (const [host, ring] of hostRings) members.set(host, ring && names.has(ring) ? ring : last);
  return { rings, members };
}


/** `converge validate`: _fleet.yml itself, and every host's `ring:` and `branch:` against it. */
export function checkFleetRings(repo: string, hosts: readonly string[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  let rings: Ring[] | null = null;
  const hasFleetFile = isFile(path.join(repo, FLEET_FILE));
  if (hasFleetFile) {
    try {
      const parsed = parseFleetFile(readRepoFile(repo, FLEET_FILE));
      out.push(...parsed.diagnostics);
      rings = parsed.rings;
    } catch (error) {
      out.push({ file: FLEET_FILE, line: 1, column: 1, message: repoReadError(error) });
    }
  }
  for (const host of hosts) {
    const rel = `hosts/${host}/host.yml`;
    let bytes: Buffer;
    try {
      bytes = readRepoFile(repo, rel);
    } catch {
      continue; // the host's own load reports it
    }
    const { yaml } = parseYamlFile(rel, bytes);
    const value = yaml?.value as { ring?: unknown; branch?: unknown } | null | undefined;
    if (!yaml || !value || typeof value !== 'object') continue;
    if (typeof value.ring === 'string') {
      if (!hasFleetFile) out.push({ ...locate(yaml, ['ring']), message: `ring: ${value.ring}, but there is no ${FLEET_FILE} to define rings (add one with rings: [...])` });
      else if (rings && !rings.some((r) => r.name === value.ring)) {
        out.push({ ...locate(yaml, ['ring']), message: `no ring '${value.ring}' in ${FLEET_FILE} (rings: ${rings.map((r) => r.name).join(', ')})` });
      }
    }
    if (typeof value.branch === 'string' && !canaryBranchAllowed(host, value.branch)) {
      out.push({ ...locate(yaml, ['branch']), message: `branch: ${value.branch}: host ${host} may follow only its own testing branch, testing-${host} (or testing-${host}-<name>)` });
    }
  }
  return out;
}

/** A host follows only a testing branch named for itself: testing-<host> or testing-<host>-<name>. */
export function canaryBranchAllowed(host: string, branch: string): boolean {
  return branch === `testing-${host}` || (branch.startsWith(`testing-${host}-`) && /^[a-z0-9-]+$/.test(branch));
}
