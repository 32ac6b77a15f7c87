// The machine converge imports a role for: Debian 12 (the fleet's Linux), as
// Ansible's facts name it. A role's OS-specific vars file and a template or
// file named by a fact are chosen for it at conversion time.

/** The OS-specific vars files read, in order. */
export const FAMILY_FILES = ['Debian'];

const TARGET_FACTS: Record<string, string> = { ansible_os_family: 'Debian', ansible_distribution: 'Debian', ansible_system: 'Linux', ansible_distribution_major_version: '12', ansible_distribution_release: 'bookworm' };

/** `{{ ansible_os_family }}`, `{{ ansible_facts.os_family }}`, `{{ ansible_facts['system'] | lower }}` … replaced by the target's value. */
export function targetFacts(text: string): string {
  return text.replace(/\{\{\s*(?:ansible_facts\.|ansible_facts\[['"])?([a-z_]+)(?:['"]\])?\s*(\|\s*lower\s*)?\}\}/g, (all, name: string, lower: string | undefined) => {
    const value = TARGET_FACTS[name.startsWith('ansible_') ? name : `ansible_${name}`];
    return value === undefined ? all : lower ? value.toLowerCase() : value;
  });
}

const FACT = String.raw`ansible_(?:facts\.|facts\[['"])?([a-z_]+)(?:['"]\])?`;
const VALUE = String.raw`['"]([^'"]*)['"]`;

/** A condition on the target's facts only (`ansible_os_family == 'RedHat' or ansible_distribution != "Ubuntu"`), evaluated; undefined when it reads anything else. */
export function targetCondition(condition: string): boolean | undefined {
  const or = condition.split(/\s+or\s+/).map((alt) => alt.split(/\s+and\s+/).map((part) => {
    const c = part.trim().replace(/^\((.*)\)$/, '$1').trim();
    let m = new RegExp(`^${FACT}\\s*(==|!=)\\s*${VALUE}$`).exec(c);
    if (m) {
      const value = TARGET_FACTS[`ansible_${m[1]!}`];
      return value === undefined ? undefined : (value === m[3]) === (m[2] === '==');
    }
    m = new RegExp(`^${FACT}\\s+(not\\s+in|in)\\s+\\[([^\\]]*)\\]$`).exec(c);
    if (m) {
      const value = TARGET_FACTS[`ansible_${m[1]!}`];
      const items = [...m[3]!.matchAll(/['"]([^'"]*)['"]/g)].map((x) => x[1]);
      return value === undefined ? undefined : items.includes(value) === (m[2] === 'in');
    }
    return undefined;
  }));
  if (or.some((alt) => alt.some((v) => v === undefined))) return undefined;
  return or.some((alt) => alt.every(Boolean));
}
