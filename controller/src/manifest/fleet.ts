// The whole fleet: every host folder, every role, secrets-map.yml. What
// `converge validate` checks and PR CI runs.
import path from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { sortDiagnostics } from './diagnostics.js';
import { loadHost } from './load-host.js';
import type { LoadedHost } from './load-host.js';
import { parseYamlFile } from './yaml.js';
import { zodDiagnostics } from './zod-diagnostics.js';
import { ResourceFileTop } from './host-schema.js';
import { TemplateEngine } from './template.js';
import { isDir, listDir, listHosts, readRepoFile, repoReadError } from './repo-files.js';
import { loadSecretsMap } from '../secrets/map.js';
import { checkFleetRings } from './fleet-rings.js';
import type { SecretsMapFile } from '../secrets/map.js';

export interface FleetValidation {
  /** Each host, with the problems found loading it (fleet-wide ones are only in `diagnostics`). */
  hosts: { name: string; loaded: LoadedHost | null; diagnostics: Diagnostic[] }[];
  diagnostics: Diagnostic[];
}

/** Validate every host (or one), every role file's syntax, and secrets-map.yml. */
export function validateFleet(repo: string, only?: string): FleetValidation {
  const diagnostics: Diagnostic[] = [];
  if (!isDir(path.join(repo, 'hosts'))) {
    return { hosts: [], diagnostics: [{ file: 'hosts', line: 1, column: 1, message: `no hosts/ folder in ${repo}: is this the fleet repository? (pass --repo DIR)` }] };
  }
  const names = only !== undefined ? [only] : listHosts(repo);
  let templates: TemplateEngine | undefined;
  try {
    templates = new TemplateEngine(repo);
  } catch {
    templates = undefined;
  }
  const secretsMap = loadSecretsMap(repo);
  const hosts = names.map((name) => {
    const { host, diagnostics: found } = loadHost(repo, name, { templates, secretsMap });
    diagnostics.push(...found);
    return { name, loaded: host, diagnostics: sortDiagnostics(found) };
  });
  diagnostics.push(...checkFleetRings(repo, only !== undefined ? [only] : names));
  if (only === undefined) {
    diagnostics.push(...checkRoles(repo));
    diagnostics.push(...checkSecretsMap(repo, secretsMap));
  }
  return { hosts, diagnostics: sortDiagnostics(diagnostics) };
}

/** Syntax and shape of every role file, used by a host or not. */
function checkRoles(repo: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const rolesDir = path.join(repo, 'hosts', '_roles');
  for (const role of listDir(rolesDir)) {
    const dir = path.join(rolesDir, role);
    if (!isDir(dir)) continue;
    const ymls = listDir(dir).filter((f) => /\.ya?ml$/.test(f));
    if (ymls.length === 0) out.push({ file: `hosts/_roles/${role}`, line: 1, column: 1, message: `role '${role}' has no *.yml file` });
    for (const f of ymls) {
      const rel = `hosts/_roles/${role}/${f}`;
      let bytes: Buffer;
      try {
        bytes = readRepoFile(repo, rel);
      } catch (error) {
        out.push({ file: rel, line: 1, column: 1, message: repoReadError(error) });
        continue;
      }
      const { yaml, diagnostics } = parseYamlFile(rel, bytes);
      out.push(...diagnostics);
      if (!yaml || yaml.value == null) continue;
      const top = ResourceFileTop.safeParse(yaml.value, { reportInput: true });
      if (!top.success) out.push(...zodDiagnostics(top.error, yaml, [], { what: 'a role file', knownKeys: () => ['resources', 'vars', 'window'] }));
    }
  }
  return out;
}

/** secrets-map.yml at the repository root, when present: schema, duplicate variables, shared paths. */
export function checkSecretsMap(repo: string, loaded?: SecretsMapFile): Diagnostic[] {
  return (loaded ?? loadSecretsMap(repo)).diagnostics;
}
