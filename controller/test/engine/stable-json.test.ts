// The hand-written stable JSON gives exactly the text of JSON.stringify with a
// key-sorting replacer (the inventory's spec hashes depend on it staying so).
import { describe, expect, it } from 'vitest';
import { stableJson } from '../../src/engine/stable-json.js';

function reference(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

function random(depth: number, seed: { n: number }): unknown {
  const r = () => ((seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const keys = ['b', 'a', '10', '2', 'Z', 'é', '0', '01', '-1', 'file', 'mode', '4294967295', ''];
  const pick = r();
  if (depth <= 0 || pick < 0.3) return [null, true, false, 0, -1.5, 1e21, NaN, 'x"\n\u2028', undefined, 'ü'][Math.floor(r() * 10)];
  if (pick < 0.6) return Array.from({ length: Math.floor(r() * 4) }, () => random(depth - 1, seed));
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 6) }, () => [keys[Math.floor(r() * keys.length)]!, random(depth - 1, seed)]));
}

describe('stableJson', () => {
  it('matches the sorting replacer on 5,000 random values (index-like keys, undefined, NaN, unicode)', () => {
    const seed = { n: 42 };
    for (let i = 0; i < 5000; i++) {
      const v = random(4, seed);
      expect(stableJson(v)).toBe(reference(v));
    }
  });

  it('falls back for what only JSON.stringify knows (toJSON, class instances)', () => {
    const v = { when: new Date(0), b: 1, a: { toJSON: () => ({ y: 1, x: 2 }) } };
    expect(stableJson(v)).toBe(reference(v));
  });
});
