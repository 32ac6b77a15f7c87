// copyWithin: what `converge demo` copies of a fleet and `converge import ansible`
// copies of a role. What a user relies on: the copy is plain files and folders
// (writing into it never reaches their own files through a link), a link that
// stays inside the tree is followed, and one that leads out is refused by name
// before anything is copied.
import { describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { copyWithin } from '../../src/platform/copy-within.js';

function tree(): { base: string; dest: string } {
  const base = tempDir();
  mkdirSync(path.join(base, 'src/sub'), { recursive: true });
  mkdirSync(path.join(base, 'shared'));
  writeFileSync(path.join(base, 'src/a.txt'), 'a\n');
  writeFileSync(path.join(base, 'shared/s.txt'), 's\n');
  return { base, dest: path.join(tempDir(), 'copy') };
}

describe('copyWithin', () => {
  it('follows links that stay inside the base and copies plain files and folders', () => {
    const { base, dest } = tree();
    symlinkSync('a.txt', path.join(base, 'src/b.txt'));
    symlinkSync('../../shared', path.join(base, 'src/sub/linked'));
    copyWithin(base, [['src', dest]], 'the fleet');
    expect(lstatSync(path.join(dest, 'b.txt')).isFile()).toBe(true);
    expect(readFileSync(path.join(dest, 'b.txt'), 'utf8')).toBe('a\n');
    expect(lstatSync(path.join(dest, 'sub/linked')).isDirectory()).toBe(true);
    writeFileSync(path.join(dest, 'sub/linked/s.txt'), 'changed in the copy\n');
    expect(readFileSync(path.join(base, 'shared/s.txt'), 'utf8')).toBe('s\n');
  });

  it('refuses a link out of the base by name, and copies nothing', () => {
    const { base, dest } = tree();
    const outside = path.join(tempDir(), 'secret');
    writeFileSync(outside, 'not yours\n');
    symlinkSync(outside, path.join(base, 'src/sub/leak'));
    expect(() => copyWithin(base, [['src', dest]], 'the role')).toThrow(`src/sub/leak is a symbolic link that leads out of the role (to ${outside})`);
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses the tree itself when it is a link out of the base', () => {
    const { base, dest } = tree();
    const elsewhere = tempDir();
    symlinkSync(elsewhere, path.join(base, 'hosts'));
    expect(() => copyWithin(base, [['hosts', dest]], 'the fleet')).toThrow(`hosts is a symbolic link that leads out of the fleet (to ${elsewhere})`);
  });

  it('refuses a link back into a folder that holds it, and a link to nothing', () => {
    const { base, dest } = tree();
    symlinkSync('..', path.join(base, 'src/sub/up'));
    expect(() => copyWithin(base, [['src', dest]], 'the fleet')).toThrow('src/sub/up is a symbolic link back into a folder that holds it');
    const other = tree();
    symlinkSync('missing.txt', path.join(other.base, 'src/dangling'));
    expect(() => copyWithin(other.base, [['src', other.dest]], 'the fleet')).toThrow(/^src\/dangling is a symbolic link that cannot be followed \(ENOENT/);
  });
});
