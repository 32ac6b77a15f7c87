// Facts: what the machine says about itself, available to templates as `facts`.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { currentArch, currentOS } from './os.js';
import type { OS } from './os.js';

/** The facts templates see. The keys are fixed so that a typo is an undefined-variable error. */
export interface Facts {
  hostname: string;
  os: OS;
  arch: string;
  kernel: string;
  distro: string;        // ID from os-release (debian, ubuntu…), or the OS name
  distroVersion: string; // VERSION_ID, or the kernel release
  cpus: number;
  memoryMb: number;
  /** True when these facts are placeholders (validate, diff, or a host of another OS). */
  placeholder: boolean;
}

/** The facts of the machine this process runs on. */
export function machineFacts(): Facts {
  const release = readOsRelease();
  return {
    hostname: os.hostname().split('.')[0] ?? os.hostname(),
    os: currentOS(),
    arch: currentArch(),
    kernel: os.release(),
    distro: release.ID ?? currentOS(),
    distroVersion: release.VERSION_ID ?? os.release(),
    cpus: os.availableParallelism(),
    memoryMb: Math.round(os.totalmem() / 2 ** 20),
    placeholder: false,
  };
}

/** Facts for a host this process does not run on: same keys, recognisable values. */
export function placeholderFacts(hostName: string, hostOs: OS, arch?: string): Facts {
  return {
    hostname: hostName,
    os: hostOs,
    arch: arch ?? 'unknown',
    kernel: 'unknown',
    distro: hostOs,
    distroVersion: 'unknown',
    cpus: 0,
    memoryMb: 0,
    placeholder: true,
  };
}

function readOsRelease(): Record<string, string> {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const out: Record<string, string> = {};
    for (const line of text.split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
    return out;
  } catch {
    return {};
  }
}
