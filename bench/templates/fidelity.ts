// Fidelity benchmark: real .j2 templates of public Ansible roles, rendered by
// converge and by ansible-core's own template module with the same vars; prints
// how many come out byte-identical and why the rest differ.
//
//   npx tsx bench/templates/fidelity.ts [CORPUS_DIR] [--show N]
//
// CORPUS_DIR (default /work/corpus/src) holds role or collection checkouts (never
// this repository: third-party templates are for measuring, not committing). A
// role is any folder with templates/*.j2; its vars are defaults/main.yml, then
// bench/templates/facts.yml (the machine), then vars/main.yml and vars/Debian.yml.
// Needs ansible-playbook (apt-get install ansible-core).
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadHost } from '../../controller/src/manifest/load-host.js';
import { TemplateEngine } from '../../controller/src/manifest/template.js';
import { formatDiagnostic } from '../../controller/src/manifest/diagnostics.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const corpus = path.resolve(args.find((a) => !a.startsWith('--')) ?? '/work/corpus/src');
const show = Number(args[args.indexOf('--show') + 1] ?? 0) || 0;
const out = '/tmp/converge-fidelity';
rmSync(out, { recursive: true, force: true });

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '.git' || e.name === 'node_modules' ? [] : walk(full);
    return [full];
  });
}

function readVars(file: string): Record<string, unknown> {
  for (const f of [file, file.replace(/\.yml$/, '.yaml')]) {
    if (existsSync(f) && statSync(f).isFile()) return (parse(readFileSync(f, 'utf8')) as Record<string, unknown> | null) ?? {};
  }
  return {};
}

const facts = readVars(path.join(here, 'facts.yml'));
const templateDirs = [...new Set(walk(corpus).filter((f) => f.endsWith('.j2') && f.includes('/templates/')).map((f) => f.slice(0, f.lastIndexOf('/templates/') + '/templates'.length)))];

interface Case {
  name: string;
  src: string;
  role: string;
  rel: string;
  vars: Record<string, unknown>;
}
const cases: Case[] = [];
const fleet = path.join(out, 'fleet');
mkdirSync(path.join(fleet, 'hosts'), { recursive: true });
for (const tdir of templateDirs) {
  const roleDir = path.dirname(tdir);
  const role = path.relative(corpus, roleDir).replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
  const vars: Record<string, unknown> = {
    ansible_role_name: path.basename(roleDir),
    role_name: path.basename(roleDir),
    ...readVars(path.join(roleDir, 'defaults/main.yml')),
    ...facts,
    ...readVars(path.join(roleDir, 'vars/main.yml')),
    ...readVars(path.join(roleDir, 'vars/Debian.yml')),
    ...readVars(path.join(roleDir, 'vars/Debian-12.yml')),
  };
  // What these roles' tasks do before templating: `name: "{{ __name }}"` when name is not set.
  for (const k of Object.keys(vars)) if (k.startsWith('__') && !(k.slice(2) in vars)) vars[k.slice(2)] = `{{ ${k} }}`;
  // What their other tasks set (set_fact, register), where the corpus says: CORPUS_DIR/../vars/<role>.yml.
  Object.assign(vars, readVars(path.join(corpus, '..', 'vars', `${role}.yml`)));
  cpSync(tdir, path.join(fleet, 'roles', role), { recursive: true });
  for (const src of walk(tdir).filter((f) => f.endsWith('.j2'))) {
    const rel = path.relative(tdir, src);
    cases.push({ name: `c${String(cases.length).padStart(3, '0')}`, src, role, rel, vars });
  }
}

// converge: one host per template (a host with one broken template does not validate as a whole).
for (const c of cases) {
  const dir = path.join(fleet, 'hosts', c.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'host.yml'), stringify({ os: 'linux', vars: c.vars }));
  writeFileSync(path.join(dir, 'a.yml'), stringify({ resources: [{ file: '/out', template: `../../roles/${c.role}/${c.rel}` }] }));
}
const engine = new TemplateEngine(fleet);
const ours = new Map<string, { text?: string; error?: string }>();
const started = performance.now();
for (const c of cases) {
  const { host, diagnostics } = loadHost(fleet, c.name, { templates: engine });
  const content = host?.resources.find((r) => r.type === 'file')?.spec.content;
  ours.set(c.name, host ? { text: String(content) } : { error: diagnostics.map(formatDiagnostic).join('\n') });
}
const convergeMs = performance.now() - started;

// ansible: one playbook, a template task per case.
// Ansible's outputs are kept per input (templates' bytes and vars) in /tmp/converge-fidelity-ansible/: a rerun after a change to converge reuses them.
const casesJson = JSON.stringify(cases.map((c) => ({ name: c.name, src: c.src, vars: c.vars, bytes: readFileSync(c.src, 'utf8') })));
const key = createHash('sha256').update(casesJson).digest('hex').slice(0, 16);
const theirsDir = path.join('/tmp/converge-fidelity-ansible', key);
const ansibleStarted = performance.now();
if (!existsSync(path.join(theirsDir, 'done'))) {
  rmSync(theirsDir, { recursive: true, force: true });
  mkdirSync(theirsDir, { recursive: true });
  writeFileSync(path.join(out, 'cases.json'), casesJson);
  execFileSync('python3', [path.join(here, 'ansible-render.py'), path.join(out, 'cases.json'), theirsDir], { stdio: 'inherit' });
  writeFileSync(path.join(theirsDir, 'done'), '');
}
const ansibleMs = performance.now() - ansibleStarted;

const tally = { identical: 0, different: 0, convergeOnlyFails: 0, ansibleOnlyFails: 0, bothFail: 0 };
const reasons: string[] = [];
for (const c of cases) {
  const theirsFile = path.join(theirsDir, c.name);
  const theirs = existsSync(theirsFile) ? readFileSync(theirsFile, 'utf8') : undefined;
  const theirError = existsSync(`${theirsFile}.error`) ? readFileSync(`${theirsFile}.error`, 'utf8') : undefined;
  const mine = ours.get(c.name)!;
  const label = `${c.role}/${c.rel}`;
  if (theirs === undefined && mine.error !== undefined) tally.bothFail++;
  else if (theirs === undefined) {
    tally.ansibleOnlyFails++;
    reasons.push(`${label}: ansible fails, converge renders: ${(theirError ?? '').split('\n')[0]!.slice(0, 200)}`);
  } else if (mine.error !== undefined) {
    tally.convergeOnlyFails++;
    reasons.push(`${label}: converge fails: ${mine.error.split('\n')[0]!.replace(/^hosts\/c\d+\/\.\.\/\.\.\//, '').slice(0, 220)}`);
  } else if (mine.text === theirs) tally.identical++;
  else {
    tally.different++;
    const a = mine.text!.split('\n');
    const b = theirs.split('\n');
    const i = a.findIndex((line, k) => line !== b[k]);
    const at = i < 0 ? a.length : i;
    reasons.push(`${label}: differs at line ${at + 1}: converge ${JSON.stringify(a[at]?.slice(0, 90))} ansible ${JSON.stringify(b[at]?.slice(0, 90))}`);
  }
}
const rendered = cases.length - tally.bothFail - tally.ansibleOnlyFails;
console.log(`templates: ${cases.length} from ${templateDirs.length} roles in ${corpus}`);
console.log(`byte-identical: ${tally.identical} of ${rendered} that ansible renders (${((100 * tally.identical) / Math.max(rendered, 1)).toFixed(0)}%)`);
console.log(`different output: ${tally.different}; converge refuses: ${tally.convergeOnlyFails}; ansible refuses too: ${tally.bothFail}; only ansible refuses: ${tally.ansibleOnlyFails}`);
console.log(`time: converge ${convergeMs.toFixed(0)} ms (loading ${cases.length} hosts), ansible ${(ansibleMs / 1000).toFixed(1)} s (one playbook)`);
for (const r of show ? reasons.slice(0, show) : reasons) console.log(`  ${r}`);
console.log(`converge's input in ${out}/fleet, ansible's output in ${theirsDir}; reproduce: npx tsx bench/templates/fidelity.ts ${corpus}`);
