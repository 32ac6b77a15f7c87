// Where converge itself is installed: the folder with its package.json, found
// from the running code (a bundle in controller/dist, or the sources in tests).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The converge package folder (holds package.json, controller/, hosts/). */
export function installRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'converge') return (cached = dir);
    } catch {
      // keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (cached = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..'));
    dir = parent;
  }
}

/** The folder of converge's running code: controller/dist when built, controller/src in tests. */
export function codeRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = `${path.sep}controller${path.sep}`;
  const i = here.lastIndexOf(marker);
  if (i < 0) return path.dirname(here);
  const rest = here.slice(i + marker.length).split(path.sep)[0]!;
  return here.slice(0, i + marker.length) + rest;
}
