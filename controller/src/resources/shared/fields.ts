// Schema pieces every resource type shares: ordering, conditions, attributes.
import { z } from '../../platform/zod.js';
import { OSES } from '../../platform/os.js';

const ID = /^[a-zA-Z][a-zA-Z0-9]*:.+$/;

/** A resource id, `<type>:<title>`; what is not one is quoted, with the id it likely means. */
export const ResourceId = z.string({ error: (issue) => notAnId(issue.input) }).regex(ID, { error: (issue) => notAnId(issue.input) });

function notAnId(input: unknown): string {
  const like = 'a resource id is type:title, like file:/etc/x or service:netdata';
  if (typeof input === 'string') {
    const guess = likelyId(input);
    return `${JSON.stringify(input)} is not a resource id${guess ? `; did you mean ${JSON.stringify(guess)}?` : ` (${like})`}`;
  }
  const entries = input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.entries(input) : [];
  const [key, value] = entries[0] ?? [];
  if (entries.length === 1 && (typeof value === 'string' || typeof value === 'number')) {
    // `requires: [file: /etc/x]` reads as a list of one mapping
    return `found the mapping { ${key}: ${value} }, not an id; write it as one string: "${key}:${value}"`;
  }
  return `must be a resource id (${like})`;
}

/** The id a string that is not one most likely means: a path is a file's, `service nginx` is `service:nginx`. */
function likelyId(written: string): string | undefined {
  if (/^(\/|~\/|[A-Za-z]:[\\/])/.test(written)) return `file:${written}`;
  const m = /^([a-zA-Z][a-zA-Z0-9]*)\s*[\s/]\s*(\S.*)$/.exec(written);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]);

/** `when:` keeps a resource only where every given key holds. */
export const When = z.strictObject({
  os: oneOrMany(z.enum(OSES)).optional().describe('linux | macos | windows, or a list'),
  host: oneOrMany(z.string()).optional().describe('a host name, or a list'),
  var: z.record(z.string(), z.unknown()).optional().describe('vars that must have these values (a list means any of them)'),
});
export type When = z.infer<typeof When>;

const LOOP_NAME = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a name (letters, digits, _)' })
  .refine((n) => !['host', 'vars', 'facts'].includes(n), { error: 'host, vars and facts are taken: choose another name' });

/** `loop_control:` as Ansible's: the names the item and its index are bound to. */
export const LoopControl = z.strictObject({
  loop_var: LOOP_NAME.optional().describe('the name each item is bound to (default item)'),
  index_var: LOOP_NAME.optional().describe("the name the item's index (from 0) is bound to"),
});

/** Fields every resource accepts, whatever its type. */
export const commonFields = {
  loop: z.union([z.array(z.unknown()), z.string()]).optional().describe('one resource per item: a list, or an expression giving one ("{{ shares }}"); the item is bound as item'),
  loop_control: LoopControl.optional().describe('loop_var / index_var: the names item and its index are bound to'),
  requires: z.array(ResourceId).optional().describe('ids this resource is converged after'),
  notify: z.array(ResourceId).optional().describe('ids converged after this one and refreshed (restarted) when it changes'),
  when: When.optional().describe('keep this resource only where all of these hold'),
  vars: z.record(z.string(), z.unknown()).optional().describe("vars merged over the host's for this resource's templates"),
};

/** present (default) or absent. */
export const Ensure = z.enum(['present', 'absent']).default('present');

const MODE_HELP = 'mode must be an octal string like "0644"';

/** A POSIX mode as an octal string. A YAML number (0644 unquoted reads as 644) gets a hint; a bad string is quoted with what is wrong in it. */
export const Mode = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `${MODE_HELP}: quote it (YAML reads an unquoted 0${String(issue.input).padStart(3, '0')} as the decimal number ${issue.input})`
        : MODE_HELP,
  })
  .regex(/^0?[0-7]{3}$|^[0-7]{4}$/, {
    error: (issue) => `mode ${JSON.stringify(issue.input)}: ${modeProblem(String(issue.input))} (a mode is three or four octal digits, like "0644")`,
  });

/** What is wrong with a written mode that the pattern refused. */
function modeProblem(mode: string): string {
  const bad = /[^0-7]/.exec(mode)?.[0];
  if (bad !== undefined) return /\d/.test(bad) ? `${bad} is not an octal digit` : `${JSON.stringify(bad)} is not an octal digit`;
  return mode.length > 4 ? 'at most four octal digits' : 'at least three octal digits';
}

/** A user or group: a name or a numeric id. */
export const Principal = z.union([
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$|^\d+$/, { error: 'must be a user/group name or a numeric id' }),
  z.number().int().nonnegative().transform(String),
]);

/** POSIX attributes of a path. */
export const posixAttributes = {
  mode: Mode.optional(),
  owner: Principal.optional().describe('user name or uid'),
  group: Principal.optional().describe('group name or gid'),
};

/** A path on the host (normalised by the loader for path-titled types). */
export const HostPath = z.string({ error: 'must be a path' }).min(1, { error: 'must not be empty' });

