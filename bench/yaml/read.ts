// The manifest read: the quick read (js-yaml's events, controller/src/manifest/yaml-fast.ts)
// against the full one (`yaml`'s Document) on a folder of real YAML (role and
// collection checkouts fetched outside the repository). For each file: does the
// quick read take it, is its value the same, does every node sit where `yaml`
// puts it; then the time of each read, first call (what a converge pays) and warm.
//
//   npx tsx bench/yaml/read.ts [DIR] [--peers FILE]
//
// DIR defaults to /work/corpus/yaml; --peers times one manifest of
// ../shared/bench/peers/gen.py's host (say hosts/bench/files.yml) on its own.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { locate, parseYamlFile } from '../../controller/src/manifest/yaml.js';

const args = process.argv.slice(2);
const peersAt = args.indexOf('--peers');
const peers = peersAt >= 0 ? args.splice(peersAt, 2)[1] : undefined;
const dir = args[0] ?? '/work/corpus/yaml';

function* yamlFiles(d: string): Generator<string> {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules') yield* yamlFiles(p);
    else if (e.isFile() && /\.ya?ml$/.test(e.name) && statSync(p).size < 1024 * 1024) yield p;
  }
}

function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

const files = [...yamlFiles(dir)];
let taken = 0;
let unreadable = 0;
let bytes = 0;
const differ: string[] = [];
const gaveUp = new Map<string, number>();
for (const file of files) {
  const data = readFileSync(file);
  const full = parseYamlFile(file, data, { quick: false });
  const quick = parseYamlFile(file, data);
  if (!full.yaml) {
    unreadable++;
    if (!isDeepStrictEqual(quick.diagnostics, full.diagnostics)) differ.push(`${file}: messages differ`);
    continue;
  }
  if (!quick.yaml?.fast) {
    const why = /&\w|\*\w/.test(data.toString()) ? 'anchors or aliases' : /!\S/.test(data.toString()) ? 'tags' : /^\s*(#.*)?$/s.test(data.toString()) ? 'no document' : 'other';
    gaveUp.set(why, (gaveUp.get(why) ?? 0) + 1);
    continue;
  }
  taken++;
  bytes += data.byteLength;
  if (!isDeepStrictEqual(quick.yaml.value, full.yaml.value)) {
    differ.push(`${file}: values differ`);
    continue;
  }
  for (const p of pathsOf(full.yaml.value)) {
    for (const key of [false, true]) {
      const a = locate(quick.yaml, p, key);
      const b = locate(full.yaml, p, key);
      if (a.line !== b.line || a.column !== b.column) {
        differ.push(`${file}: ${JSON.stringify(p)}${key ? ' (key)' : ''} at ${a.line}:${a.column}, yaml says ${b.line}:${b.column}`);
        break;
      }
    }
  }
}
console.log(`${files.length} YAML files under ${dir}: ${taken} taken by the quick read (${(bytes / 1024).toFixed(0)} KiB), ${files.length - taken - unreadable} left to yaml (${[...gaveUp].map(([k, v]) => `${k}: ${v}`).join(', ')}), ${unreadable} yaml refuses`);
console.log(`differences from yaml (values, positions, messages): ${differ.length}`);
for (const d of differ.slice(0, 20)) console.log(`  ${d}`);

function timeRead(label: string, data: Buffer, quick: boolean): void {
  const once = () => {
    const t = performance.now();
    parseYamlFile('x.yml', data, { quick });
    return performance.now() - t;
  };
  const first = once();
  const warm = Array.from({ length: 7 }, once).sort((a, b) => a - b)[3]!;
  console.log(`  ${label.padEnd(6)} first ${first.toFixed(1)} ms, warm median ${warm.toFixed(1)} ms`);
}
if (peers) {
  const data = readFileSync(peers);
  console.log(`${peers} (${(data.byteLength / 1024).toFixed(0)} KiB), one process; run each read in a fresh one to compare first calls:`);
  const order = process.env.FIRST === 'yaml' ? [false, true] : [true, false];
  for (const q of order) timeRead(q ? 'quick' : 'yaml', data, q);
}
console.log(`reproduce: npx tsx bench/yaml/read.ts ${dir}${peers ? ` --peers ${peers}` : ''}`);
