// The quick read (js-yaml's events) against the full one (`yaml`'s Document):
// same value, same place for every node a message can point at, and the full
// read wherever the quick one would read otherwise.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { locate, parseYamlFile } from '../../src/manifest/yaml.js';
import type { YamlFile } from '../../src/manifest/yaml.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const repoYaml = execFileSync('git', ['ls-files', '*.yml', '*.yaml'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);

const tricky: Record<string, string> = {
  scalars: 'a: 1\nb: 0o17\nc: 0x1F\nd: +1\ne: .5\nf: 1.\ng: -.inf\nh: .NaN\ni: 0b1\nj: True\nk: yes\nl: ~\nm: 2024-01-01\nn: 12:30\no: 010\np: 1_000\nq: 12345678901234567890\n',
  keys: '1: a\n1.0x: b\ntrue: c\n"2": d\n\'q\': e\n0x10: f\nfalse: g\n',
  quoted: 'a: "\\x41\\u263A\\U0001F600\\t\\n\\\\"\nb: \'it\'\'s\'\nc: ""\nd: \'\'\ne: "multi\n  line"\n',
  blocks: 'a: >\n  fold\n  ed\n\n  para\nb: |-\n  x\nc: |+\n  x\n\nd: >2\n   x\n  y\ne: |  # a comment\n  z\n',
  flow: 'a: {b: [1, 2, {c: d}], e: }\nf: [a, b]\ng: {"h": i}\nj: [k: l]\n',
  nested: 'resources:\n  - file: /etc/a\n    vars: { d: "0", i: [1, 2] }\n  -\n    file: /etc/b\n  - - x\n    - y\n  - a:\n      - 1\n      -\n      - 3\n',
  empty: 'a:\nb: ~\nc:\n  d:\n',
  explicitKeys: '? a\n: b\n? c\n',
  comments: '# top\na: b # c\n#d\ne:   # after\n  f: g\n',
  crlf: 'a: b\r\nc:\r\n  - d\r\n  - "e"\r\n',
  bom: '\ufeffa: b\nc: d\n',
  unicode: 'ä: "ö"\nemoji: 😀 x\nafter: z\n',
  multilinePlain: 'a: multi\n  line\n  plain\nb: c\n',
  tabs: 'a:\tb\nc: d\n',
  indentedSeq: 'a:\n- 1\n- b: 2\n  c: 3\n',
  documentMarkers: '---\na: 1\n...\n',
  directive: '%YAML 1.2\n---\na: 1\n',
  topSeq: '- a\n- b: c\n',
  topScalar: 'just text\n',
};

/** Every path into a value, down to its leaves. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function both(name: string, text: string): { quick: YamlFile; full: YamlFile } {
  const bytes = Buffer.from(text);
  const quick = parseYamlFile(name, bytes).yaml;
  const full = parseYamlFile(name, bytes, { quick: false }).yaml;
  if (!quick || !full) throw new Error(`${name} does not parse`);
  return { quick, full };
}

function expectSameReading(name: string, text: string): void {
  const { quick, full } = both(name, text);
  expect(quick.value, name).toStrictEqual(full.value);
  for (const p of [...pathsOf(full.value), ['missing'], [0, 'missing'], ['resources', 999]]) {
    for (const key of [false, true]) expect(locate(quick, p, key), `${name} ${JSON.stringify(p)} key=${key}`).toStrictEqual(locate(full, p, key));
  }
}

describe('the quick YAML read', () => {
  it('reads every manifest in this repository as yaml does, values and positions', () => {
    expect(repoYaml.length).toBeGreaterThan(20);
    let quick = 0;
    for (const rel of repoYaml) {
      const text = readFileSync(path.join(repo, rel), 'utf8');
      expectSameReading(rel, text);
      if (parseYamlFile(rel, Buffer.from(text)).yaml?.fast) quick++;
    }
    // the quick read takes nearly all of them (not one that gives up every time)
    expect(quick).toBeGreaterThanOrEqual(repoYaml.length - 2);
  });

  it.each(Object.entries(tricky))('reads %s as yaml does', (name, text) => {
    expectSameReading(name, text);
  });

  it('places a resource without building the Document', () => {
    const text = 'resources:\n  - file: /etc/a\n    content: x\n  - file: /etc/b\n    loop: [1, 2]\n';
    const yaml = parseYamlFile('h.yml', Buffer.from(text)).yaml!;
    expect(yaml.fast).toBeDefined();
    let built = false;
    const spy = new Proxy(yaml, { get: (t, k) => ((built ||= k === 'doc' || k === 'lines'), Reflect.get(t, k)) });
    expect(locate(spy, ['resources', 1])).toEqual({ file: 'h.yml', line: 4, column: 5 });
    expect(locate(spy, ['resources', 1, 'loop'], true)).toEqual({ file: 'h.yml', line: 5, column: 5 });
    expect(built).toBe(false);
    // a block scalar's place is yaml's to say: the Document is built then, and agrees
    const block = parseYamlFile('b.yml', Buffer.from('a: |\n  x\n')).yaml!;
    expect(locate(block, ['a'])).toEqual({ file: 'b.yml', line: 1, column: 4 });
  });

  it.each([
    ['an alias', 'a: &x 1\nb: *x\n'],
    ['a merge key', 'a: {x: 1}\nb:\n  <<: {y: 2}\n'],
    ['a tag', 'a: !vault |\n  xyz\n'],
    ['a null key', '~: a\n'],
    ['an exponent', 'a: 1e400\n'],
    ['an exponent as a key', '1e3: a\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['no document', '# nothing\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a long key', `${'k'.repeat(1100)}: v\n`],
    ['a collection as a key', '[a, b]: c\n'],
  ])('leaves %s to yaml, with its value or message', (_what, text) => {
    const quick = parseYamlFile('x.yml', Buffer.from(text));
    const full = parseYamlFile('x.yml', Buffer.from(text), { quick: false });
    expect(quick.yaml?.fast).toBeUndefined();
    expect(quick.diagnostics).toStrictEqual(full.diagnostics);
    expect(quick.yaml?.value).toStrictEqual(full.yaml?.value);
  });
});
