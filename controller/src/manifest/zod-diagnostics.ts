// zod issues → diagnostics that point at the YAML node and say what was expected.
import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.js';
import { locate } from './yaml.js';
import type { YamlFile } from './yaml.js';
import { suggest } from './suggest.js';

/** Diagnostics for a failed parse of the value at `base` in `yaml`; `knownKeys` helps "did you mean". */
export function zodDiagnostics(
  error: z.ZodError,
  yaml: YamlFile,
  base: readonly (string | number)[],
  options: { what?: string; knownKeys?: (path: PropertyKey[]) => string[] } = {},
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of flatten(error.issues)) {
    const path = [...base, ...issue.path] as PropertyKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const known = options.knownKeys?.(issue.path as PropertyKey[]) ?? [];
        const hint = suggest(key, known);
        const where = options.what ? ` in ${options.what}` : '';
        const expected = known.length ? `; expected one of: ${known.join(', ')}` : '';
        out.push({ ...locate(yaml, [...path, key], true), message: `unknown field '${key}'${where}${hint ? ` (did you mean '${hint}'?)` : expected}` });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // The key's own problem (its regex message), at the key; the record's message is about the record.
      const inner = issue.issues[0];
      const key = String(issue.path.at(-1));
      const why = inner && !/^Invalid (input|string)/.test(inner.message) ? inner.message : 'is not an accepted name';
      out.push({ ...locate(yaml, path, true), message: `${key}: ${why}` });
      continue;
    }
    out.push({ ...locate(yaml, path), message: describe(issue, path) });
  }
  return out;
}

function flatten(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const out: z.core.$ZodIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // Report the branch that got furthest: the one with the fewest issues, then the one whose issues lie deepest.
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(0, ...branch.map((i) => i.path.length));
      const best = [...issue.errors].sort((a, b) => a.length - b.length || depth(b) - depth(a))[0]!;
      const nested = best.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
      if (nested.every((i) => i.code === 'invalid_type')) {
        out.push(issue);
        continue;
      }
      out.push(...flatten(nested as z.core.$ZodIssue[]));
      continue;
    }
    out.push(issue);
  }
  return out;
}

function describe(issue: z.core.$ZodIssue, path: PropertyKey[]): string {
  const field = fieldName(path);
  const prefix = field ? `${field}: ` : '';
  const custom = !/^Invalid (input|option)/.test(issue.message);
  // A schema's own message, with the field in front unless it already names it.
  const own = () => (issue.message.startsWith(field ?? '\u0000') ? issue.message : `${prefix}${issue.message}`);
  switch (issue.code) {
    case 'invalid_type': {
      if (custom) return own();
      const got = (issue as { input?: unknown }).input;
      if (got === undefined) return `${prefix}is required (${article(issue.expected)})`;
      return `${prefix}expected ${article(issue.expected)}, got ${kindOf(got)}`;
    }
    case 'invalid_value':
      return notOneOf(issue, prefix);
    case 'invalid_union':
      return `${prefix}${custom ? issue.message : 'is not any of the accepted forms'}`;
    case 'too_small':
    case 'too_big':
      return /^Too (small|big)/.test(issue.message) ? `${prefix}${bounds(issue)}` : own();
    default:
      return own();
  }
}

/**
 * Every enum, whatever its schema's own message: the value found, quoted, and the choices
 * (`os: "freebsd" is not one of linux, macos, windows`), with a "did you mean" for a near miss.
 */
function notOneOf(issue: z.core.$ZodIssueInvalidValue, prefix: string): string {
  const choices = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const list = choices.length === 1 ? choices[0]! : `one of ${choices.join(', ')}`;
  const input = (issue as { input?: unknown }).input;
  if (input === undefined) return `${prefix}is required: ${list}`; // YAML has no undefined: the key is missing
  const hint = typeof input === 'string' ? suggest(input, issue.values.filter((v): v is string => typeof v === 'string')) : undefined;
  const found = typeof input === 'string' ? JSON.stringify(input) : kindOf(input);
  return `${prefix}${found} is not ${list}${hint ? ` (did you mean ${hint}?)` : ''}`;
}

/** zod's "Too small: expected string to have >=1 characters", in words. */
function bounds(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const inclusive = issue.inclusive !== false;
  if (issue.origin === 'string') {
    if (small && limit <= 1) return 'must not be empty';
    return `must be ${small ? 'at least' : 'at most'} ${limit} characters long`;
  }
  if (issue.origin === 'array' || issue.origin === 'set') {
    if (small && limit <= 1) return 'must list at least one entry';
    return `must list ${small ? 'at least' : 'at most'} ${limit} entries`;
  }
  if (inclusive) return `must be ${small ? 'at least' : 'at most'} ${limit}`;
  return `must be ${small ? 'greater' : 'less'} than ${limit}`;
}

function fieldName(path: PropertyKey[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) {
    if (typeof path[i] === 'string') {
      const rest = path.slice(i + 1).map((p) => `[${String(p)}]`).join('');
      return `${String(path[i])}${rest}`;
    }
  }
  return undefined;
}

function article(expected: string): string {
  const map: Record<string, string> = { string: 'a string', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping', int: 'an integer' };
  return map[expected] ?? expected;
}

/** What a value is, in words (`the string "x"`, `a list`), for messages that quote what they found. */
export function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}
