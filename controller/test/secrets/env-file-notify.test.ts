// An env file that changes refreshes what reads it: targets of its `notify`,
// and resources that subscribe to it implicitly (a container reading it).
// The resource type doing the reading here is a FAKE (test only): a `probe`
// that records each refresh, added to the registry (and its schema to schemas.ts) by vi.mock, because the
// real readers (containers, units) are other resource types.
import { describe, expect, it, vi } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ResourceType } from '../../src/resources/types.js';
import type * as Registry from '../../src/resources/registry.js';
import type * as Schemas from '../../src/resources/schemas.js';

type RegistryModule = typeof Registry;
type SchemasModule = typeof Schemas;

const refreshed: string[] = [];

vi.mock('../../src/resources/registry.js', async (importOriginal) => {
  const real = await importOriginal<RegistryModule>();
  const probe: ResourceType = {
    name: 'probe',
    description: 'FAKE for tests: records refreshes',
    os: ['linux'],
    autoSubscribe: (spec) => (spec.reads ? [`envFile:${String(spec.reads)}`] : []),
    autoRequires: (spec) => (spec.reads ? [`envFile:${String(spec.reads)}`] : []),
    provider: () => ({
      observe: async () => ({}),
      diff: () => [],
      apply: async () => undefined,
      refresh: async (spec) => {
        refreshed.push(String(spec.probe));
      },
    }),
  };
  const types = [...real.resourceTypes, probe];
  return { resourceTypes: types, resourceType: (name: string) => types.find((t) => t.name === name) };
});

vi.mock('../../src/resources/schemas.js', async (importOriginal) => {
  const real = await importOriginal<SchemasModule>();
  const { commonFields } = await import('../../src/resources/shared/fields.js');
  const probe = z.strictObject({ probe: z.string(), reads: z.string().optional(), ...commonFields });
  return { resourceSchema: (name: string) => (name === 'probe' ? probe : real.resourceSchema(name)) };
});

const { loadHost } = await import('../../src/manifest/load-host.js');
const { converge } = await import('../../src/engine/converge.js');
const { createBaseContext } = await import('../../src/engine/context.js');
const { fileSecretSource } = await import('../../src/secrets/file-source.js');
const { silentLogger } = await import('../../src/platform/logger.js');
const { createFleet } = await import('../helpers/fleet.js');
const { tempDir } = await import('../helpers/tmp.js');

describe('a changed env file refreshes its readers', () => {
  it('refreshes notify targets and implicit subscribers when a secret rotates, and nothing when it does not', async () => {
    const fleet = createFleet({
      'secrets-map.yml': 'envFiles:\n  litellm:\n    path: /srv/litellm.env\n    vars:\n      OPENAI_API_KEY: openai-api-key\n',
      'hosts/web/host.yml': 'os: linux\n',
      'hosts/web/app.yml': [
        'resources:',
        '  - envFile: litellm',
        '    notify: [probe:explicit]',
        '  - probe: explicit',
        '  - probe: container-litellm',
        '    reads: litellm',
        '  - probe: bystander',
        '',
      ].join('\n'),
    });
    const dir = tempDir();
    mkdirSync(path.join(dir, 'root'));
    const secretsFile = path.join(dir, 'secrets.json');
    const write = (value: string) => writeFileSync(secretsFile, JSON.stringify({ 'openai-api-key': value }), { mode: 0o600 });
    const run = async () => {
      const { host, diagnostics } = loadHost(fleet.dir, 'web');
      expect(diagnostics).toEqual([]);
      const base = createBaseContext(host!, { root: path.join(dir, 'root'), stateDir: path.join(dir, 'state'), log: silentLogger(), secrets: fileSecretSource(secretsFile) });
      refreshed.length = 0;
      const { report } = await converge(host!, base, { mode: 'apply' });
      return report;
    };

    write('sk-one-1111');
    const first = await run();
    expect(first.resources.filter((r) => r.status === 'failed')).toEqual([]);
    expect(refreshed.sort()).toEqual(['container-litellm', 'explicit']);

    await run();
    expect(refreshed).toEqual([]);

    write('sk-two-2222');
    const rotated = await run();
    expect(refreshed.sort()).toEqual(['container-litellm', 'explicit']);
    const container = rotated.resources.find((r) => r.id === 'probe:container-litellm')!;
    expect(container.changes?.map((c) => c.to)).toEqual(['refreshed (notified by envFile:litellm)']);
    expect(rotated.result).toBe('changed');
  });
});
