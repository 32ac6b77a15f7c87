// converge import ansible ROLE_DIR [--into hosts/_roles/NAME]: convert a role
// into one converge role file, its templates and files copied verbatim, and
// list every task it could not convert with file:line and why.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { resolveRepo } from './host-run.js';
import { Printer } from './output.js';
import { convertRole } from '../import/ansible/role.js';
import { ConvergeError } from '../platform/errors.js';
import { copyWithin } from '../platform/copy-within.js';

export interface ImportAnsibleFlags {
  repo?: string;
  into?: string;
  json?: boolean;
}

export async function importAnsibleCommand(roleDir: string, flags: ImportAnsibleFlags): Promise<number> {
  const dir = path.resolve(roleDir);
  if (!existsSync(path.join(dir, 'tasks'))) throw new ConvergeError('invalid-input', `${roleDir} is not an Ansible role (no tasks/ folder)`);
  const repo = resolveRepo(flags.repo);
  const into = path.resolve(repo, flags.into ?? path.join('hosts/_roles', path.basename(dir)));
  const rel = path.relative(repo, into);
  if (!rel.startsWith(`hosts${path.sep}_roles${path.sep}`) || rel.split(path.sep).length !== 3) throw new ConvergeError('invalid-input', `--into must be hosts/_roles/NAME of the repository, not ${flags.into}`);
  const role = convertRole(dir);
  // Plain copies: a link inside the role is followed, one out of it (to a file of this machine) is refused by name, before anything is written.
  const copies = ([['templates', 'files/templates'], ['files', 'files/files']] as const).filter(([from]) => existsSync(path.join(dir, from)));
  copyWithin(dir, copies.map(([from, to]) => [from, path.join(into, to)] as const), 'the role');
  mkdirSync(into, { recursive: true });
  const header = [
    '# yaml-language-server: $schema=../../../controller/schema/resources.schema.json',
    `# Converted from the Ansible role ${path.basename(dir)} by converge import ansible.`,
    ...role.unconverted.map((u) => `# not converted: ${u.file}:${u.line} ${u.task}: ${u.why}`),
    ...role.skipped.map((u) => `# skipped: ${u.file}:${u.line} ${u.task}: ${u.why}`),
    '',
  ].join('\n');
  writeFileSync(path.join(into, 'role.yml'), header + stringify({ ...(Object.keys(role.vars).length ? { vars: role.vars } : {}), resources: role.resources }, { lineWidth: 0 }));
  const out = new Printer();
  if (flags.json) {
    out.line(JSON.stringify({ role: rel, tasks: role.tasks, resources: role.resources.length, unconverted: role.unconverted, skipped: role.skipped }, null, 2));
    return 0;
  }
  out.line(`${rel}/role.yml: ${role.resources.length} resources from ${role.tasks} tasks; ${role.unconverted.length} not converted${role.skipped.length ? `; ${role.skipped.length} skipped (not for Debian 12)` : ''}`);
  for (const u of role.unconverted) out.line(`  ${u.file}:${u.line}: ${u.task}: ${u.why}`);
  for (const u of role.skipped) out.line(`  skipped ${u.file}:${u.line}: ${u.task}: ${u.why}`);
  return 0;
}
