// Values that go into generated unit, plist or task files must stay on one line.
/**
 * Every string of a spec whose values are spliced into line-based files converge
 * generates (systemd units, plists, task XML) that holds a line break: a newline
 * or carriage return would end the line and start a directive of its own.
 */
export function lineBreakProblems(spec: unknown, at: (string | number)[] = []): { path: (string | number)[]; message: string }[] {
  if (typeof spec === 'string') {
    const m = /[\r\n]/.exec(spec);
    return m ? [{ path: at, message: `contains a ${m[0] === '\n' ? 'newline' : 'carriage return'}; this value goes into a generated unit, plist or task file, where it would start a line of its own` }] : [];
  }
  if (Array.isArray(spec)) return spec.flatMap((v, i) => lineBreakProblems(v, [...at, i]));
  if (spec && typeof spec === 'object') return Object.entries(spec).flatMap(([k, v]) => [...(/[\r\n]/.test(k) ? [{ path: [...at, k], message: 'the name contains a line break' }] : []), ...lineBreakProblems(v, [...at, k])]);
  return [];
}
