// The fleet as one commit declares it: every host loaded and validated (with
// placeholder facts, as `converge validate` does), and secrets-map.yml.
// Nothing is resolved from a vault: secret values are never read.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateFleet } from '../manifest/fleet.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { parseYamlFile } from '../manifest/yaml.js';
import { SecretsMap } from '../secrets/schema.js';

export interface HostSnapshot {
  name: string;
  loaded: LoadedHost | null;
  diagnostics: Diagnostic[];
}

export interface FleetSnapshot {
  commit: string;
  hosts: Map<string, HostSnapshot>;
  /** Every problem in the fleet at this commit (hosts, roles, secrets-map.yml). */
  diagnostics: Diagnostic[];
  /** secrets-map.yml's env files, when it exists and parses. */
  secretsMap: SecretsMap['envFiles'];
}

/** Load the fleet in `dir` (a materialised commit). */
export function loadSnapshot(dir: string, commit: string): FleetSnapshot {
  const fleet = validateFleet(dir);
  return {
    commit,
    hosts: new Map(fleet.hosts.map((h) => [h.name, h])),
    diagnostics: fleet.diagnostics,
    secretsMap: readSecretsMap(dir),
  };
}

function readSecretsMap(dir: string): SecretsMap['envFiles'] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path.join(dir, 'secrets-map.yml'));
  } catch {
    return {};
  }
  const { yaml } = parseYamlFile('secrets-map.yml', bytes);
  const parsed = SecretsMap.safeParse(yaml?.value ?? {});
  return parsed.success ? parsed.data.envFiles : {};
}
