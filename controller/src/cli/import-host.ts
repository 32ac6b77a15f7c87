// converge import host: read a live machine (paths, units, packages,
// accounts) into hosts/<name>/imported.yml + files/, so that a plan on that
// machine right after shows nothing to change. Secrets are not copied.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveRepo } from './host-run.js';
import { Printer } from './output.js';
import { createRunner } from '../platform/runner.js';
import { createUserDb } from '../platform/users.js';
import { readPaths } from '../import/host/read-paths.js';
import type { ImportedResource } from '../import/host/read-paths.js';
import { readAccounts, readPackages, readUnits } from '../import/host/read-system.js';
import { secretsMapSuggestion, writeImport } from '../import/host/write.js';
import { ConvergeError } from '../platform/errors.js';

export interface ImportHostFlags {
  repo?: string;
  host: string;
  root?: string;
  paths?: string;
  units?: string;
  packages?: boolean;
  users?: boolean;
}

const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

export async function importHostCommand(flags: ImportHostFlags): Promise<number> {
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(flags.host)) throw new ConvergeError('invalid-input', `--host must be a lowercase DNS label, not '${flags.host}'`);
  const repo = resolveRepo(flags.repo);
  const root = path.resolve(flags.root ?? '/');
  const local = (p: string) => (root === '/' ? p : path.join(root, p));
  const paths = list(flags.paths);
  for (const p of paths) if (!p.startsWith('/')) throw new ConvergeError('invalid-input', `--paths takes absolute paths, not '${p}'`);
  const runner = createRunner('linux');
  const resources: ImportedResource[] = [];
  const files = new Map<string, Buffer>();
  if (flags.users) resources.push(...readAccounts(local, root));
  if (flags.packages) resources.push(...(await readPackages(runner)));
  const fromPaths = readPaths(paths, root, createUserDb(root));
  resources.push(...fromPaths.resources);
  for (const [k, v] of fromPaths.files) files.set(k, v);
  const units = await readUnits(list(flags.units), runner);
  resources.push(...units.resources);
  for (const [k, fragment] of units.files) files.set(k, readFileSync(local(fragment)));

  const written = writeImport(repo, flags.host, resources, files);
  const out = new Printer();
  out.line(`imported ${resources.length} resources into hosts/${flags.host}/imported.yml (${files.size} files under hosts/${flags.host}/files/imported/)`);
  for (const s of fromPaths.skipped) out.line(`  left out: ${s}`);
  if (fromPaths.secrets.length) {
    out.line(`${fromPaths.secrets.length} file(s) look secret and were NOT copied:`);
    for (const s of fromPaths.secrets) out.line(`  ${s.path}: ${s.reason}`);
    out.line('Put their values in Key Vault, add these to secrets-map.yml, and an `envFile: <name>` resource each:');
    for (const l of secretsMapSuggestion(flags.host, fromPaths.secrets).trimEnd().split('\n')) out.line(`  ${l}`);
  }
  out.line(`next: converge plan --host ${flags.host}${flags.root ? ` --root ${flags.root}` : ''} (shows no change), review, commit ${written.length} files`);
  return 0;
}
