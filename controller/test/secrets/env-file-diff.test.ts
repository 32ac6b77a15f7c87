// The env file's pure parts: the text written, what a change looks like
// (variable names and "(secret changed)", never a value), and the Windows
// ACL command used in place of mode 0600.
import { describe, expect, it } from 'vitest';
import { checkValue, parseEnvFile, renderEnvFile } from '../../src/resources/env-file/format.js';
import { contentChanges, envFileProvider } from '../../src/resources/env-file/provider.js';
import type { EnvFileObserved } from '../../src/resources/env-file/provider.js';
import type { EnvFileDesired } from '../../src/resources/env-file/schema.js';
import { ownerOnlyAclArgs } from '../../src/resources/env-file/windows-acl.js';
import { describeChange } from '../../src/report/changes.js';

const spec = (values?: Record<string, string>): EnvFileDesired => ({
  envFile: 'litellm',
  ensure: 'present',
  path: '/flux/runtime/secrets/litellm.env',
  owner: 'root',
  secrets: { OPENAI_API_KEY: 'openai-api-key', AZURE_API_KEY: 'azure-openai-key' },
  ...(values ? { values } : {}),
});

function observed(text: string, extra: Partial<EnvFileObserved> = {}): EnvFileObserved {
  const { entries, other } = parseEnvFile(text);
  return {
    state: { kind: 'file', mode: '0600', uid: 0, gid: 0, owner: 'root', group: 'root', size: text.length },
    bytes: Buffer.from(text),
    entries,
    other,
    lastWritten: false,
    privileged: true,
    ...extra,
  };
}

describe('env file text', () => {
  it('is a header and VAR=value lines, values as they are', () => {
    const text = renderEnvFile('smb', { username: 'svc', password: 'p=w "x" \\y' });
    expect(text).toBe("# Managed by converge from secrets-map.yml (env file 'smb'); edits are overwritten.\nusername=svc\npassword=p=w \"x\" \\y\n");
    expect([...parseEnvFile(text).entries]).toEqual([['username', 'svc'], ['password', 'p=w "x" \\y']]);
  });

  it('refuses a value with a line break, naming the variable and secret only', () => {
    expect(() => checkValue('CERT', 'tls-cert', 'line one\nline two')).toThrow("secret 'tls-cert' (variable CERT) holds a line break or NUL, which an env file cannot carry");
  });
});

describe('env file changes', () => {
  const want = { OPENAI_API_KEY: 'sk-new-1111', AZURE_API_KEY: 'az-2222' };
  const rendered = renderEnvFile('litellm', want);

  it('are none when the file holds exactly what would be written', () => {
    expect(envFileProvider(true).diff(spec(want), observed(rendered))).toEqual([]);
  });

  it('name each variable that is set, changed or gone, and no value', () => {
    const have = observed('OPENAI_API_KEY=sk-old-0000\nSTALE=leftover-3333\n', { state: { ...observed('').state, mode: '0644' } });
    const changes = envFileProvider(true).diff(spec(want), have);
    expect(changes.map(describeChange)).toEqual(['OPENAI_API_KEY (secret changed)', 'AZURE_API_KEY (secret set)', 'STALE (secret) → absent', 'mode 0644 → 0600']);
    expect(JSON.stringify(changes)).not.toMatch(/sk-|az-2222|leftover/);
  });

  it('for a new file: where it goes and which variables, then mode and owner', () => {
    expect(envFileProvider(true).diff(spec(want), null).map(describeChange)).toEqual([
      'created (file)',
      'path /flux/runtime/secrets/litellm.env',
      'vars OPENAI_API_KEY, AZURE_API_KEY',
      'mode 0600',
      'owner root',
    ]);
  });

  it('say only "layout" when values agree but comments or order do not', () => {
    const reordered = 'AZURE_API_KEY=az-2222\nOPENAI_API_KEY=sk-new-1111\n';
    expect(contentChanges(spec(want), observed(reordered)).map(describeChange)).toEqual(['layout differs → as converge writes it']);
  });

  it('come from upstream (a rotation, not drift) when the file is what converge last wrote', () => {
    const old = renderEnvFile('litellm', { ...want, OPENAI_API_KEY: 'sk-old-0000' });
    const changes = contentChanges(spec(want), observed(old, { lastWritten: true }));
    expect(changes).toEqual([{ property: 'OPENAI_API_KEY', from: '(secret)', to: '(secret)', secret: true, upstream: true }]);
  });

  it('on Windows: no mode, no owner', () => {
    expect(envFileProvider(false).diff(spec(want), null).map((c) => c.property)).toEqual(['ensure', 'path', 'vars']);
  });
});

describe('the Windows ACL', () => {
  it('leaves the file to SYSTEM and Administrators by SID, inheritance removed', () => {
    expect(ownerOnlyAclArgs('C:/ProgramData/converge/secrets/.netdata.env.converge-1a2b3c4d')).toEqual([
      'C:\\ProgramData\\converge\\secrets\\.netdata.env.converge-1a2b3c4d',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(F)',
      '*S-1-5-32-544:(F)',
    ]);
  });
});
