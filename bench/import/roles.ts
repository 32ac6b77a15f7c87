// Converted Ansible roles against Ansible itself: each role of a folder (real
// public roles fetched outside the repository) is converted with `converge
// import ansible`; one nspawn machine runs `ansible-playbook -c local` of the
// role, another `converge apply` of the converted one; the files, directories
// and links converge manages are compared on both (type, mode, owner, group,
// content hash or link target). Neither touches this machine.
//   node bench/import/run.mjs /work/corpus/roles   (after npm run build; as root)
import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { bootMachine, ensureRootfs } from '../../controller/test/helpers/nspawn.js';
import { CONVERGE_BIN } from '../../controller/test/helpers/cli.js';
import type { Machine } from '../../controller/test/helpers/nspawn.js';

const rolesDir = process.argv[2] ?? '/work/corpus/roles';
const roles = readdirSync(rolesDir).filter((r) => !r.startsWith('.')).sort();

function statOf(machine: Machine, p: string): string {
  const r = machine.exec(['/bin/sh', '-c', `p='${p.replace(/'/g, `'\\''`)}'; [ -e "$p" ] || [ -L "$p" ] || { echo missing; exit 0; }; t=$(stat -c '%F %a %U %G' "$p"); if [ -L "$p" ]; then echo "$t -> $(readlink "$p")"; elif [ -f "$p" ]; then echo "$t $(sha256sum < "$p" | cut -c1-16)"; else echo "$t"; fi`]);
  return r.stdout.trim();
}

ensureRootfs();
const ansible = await bootMachine();
const conv = await bootMachine();
try {
  const setup = ansible.exec(['/bin/sh', '-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q ansible-core >/dev/null 2>&1; ansible-playbook --version | head -1'], { timeoutMs: 600_000 });
  console.log(`ansible machine: ${setup.stdout.trim() || setup.stderr.trim()}`);
  const rows: string[] = [];
  for (const role of roles) {
    const work = mkdtempSync(path.join(os.tmpdir(), `converge-bench-import-${role}-`));
    cpSync(path.join(rolesDir, role), path.join(work, 'role', role), { recursive: true });
    // one host per role: the machines are shared, and a host's earlier resources are not this role's
    const host = `bench-${role}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    mkdirSync(path.join(work, `fleet/hosts/${host}`), { recursive: true });
    writeFileSync(path.join(work, `fleet/hosts/${host}/host.yml`), `os: linux\nroles: [${role}]\n`);
    // ansible_managed is converge's own line on both sides (the one difference converge makes on purpose)
    writeFileSync(path.join(work, 'ansible.cfg'), '[defaults]\nansible_managed = Managed by converge: local changes are overwritten\n');
    // converted on this side: the machines see the fleet read-only
    const converted = spawnSync(process.execPath, [CONVERGE_BIN, 'import', 'ansible', path.join(work, 'role', role), '--repo', path.join(work, 'fleet'), '--json'], { encoding: 'utf8' });
    const summary = JSON.parse(converted.stdout || '{}') as { tasks?: number; resources?: number; unconverted?: unknown[]; skipped?: unknown[] };
    writeFileSync(path.join(work, 'play.yml'), `- hosts: localhost\n  roles:\n    - role: ${ansible.inside(path.join(work, 'role', role))}\n`);
    const t0 = Date.now();
    const play = ansible.exec(['ansible-playbook', '-i', 'localhost,', '-c', 'local', ansible.inside(path.join(work, 'play.yml'))], { timeoutMs: 900_000, env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_CONFIG: ansible.inside(path.join(work, 'ansible.cfg')), ANSIBLE_ROLES_PATH: ansible.inside(path.join(work, 'role')) } });
    const ansibleMs = Date.now() - t0;
    const t1 = Date.now();
    const apply = conv.converge(['apply', '--repo', conv.inside(path.join(work, 'fleet')), '--host', host, '--json'], { timeoutMs: 900_000 });
    const convergeMs = Date.now() - t1;
    let report: { resources?: { id: string; status: string }[]; diagnostics?: { message: string }[] } = {};
    try {
      report = JSON.parse(apply.stdout);
    } catch {
      report = {};
    }
    const resources = report.resources ?? [];
    const paths = resources.filter((r) => /^(file|directory|symlink):/.test(r.id)).map((r) => r.id.slice(r.id.indexOf(':') + 1));
    let same = 0;
    const differ: string[] = [];
    for (const p of paths) {
      const a = statOf(ansible, p);
      const c = statOf(conv, p);
      if (a === c) same++;
      else differ.push(`${p}: ansible ${a} | converge ${c}`);
    }
    const failed = resources.filter((r) => r.status === 'failed').length;
    const why = resources.length === 0 ? ` (converge applied nothing: ${(report.diagnostics ?? []).map((d) => d.message).join('; ').slice(0, 200) || apply.stderr.trim().slice(0, 200)})` : '';
    rows.push(`${role}: ${summary.tasks ?? '?'} tasks, ${summary.resources ?? '?'} resources, ${summary.unconverted?.length ?? '?'} not converted, ${summary.skipped?.length ?? '?'} skipped (not for Debian 12); ansible exit ${play.exitCode} (${(ansibleMs / 1000).toFixed(1)} s), converge exit ${apply.exitCode} (${(convergeMs / 1000).toFixed(1)} s, ${failed} failed); paths identical ${same}/${paths.length}${why}`);
    for (const d of differ.slice(0, 5)) rows.push(`    differs ${d}`);
    for (const r of resources.filter((x) => x.status === 'failed').slice(0, 5)) rows.push(`    failed ${JSON.stringify(r).slice(0, 300)}`);
  }
  console.log(rows.join('\n'));
  console.log(`reproduce: node bench/import/run.mjs ${rolesDir}`);
} finally {
  await ansible.stop();
  await conv.stop();
}
