// The local file backend (labs, tests, the demo) and the scrubbing every
// backend gets: a file others can read is refused, errors say where and
// never what, and every value read is scrubbed from output at once.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createSecretSource } from '../../src/secrets/backend.js';
import { fileSecretSource } from '../../src/secrets/file-source.js';
import { Scrubber } from '../../src/platform/scrubber.js';
import { silentLogger } from '../../src/platform/logger.js';
import { loadConfig } from '../../src/agent/config.js';
import { ManifestError } from '../../src/manifest/diagnostics.js';

function secretsFile(content: string, mode = 0o600, name = 'secrets.json'): string {
  const file = path.join(tempDir(), name);
  writeFileSync(file, content, { mode });
  return file;
}

describe('the file backend', () => {
  it('reads a JSON object and a .env file of secret-name=value lines', async () => {
    const json = fileSecretSource(secretsFile('{ "openai-api-key": "sk-json-1111", "smb-password": "p@ss w0rd=x" }'));
    expect(await json.get('openai-api-key')).toBe('sk-json-1111');
    expect(await json.get('smb-password')).toBe('p@ss w0rd=x');
    const env = fileSecretSource(secretsFile('# lab secrets\nopenai-api-key=sk-env-2222\n\nexport smb-password="quoted value"\n', 0o600, 'secrets.env'));
    expect(await env.get('openai-api-key')).toBe('sk-env-2222');
    expect(await env.get('smb-password')).toBe('quoted value');
    await expect(env.get('restic-password')).rejects.toThrow(/^secret 'restic-password' is not in the secrets file \/.*secrets\.env$/);
  });

  it('refuses a file that group or others can read', async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const file = secretsFile('{ "a-secret": "value-1234" }', mode);
      const expected = `the secrets file ${file} has mode 0${mode.toString(8)}: group and others can reach it; refusing to use it (chmod 600 ${file})`;
      await expect(fileSecretSource(file).get('a-secret')).rejects.toThrow(expected);
    }
  });

  it('says where a file is malformed, never what it holds', async () => {
    const json = secretsFile('{\n  "openai-api-key": "sk-leak-me-3333",\n  "x": sk-leak-me-4444\n}\n');
    const jsonError = await fileSecretSource(json).get('openai-api-key').catch((e: Error) => e.message);
    expect(jsonError).toBe(`the secrets file ${json} is not valid JSON (line 3)`);
    const env = secretsFile('openai-api-key=sk-leak-me-5555\nthis line sk-leak-me-6666 is not a pair\n', 0o600, 's.env');
    const envError = await fileSecretSource(env).get('openai-api-key').catch((e: Error) => e.message);
    expect(envError).toBe(`the secrets file ${env}, line 2: expected name=value`);
    const typed = secretsFile('{ "n": 1234567 }');
    expect(await fileSecretSource(typed).get('n').catch((e: Error) => e.message)).toBe(`the secrets file ${typed}: the value of 'n' must be a string`);
  });
});

describe('createSecretSource', () => {
  it('scrubs every value it returns, in each form it takes in output', async () => {
    const scrubber = new Scrubber();
    const value = 'pa"ss\\word-7777';
    const file = secretsFile(JSON.stringify({ tricky: value, plain: 'sk-plain-8888' }));
    const source = await createSecretSource({ file }, silentLogger(), scrubber);
    expect(source.description).toBe(`secrets file ${file}`);
    expect(scrubber.scrub('sk-plain-8888')).toBe('sk-plain-8888'); // not read yet: nothing known
    expect(await source.get('plain')).toBe('sk-plain-8888');
    expect(await source.get('tricky')).toBe(value);
    expect(scrubber.scrub(`key=sk-plain-8888 other=${value}`)).toBe('key=(secret) other=(secret)');
    expect(JSON.stringify(scrubber.scrubValue({ error: `bad ${value}` }))).toBe('{"error":"bad (secret)"}');
  });

  it('without secrets: in the config, fails each read with what to configure', async () => {
    const source = await createSecretSource(undefined, silentLogger(), new Scrubber());
    await expect(source.get('openai-api-key')).rejects.toThrow("secret 'openai-api-key' is needed but no secret backend is configured (secrets: in the agent config, keyVault or file)");
  });

  it('rejects an agent config that names both a vault and a file, or a certificate credential without its parts', () => {
    const dir = tempDir();
    const config = path.join(dir, 'config.yml');
    writeFileSync(config, 'host: motoko\nrepo: file:///srv/fleet.git\nsecrets:\n  keyVault: https://kv-miket.vault.azure.net\n  credential: client-certificate\n  tenantId: 00000000-0000-0000-0000-000000000001\n  file: /etc/converge/secrets.json\n');
    let error: unknown;
    try {
      loadConfig(config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '4:3: clientId is required with credential: client-certificate',
      '4:3: certificateFile is required with credential: client-certificate',
      '7:9: file: give keyVault or file, not both',
    ]);
  });
});
