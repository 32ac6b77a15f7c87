// The Ansible filters that existing .j2 templates use most, so they render unchanged.
import type nunjucks from 'nunjucks';
import { stringify as toYaml } from 'yaml';

/** Add Ansible-compatible filters to a nunjucks environment. */
export function addAnsibleFilters(env: nunjucks.Environment): void {
  env.addFilter('bool', (v: unknown) => {
    if (typeof v === 'string') return ['yes', 'true', 'on', '1', 'y'].includes(v.trim().toLowerCase());
    return Boolean(v);
  });
  env.addFilter('to_json', (v: unknown) => JSON.stringify(v));
  env.addFilter('to_nice_json', (v: unknown, indent = 4) => JSON.stringify(v, null, indent));
  env.addFilter('to_yaml', (v: unknown) => toYaml(v));
  env.addFilter('to_nice_yaml', (v: unknown) => toYaml(v, { indent: 4 }));
  env.addFilter('regex_replace', (v: unknown, pattern: string, replacement = '') =>
    String(v).replace(new RegExp(pattern, 'g'), replacement.replace(/\\(\d)/g, '$$$1')));
  env.addFilter('regex_search', (v: unknown, pattern: string) => new RegExp(pattern).exec(String(v))?.[0] ?? '');
  env.addFilter('b64encode', (v: unknown) => Buffer.from(String(v), 'utf8').toString('base64'));
  env.addFilter('b64decode', (v: unknown) => Buffer.from(String(v), 'base64').toString('utf8'));
  env.addFilter('basename', (v: unknown) => String(v).replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '');
  env.addFilter('dirname', (v: unknown) => String(v).replace(/[\\/][^\\/]*$/, ''));
  env.addFilter('ternary', (v: unknown, yes: unknown, no: unknown) => (v ? yes : no));
  env.addFilter('quote', (v: unknown) => `'${String(v).replace(/'/g, `'"'"'`)}'`);
  env.addFilter('mandatory', (v: unknown, message?: string) => {
    if (v === undefined || v === null) throw new Error(message ?? 'mandatory variable is not defined');
    return v;
  });
  env.addFilter('combine', (...objects: unknown[]) => Object.assign({}, ...objects.filter((o) => o && typeof o === 'object')));
}
