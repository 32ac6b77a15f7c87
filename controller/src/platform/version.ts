// The agent's version, as reports and the status file show it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { installRoot } from './install-root.js';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(installRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const AGENT_VERSION = readVersion();
