// The inventory's journal: the line that says converge created a resource is in
// the file before the resource exists (a kill right after must not turn what
// converge created into something it merely adopted); other lines may wait and
// are written in one go. What a kill leaves is read back by the next run.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { Inventory } from '../../src/engine/inventory.js';
import type { InventoryEntry } from '../../src/engine/inventory.js';

const entry = (specHash: string, created = true): InventoryEntry => ({ type: 'file', spec: { file: '/etc/motd' } as InventoryEntry['spec'], created, specHash, since: '2026-12-02T00:00:00.000Z' });
const journalLines = (stateDir: string) => {
  const file = path.join(stateDir, 'inventory', 'h.json.journal');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; entry: InventoryEntry | null }) : [];
};

describe('the inventory journal', () => {
  it('has an urgent line, and every line before it, in the file when set returns', async () => {
    const stateDir = tempDir();
    const inventory = await Inventory.load(stateDir, 'h');
    await inventory.set('file:/a', entry('aaaa', false));
    expect(journalLines(stateDir)).toEqual([]); // may wait
    await inventory.set('file:/b', entry('pending'), { urgent: true });
    expect(journalLines(stateDir).map((l) => [l.id, l.entry?.specHash])).toEqual([
      ['file:/a', 'aaaa'],
      ['file:/b', 'pending'],
    ]);
    await inventory.close();
  });

  it('what a killed run left (created lines written, the rest not) loads as created, and save keeps every entry', async () => {
    const stateDir = tempDir();
    const run = await Inventory.load(stateDir, 'h');
    for (let i = 0; i < 300; i++) {
      await run.set(`file:/f${i}`, entry('pending'), { urgent: true });
      await run.set(`file:/f${i}`, entry(`hash${i}`));
    }
    // No save: the process is gone. The last lines waited; every "created" line is there.
    const next = await Inventory.load(stateDir, 'h');
    expect(next.entries.size).toBe(300);
    expect([...next.entries.values()].every((e) => e.created)).toBe(true);
    expect(next.get('file:/f299')!.specHash).toBe('pending');
    expect(next.get('file:/f0')!.specHash).toBe('hash0');

    // A run that ends writes the snapshot with everything, buffered lines included.
    await next.set('file:/f299', entry('hash299'));
    await next.save();
    expect(existsSync(path.join(stateDir, 'inventory', 'h.json.journal'))).toBe(false);
    const after = await Inventory.load(stateDir, 'h');
    expect(after.get('file:/f299')!.specHash).toBe('hash299');
    expect(after.entries.size).toBe(300);
  });
});
