// Every resource folder is registered once, and every registered type has its folder, schema (in schemas.ts, from its own schema.ts) and readme.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { resourceTypes } from '../../src/resources/registry.js';
import { resourceSchema } from '../../src/resources/schemas.js';
import { PROJECT_ROOT } from '../helpers/cli.js';

const dir = path.join(PROJECT_ROOT, 'controller/src/resources');
const folderOf = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

describe('the resource registry', () => {
  it('lists each type folder exactly once', () => {
    const folders = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'shared').map((e) => e.name).sort();
    expect(resourceTypes.map((t) => folderOf(t.name)).sort()).toEqual(folders);
    expect(new Set(resourceTypes.map((t) => t.name)).size).toBe(resourceTypes.length);
  });

  it('gives every type a schema, an index and a readme with an example', () => {
    for (const t of resourceTypes) {
      for (const f of ['schema.ts', 'index.ts', 'readme.md']) expect(existsSync(path.join(dir, folderOf(t.name), f)), `${t.name}/${f}`).toBe(true);
    }
  });

  it("validates every type with a schema of its own folder's schema.ts", async () => {
    for (const t of resourceTypes) {
      const exported = Object.values(await import(path.join(dir, folderOf(t.name), 'schema.ts')));
      expect(exported, t.name).toContain(resourceSchema(t.name));
    }
    expect(() => resourceSchema('nosuch')).toThrow(/nosuch/);
  });
});
