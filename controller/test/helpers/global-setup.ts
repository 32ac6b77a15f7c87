// Build the CLI bundle once before the tests that run it as a process.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  execFileSync(process.execPath, [path.join(root, 'controller/build.mjs')], { stdio: 'inherit' });
}
