// Ansible `when:` conditions that mean the same as a converge `when:`; the
// rest are reported, never guessed.
import { targetCondition } from './target.js';

export type WhenResult = { when?: Record<string, unknown> } | { unsupported: string } | { skipped: string };

const OS_FAMILY: Record<string, string> = { linux: 'linux', debian: 'linux', redhat: 'linux', suse: 'linux', archlinux: 'linux', darwin: 'macos', windows: 'windows' };

/** A converge `when:` for one Ansible condition (a string, or a list: all must hold). */
export function convertWhen(raw: unknown): WhenResult {
  if (raw === undefined || raw === null) return {};
  const parts = Array.isArray(raw) ? raw.map(String) : [String(raw)];
  const when: Record<string, unknown> = {};
  const vars: Record<string, unknown> = {};
  for (const part of parts) {
    const c = part.trim();
    let m = /^ansible_(?:facts\.|facts\[['"])?(?:os_family|system)(?:['"]\])?\s*==\s*['"]([A-Za-z]+)['"]$/.exec(c);
    const os = m ? OS_FAMILY[m[1]!.toLowerCase()] : undefined;
    // Linux, Debian, Darwin, Windows: converge's own OS names (a role's macOS tasks stay macOS tasks)
    if (m && os && (os !== 'linux' || ['linux', 'debian'].includes(m[1]!.toLowerCase()))) {
      if (when.os !== undefined && when.os !== os) return { unsupported: `when: ${c} contradicts another condition of the task` };
      when.os = os;
      continue;
    }
    // other distributions and versions: decided for the Debian 12 target, as Ansible decides it there
    const target = targetCondition(c);
    if (target === false) return { skipped: `when: ${c} is false on Debian 12, the target converge imports for (Ansible skips it there too)` };
    if (target === true) {
      if (when.os !== undefined && when.os !== 'linux') return { unsupported: `when: ${c} contradicts another condition of the task` };
      when.os = 'linux';
      continue;
    }
    if (m) return { unsupported: `when: ${c} (no converge OS for ${m[1]})` };
    m = /^([a-z_][a-z0-9_]*)(\s*\|\s*bool)?$/i.exec(c);
    if (m && !m[1]!.startsWith('ansible_')) {
      vars[m[1]!] = true;
      continue;
    }
    m = /^not\s+(?:\(\s*([a-z_][a-z0-9_]*)(?:\s*\|\s*bool)?\s*\)|([a-z_][a-z0-9_]*)(?:\s*\|\s*bool)?)$/i.exec(c);
    if (m) m[1] ??= m[2];
    if (m && !m[1]!.startsWith('ansible_')) {
      vars[m[1]!] = false;
      continue;
    }
    m = /^([a-z_][a-z0-9_]*)\s*==\s*(?:['"]([^'"]*)['"]|(\d+))$/i.exec(c);
    if (m && !m[1]!.startsWith('ansible_')) {
      vars[m[1]!] = m[2] ?? Number(m[3]);
      continue;
    }
    return { unsupported: `when: ${c} (only os-family tests, a var, not var, and var == value map to converge's when:)` };
  }
  if (Object.keys(vars).length) when.var = vars;
  return Object.keys(when).length ? { when } : {};
}
