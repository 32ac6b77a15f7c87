// Write what was read as hosts/<host>/imported.yml and files/imported/, and
// the secrets-map.yml entries the secret files would need (printed, not
// written: the values belong in Key Vault first).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ImportedResource, SecretFile } from './read-paths.js';
import { envVars, secretVars } from './secrets.js';

/** Write the host folder; returns the files written (repository-relative). */
export function writeImport(repo: string, host: string, resources: ImportedResource[], files: Map<string, Buffer>): string[] {
  const dir = path.join(repo, 'hosts', host);
  mkdirSync(dir, { recursive: true });
  rmSync(path.join(dir, 'files/imported'), { recursive: true, force: true });
  const written: string[] = [];
  if (!existsSync(path.join(dir, 'host.yml'))) {
    writeFileSync(path.join(dir, 'host.yml'), '# yaml-language-server: $schema=../../controller/schema/host.schema.json\nos: linux\n');
    written.push(`hosts/${host}/host.yml`);
  }
  for (const [rel, bytes] of files) {
    const target = path.join(dir, rel);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
  const header = [
    '# yaml-language-server: $schema=../../controller/schema/resources.schema.json',
    `# Imported from the live machine by converge import host (${new Date().toISOString().slice(0, 10)}).`,
    '# Files that looked secret were left out: see the secrets-map.yml entries it printed.',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'imported.yml'), header + stringify({ resources }, { lineWidth: 0 }));
  written.push(`hosts/${host}/imported.yml`, ...[...files.keys()].map((f) => `hosts/${host}/${f}`));
  return written;
}

/** The secrets-map.yml entries for the secret files (Key Vault names to create), as YAML text. */
export function secretsMapSuggestion(host: string, secrets: readonly SecretFile[]): string {
  const envFiles: Record<string, unknown> = {};
  for (const s of secrets) {
    const name = `${host}-${path.posix.basename(s.path).replace(/^\./, '').replace(/\.[^.]*$/, '') || 'secret'}`.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
    const vars = envVars(s.content).length ? envVars(s.content) : secretVars(s.content);
    envFiles[name] = {
      description: `imported from ${s.path} (${s.reason}); put each value in Key Vault under its name`,
      path: s.path,
      vars: Object.fromEntries((vars.length ? vars : ['CONTENT']).map((v) => [v, `${name}-${v.toLowerCase().replace(/_/g, '-')}`])),
    };
  }
  return stringify({ envFiles }, { lineWidth: 0 });
}
