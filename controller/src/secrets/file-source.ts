// The local file backend, for labs, tests and the demo: a JSON object or a
// .env file of `secret-name=value` lines, readable by its owner only. Read on
// every get (files are small; an edit is seen on the next run). Parse errors
// say where, never what: a message never quotes the file.
import { readFile, stat } from 'node:fs/promises';
import process from 'node:process';
import { ConvergeError, errnoOf, messageOf } from '../platform/errors.js';
import type { SecretSource } from './source.js';
import { jsonErrorOffset } from './json-error.js';

/** A secret source reading `file` (absolute). */
export function fileSecretSource(file: string): SecretSource {
  const description = `secrets file ${file}`;
  return {
    description,
    async get(name) {
      const secrets = await readSecretsFile(file);
      if (!Object.hasOwn(secrets, name)) {
        throw new ConvergeError('not-found', `secret '${name}' is not in the ${description}`);
      }
      return secrets[name]!;
    },
  };
}

/** Every secret in `file`, after checking that only its owner can read it. */
export async function readSecretsFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new ConvergeError('invalid-input', `the secrets file ${file} is not a regular file`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new ConvergeError('invalid-input', `the secrets file ${file} has mode ${mode}: group and others can reach it; refusing to use it (chmod 600 ${file})`);
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof ConvergeError) throw error;
    const reason = errnoOf(error) === 'ENOENT' ? 'not-found' : 'io';
    throw new ConvergeError(reason, `cannot read the secrets file ${file}: ${errnoOf(error) ?? messageOf(error)}`, { cause: error });
  }
  return /^\s*\{/.test(text) ? parseJson(file, text) : parseDotenv(file, text);
}

function parseJson(file: string, text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // V8's message quotes the input; say only where.
    const at = jsonErrorOffset(text);
    const line = at >= 0 ? text.slice(0, at).split('\n').length : undefined;
    throw new ConvergeError('invalid-input', `the secrets file ${file} is not valid JSON${line ? ` (line ${line})` : ''}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConvergeError('invalid-input', `the secrets file ${file} must hold one JSON object: { "secret-name": "value" }`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new ConvergeError('invalid-input', `the secrets file ${file}: the value of '${k}' must be a string`);
    out[k] = v;
  }
  return out;
}

function parseDotenv(file: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z0-9_.-]+)\s*=(.*)$/.exec(line);
    if (!m) throw new ConvergeError('invalid-input', `the secrets file ${file}, line ${i + 1}: expected name=value`);
    let value = m[2]!.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1);
    out[m[1]!] = value;
  });
  return out;
}
