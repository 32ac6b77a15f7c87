// Ansible `when:` conditions that mean the same as a converge `when:`; the
// rest are reported, never guessed.
export type WhenResult = { when?: Record<string, unknown> } | { unsupported: string };

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
    if (m) {
      const os = OS_FAMILY[m[1]!.toLowerCase()];
      if (!os) return { unsupported: `when: ${c} (no converge OS for ${m[1]})` };
      if (when.os !== undefined && when.os !== os) return { unsupported: `when: ${c} contradicts another condition of the task` };
      when.os = os;
      if (os === 'linux' && !['linux', 'debian'].includes(m[1]!.toLowerCase())) return { unsupported: `when: ${c} (converge's when: names the OS, not the distribution family)` };
      continue;
    }
    m = /^([a-z_][a-z0-9_]*)(\s*\|\s*bool)?$/i.exec(c);
    if (m && !m[1]!.startsWith('ansible_')) {
      vars[m[1]!] = true;
      continue;
    }
    m = /^not\s+([a-z_][a-z0-9_]*)(\s*\|\s*bool)?$/i.exec(c);
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
