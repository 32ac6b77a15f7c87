// Pruning after a confirmed upgrade: the current release and the two built
// before it stay, with the dependency caches they use; the rest goes.
import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { layout } from '../../src/agent/upgrade/release.js';
import { pruneReleases } from '../../src/agent/upgrade/prune.js';

describe('pruning releases', () => {
  it('keeps the current one and the two newest others, and their build caches', async () => {
    const l = layout(tempDir());
    const ids = ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc', 'dddddddddddd', 'eeeeeeeeeeee'];
    ids.forEach((id, i) => {
      mkdirSync(path.join(l.releases, id), { recursive: true });
      writeFileSync(path.join(l.releases, id, 'release.json'), JSON.stringify({ id, commit: id, prefix: l.prefix, lockHash: `${i % 2}`.repeat(16), builtAt: `2026-12-0${i + 1}T00:00:00.000Z` }));
    });
    for (const h of ['0'.repeat(16), '1'.repeat(16), '9'.repeat(16), 'fleet']) mkdirSync(path.join(l.build, h), { recursive: true });
    mkdirSync(path.join(l.releases, '.new-ffffffffffff-1'));
    // The current one is the oldest (a switch back): it stays, with the two newest.
    const removed = await pruneReleases(l, 'aaaaaaaaaaaa');
    expect(removed.sort()).toEqual(['bbbbbbbbbbbb', 'cccccccccccc']);
    expect(readdirSync(l.releases).sort()).toEqual(['.new-ffffffffffff-1', 'aaaaaaaaaaaa', 'dddddddddddd', 'eeeeeeeeeeee']);
    // linux.sh's fleet clone is not a cache: it stays.
    expect(readdirSync(l.build).sort()).toEqual(['0'.repeat(16), '1'.repeat(16), 'fleet']);
  });
});
