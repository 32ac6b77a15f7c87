// The JSON Schemas in controller/schema are current, and the example fleet uses them and validates.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { converge, PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

function ymlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const full = path.join(dir, e);
    if (statSync(full).isDirectory()) return e === 'files' ? [] : ymlFiles(full);
    return /\.ya?ml$/.test(e) ? [full] : [];
  });
}

describe('converge schema', () => {
  it('writes schemas identical to the committed ones', () => {
    const out = tempDir();
    expect(converge(['schema', '--out', out]).exitCode).toBe(0);
    for (const name of ['host.schema.json', 'resources.schema.json', 'secrets-map.schema.json', 'config.schema.json']) {
      expect(readFileSync(path.join(out, name), 'utf8'), name).toBe(readFileSync(path.join(PROJECT_ROOT, 'controller/schema', name), 'utf8'));
    }
    expect(converge(['schema', '--check']).exitCode).toBe(0);
  });

  it('describes every resource type with its fields', () => {
    const schema = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'controller/schema/resources.schema.json'), 'utf8'));
    const items = schema.properties.resources.items.anyOf as { properties: Record<string, unknown>; required: string[] }[];
    const file = items.find((i) => i.required.includes('file'))!;
    expect(Object.keys(file.properties)).toEqual(expect.arrayContaining(['file', 'content', 'template', 'mode', 'owner', 'requires', 'notify', 'when']));
  });
});

describe('the example fleet', () => {
  it('validates', () => {
    const r = converge(['validate', '--repo', PROJECT_ROOT]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 hosts valid .*: armitage, atom, count-zero, motoko, wintermute/);
  });

  it('starts every manifest with its yaml-language-server schema line', () => {
    for (const file of ymlFiles(path.join(PROJECT_ROOT, 'hosts'))) {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      const kind = path.basename(file) === 'host.yml' ? 'host' : 'resources';
      const depth = path.relative(PROJECT_ROOT, path.dirname(file)).split(path.sep).length;
      expect(first, file).toBe(`# yaml-language-server: $schema=${'../'.repeat(depth)}controller/schema/${kind}.schema.json`);
    }
  });

  it('plans every host under a sandbox root, Windows and macOS ones included', () => {
    for (const host of ['motoko', 'atom', 'armitage', 'wintermute', 'count-zero']) {
      const r = converge(['plan', '--repo', PROJECT_ROOT, '--host', host, '--root', tempDir()]);
      expect(r.exitCode, `${host}: ${r.stderr}`).toBe(2);
    }
  });
});
