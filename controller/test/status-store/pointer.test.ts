// Polling through the pointer blob, against Azurite: the forge is asked once an
// interval, every other poll is one conditional read that answers 304 while
// the fleet is unchanged; a new pointer is seen at the next poll; a pointer that
// cannot be read (store down, not written yet) falls back to the forge.
import { beforeAll, expect, it } from 'vitest';
import { describeWith } from '../helpers/components.js';
import { azuriteAvailable } from '../helpers/azurite.js';
import type { Azurite } from '../helpers/azurite.js';
import { tempDir } from '../helpers/tmp.js';
import { keyConfig, makeContainer, azuriteForFile } from './support/store.js';
import { HeadPointer, writePointer } from '../../src/agent/head-pointer.js';

let azurite: Azurite;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describeWith(azuriteAvailable())('the fleet head pointer', () => {
  const store = azuriteForFile();
  beforeAll(() => {
    azurite = store();
  });

  it('one forge request an interval; the other polls answer 304 until CI writes a new head', async () => {
    await makeContainer(azurite, 'pointer');
    const config = { ...keyConfig(azurite, 'pointer', tempDir()), pointer: 'fleet-head.json' };
    let forgeCalls = 0;
    const forge = async () => {
      forgeCalls++;
      return A;
    };
    const pointer = new HeadPointer(config, 'main', 15 * 60_000);
    let now = 1_000_000;
    expect(await pointer.poll(forge, now)).toEqual({ head: A, via: 'forge' });
    // Not written yet: the forge answers (the fleet works before CI is set up).
    expect(await pointer.poll(forge, (now += 30_000))).toEqual({ head: A, via: 'forge' });
    await writePointer(config, 'main', A);
    expect(await pointer.poll(forge, (now += 30_000))).toEqual({ head: A, via: 'pointer' });
    const before = forgeCalls;
    for (let i = 0; i < 10; i++) expect(await pointer.poll(forge, (now += 30_000))).toEqual({ head: A, via: 'pointer (304)' });
    expect(forgeCalls).toBe(before);
    await writePointer(config, 'main', B);
    expect(await pointer.poll(forge, (now += 30_000))).toEqual({ head: B, via: 'pointer' });
    // A pointer for another branch is not this fleet's head.
    await writePointer(config, 'testing-motoko', A);
    expect((await pointer.poll(forge, (now += 30_000))).via).toBe('forge');
    // Once an interval the forge is asked whatever the pointer says: a pointer CI stopped writing delays a merge by at most that.
    expect(await pointer.poll(forge, now + 15 * 60_000)).toEqual({ head: A, via: 'forge' });
  });

  it('a store that is down: the forge answers the poll', async () => {
    await makeContainer(azurite, 'pointer-down');
    const config = { ...keyConfig(azurite, 'pointer-down', tempDir()), pointer: 'fleet-head.json' };
    await writePointer(config, 'main', B);
    const pointer = new HeadPointer(config, 'main', 15 * 60_000);
    let now = 1_000_000;
    await pointer.poll(async () => A, now);
    expect(await pointer.poll(async () => A, (now += 30_000))).toEqual({ head: B, via: 'pointer' });
    await azurite.stop();
    try {
      expect(await pointer.poll(async () => A, now + 30_000)).toEqual({ head: A, via: 'forge' });
    } finally {
      await azurite.start();
    }
  });
});
