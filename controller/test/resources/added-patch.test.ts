// The diff shown for a created file is written out by hand (a first converge
// creates every file): it must be exactly what jsdiff gives for an empty "before".
import { describe, expect, it } from 'vitest';
import { createTwoFilesPatch } from 'diff';
import { addedPatch } from '../../src/resources/shared/content-diff.js';

const PIECES = ['a', 'line', ' ', '\n', '\n', '\r\n', '\r', '\t', 'é', '🙂', '+', '-', '@@', '\\', ''];

function randomText(seed: number): string {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: next() % 30 }, () => PIECES[next() % PIECES.length]).join('');
}

describe('the diff of a created file', () => {
  it('is the same text as jsdiff gives, for 5,000 random texts', () => {
    const fixed = ['', '\n', '\n\n', 'a', 'a\n', 'a\nb', 'a\nb\n', 'a\r\nb\r\n', 'a\r', 'no newline'];
    const texts = [...fixed, ...Array.from({ length: 5000 }, (_, i) => randomText(i + 1))];
    const differ = texts.filter((t) => addedPatch('/dev/null', '/etc/x', t) !== createTwoFilesPatch('/dev/null', '/etc/x', '', t, '', '', { context: 3 }));
    expect(differ).toEqual([]);
  });
});
