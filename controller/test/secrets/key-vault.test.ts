// Env files from Azure Key Vault, the way a device lives with them: the real
// @azure/keyvault-secrets client and @azure/identity managed identity, over
// HTTPS through a proxy, against a fake of the Key Vault service (see
// helpers/fake-key-vault.ts). First render → rotation → vault down → a
// missing or denied secret → a file loosened by hand.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { createFleet } from '../helpers/fleet.js';
import { convergeAsync } from '../helpers/cli-async.js';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { startFakeKeyVault } from '../helpers/fake-key-vault.js';
import type { FakeKeyVault } from '../helpers/fake-key-vault.js';

const hasOpenssl = runs('openssl', ['version']);
const isRoot = process.getuid?.() === 0;

const SECRETS_MAP = `envFiles:
  litellm:
    path: /srv/secrets/litellm.env
    owner: mdt
    vars:
      OPENAI_API_KEY: openai-api-key
      AZURE_STORAGE_KEY: storage-account-key
  restic:
    path: /srv/secrets/restic.env
    vars:
      RESTIC_PASSWORD: restic-password
      AZURE_ACCOUNT_KEY: storage-account-key
`;

const RESOURCES = `resources:
  - directory: /srv/secrets
    mode: "0700"
  - envFile: litellm
  - envFile: restic
  - file: /srv/litellm/config.yaml
    content: "model_list: []\\n"
    requires: [envFile:litellm]
`;

function setup(vault: FakeKeyVault, credential: string[] = ['  credential: managed-identity']) {
  const fleet = createFleet({ 'secrets-map.yml': SECRETS_MAP, 'hosts/motoko/host.yml': 'os: linux\n', 'hosts/motoko/app.yml': RESOURCES });
  const dir = tempDir();
  const root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nmdt:x:1001:1001:automation:/home/mdt:/bin/sh\n');
  writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nmdt:x:1001:\n');
  const config = path.join(dir, 'config.yml');
  writeFileSync(config, [
    'host: motoko',
    `repo: ${fleet.dir}`,
    `root: ${root}`,
    `stateDir: ${path.join(dir, 'state')}`,
    'secrets:',
    `  keyVault: ${vault.url}`,
    ...credential,
    '',
  ].join('\n'));
  const run = (...args: string[]) => convergeAsync([...args, '--repo', fleet.dir, '--config', config], { env: vault.env });
  const local = (p: string) => path.join(root, p);
  return { run, local, dir };
}

describeWith(hasOpenssl)('env files from Key Vault (real SDK, fake vault)', () => {
  let vault: FakeKeyVault;
  beforeAll(async () => {
    requireComponent(hasOpenssl, 'openssl', 'apt-get install openssl (makes the fake vault its TLS certificate)');
    vault = await startFakeKeyVault('kv-converge-test');
  });
  afterAll(async () => {
    await vault?.close();
  });
  beforeEach(() => vault.reset());

  it('renders 0600 files once per run, heals a loosened mode, and picks up a rotation without calling it drift', async () => {
    vault.set('openai-api-key', 'sk-first-3f9a8c7e');
    vault.set('storage-account-key', 'stor-7c1d2e3f4a5b');
    vault.set('restic-password', 'restic-pw-9e8d7c6b');
    const { run, local } = setup(vault);
    const litellm = local('srv/secrets/litellm.env');
    // A file someone made before converge managed it: stale, and readable by everyone.
    mkdirSync(path.dirname(local('srv/secrets/restic.env')), { recursive: true });
    writeFileSync(local('srv/secrets/restic.env'), 'RESTIC_PASSWORD=old\n', { mode: 0o644 });

    const plan = await run('plan');
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('+ envFile:litellm');
    expect(plan.stdout).toContain('vars OPENAI_API_KEY, AZURE_STORAGE_KEY');
    expect(plan.stdout).toContain('RESTIC_PASSWORD (secret changed)');
    expect(plan.stdout).toContain('AZURE_ACCOUNT_KEY (secret set)');
    expect(plan.stdout).toContain('mode 0644 → 0600');

    vault.reads.length = 0;
    const first = await run('apply');
    expect(first.exitCode, first.stderr + first.stdout).toBe(0);
    expect(first.stdout).toMatch(/changed +envFile:litellm: created \(file\), path \/srv\/secrets\/litellm.env/);
    // storage-account-key fills two files and is read once.
    expect([...vault.reads].sort()).toEqual(['openai-api-key', 'restic-password', 'storage-account-key']);
    expect(readFileSync(litellm, 'utf8')).toContain('OPENAI_API_KEY=sk-first-3f9a8c7e\nAZURE_STORAGE_KEY=stor-7c1d2e3f4a5b\n');
    expect(statSync(litellm).mode & 0o777).toBe(0o600);
    if (isRoot) expect(statSync(litellm).uid).toBe(1001);
    else expect(first.stdout).toContain('setting the owner needs root');
    const restic = local('srv/secrets/restic.env');
    expect(readFileSync(restic, 'utf8')).toContain('RESTIC_PASSWORD=restic-pw-9e8d7c6b\nAZURE_ACCOUNT_KEY=stor-7c1d2e3f4a5b\n');
    expect(statSync(restic).mode & 0o777).toBe(0o600);

    const again = await run('apply', '--detailed-exitcode');
    expect(again.exitCode, again.stdout).toBe(0);
    expect(again.stdout).toContain('4 unchanged');

    chmodSync(litellm, 0o644);
    const loose = await run('plan');
    expect(loose.exitCode).toBe(2);
    expect(loose.stdout).toContain('~ envFile:litellm  (drift: changed by hand since the last converge)');
    expect(loose.stdout).toContain('mode 0644 → 0600');
    expect((await run('apply')).exitCode).toBe(0);
    expect(statSync(litellm).mode & 0o777).toBe(0o600);

    vault.set('openai-api-key', 'sk-rotated-5b4a3c2d');
    const rotated = await run('plan');
    expect(rotated.exitCode).toBe(2);
    expect(rotated.stdout).toContain('~ envFile:litellm\n    OPENAI_API_KEY (secret changed)');
    expect(rotated.stdout).not.toContain('drift');
    const apply = await run('apply', '--detailed-exitcode');
    expect(apply.exitCode, apply.stdout).toBe(2);
    expect(apply.stdout).toMatch(/changed +envFile:litellm: OPENAI_API_KEY \(secret changed\)\n/);
    expect(readFileSync(litellm, 'utf8')).toContain('OPENAI_API_KEY=sk-rotated-5b4a3c2d\n');
    expect(statSync(litellm).mode & 0o777).toBe(0o600);
    for (const out of [plan, first, again, loose, rotated, apply]) {
      expect(out.stdout + out.stderr).not.toMatch(/sk-first|sk-rotated|stor-7c1d|restic-pw/);
    }
  });

  it('keeps the files on disk when the vault is down, skips what needs them, and recovers on the next run', async () => {
    vault.set('openai-api-key', 'sk-before-outage-1a2b');
    vault.set('storage-account-key', 'stor-before-outage-3c4d');
    vault.set('restic-password', 'restic-before-outage-5e6f');
    const { run, local } = setup(vault);
    expect((await run('apply')).exitCode).toBe(0);
    const litellm = local('srv/secrets/litellm.env');
    const before = readFileSync(litellm, 'utf8');

    await vault.down();
    try {
      vault.set('openai-api-key', 'sk-during-outage-7a8b');
      const down = await run('apply');
      expect(down.exitCode).toBe(1);
      expect(down.stdout).toMatch(/failed +envFile:litellm: env file 'litellm': (?:secret '[a-z-]+' not read: )?Key Vault https:\/\/kv-converge-test\.vault\.azure\.net is unreachable \(reading secret '[a-z-]+'\).*; \/srv\/secrets\/litellm\.env is left as it is, retried next run/);
      expect(down.stdout).toMatch(/skipped +file:\/srv\/litellm\/config.yaml: requires envFile:litellm, which did not converge/);
      expect(readFileSync(litellm, 'utf8')).toBe(before);
    } finally {
      await vault.up();
    }
    const back = await run('apply');
    expect(back.exitCode, back.stdout).toBe(0);
    expect(readFileSync(litellm, 'utf8')).toContain('OPENAI_API_KEY=sk-during-outage-7a8b\n');
  });

  it('fails only the env file whose secret is missing or denied, naming the secret and the vault', async () => {
    vault.set('openai-api-key', 'sk-present-0a1b2c');
    vault.set('storage-account-key', 'stor-present-3d4e5f');
    vault.remove('restic-password');
    const { run, local } = setup(vault);
    const missing = await run('apply');
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain(
      "failed    envFile:restic: env file 'restic': secret 'restic-password' does not exist in Key Vault https://kv-converge-test.vault.azure.net (404 SecretNotFound); /srv/secrets/restic.env is left as it is",
    );
    expect(missing.stdout).toMatch(/changed +envFile:litellm/);
    expect(statSync(local('srv/secrets/litellm.env')).mode & 0o777).toBe(0o600);

    vault.set('restic-password', 'restic-present-6a7b8c');
    vault.deny('openai-api-key');
    const denied = await run('apply');
    expect(denied.exitCode).toBe(1);
    expect(denied.stdout).toContain(
      "failed    envFile:litellm: env file 'litellm': reading secret 'openai-api-key' from Key Vault https://kv-converge-test.vault.azure.net was denied (403 Forbidden): the managed identity needs get permission on its secrets",
    );
    expect(denied.stdout).toMatch(/changed +envFile:restic/);
    expect(readFileSync(local('srv/secrets/litellm.env'), 'utf8')).toContain('OPENAI_API_KEY=sk-present-0a1b2c\n');
  });

  it('signs in as an app registration with a certificate from a local PEM file', async () => {
    vault.set('openai-api-key', 'sk-by-cert-1a2b3c');
    vault.set('storage-account-key', 'stor-by-cert-4d5e6f');
    vault.set('restic-password', 'restic-by-cert-7a8b9c');
    const pem = path.join(tempDir(), 'kv-client.pem');
    const { tenantId, clientId } = vault.registerApp(pem);
    const { run, local } = setup(vault, ['  credential: client-certificate', `  tenantId: ${tenantId}`, `  clientId: ${clientId}`, `  certificateFile: ${pem}`]);
    const tokens = vault.tokensIssued;
    const ok = await run('apply');
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(vault.tokensIssued).toBe(tokens + 1);
    expect(readFileSync(local('srv/secrets/litellm.env'), 'utf8')).toContain('OPENAI_API_KEY=sk-by-cert-1a2b3c\n');

    // A certificate the app registration does not know is refused by Entra ID.
    const stranger = path.join(tempDir(), 'other.pem');
    vault.registerApp(stranger);
    const refused = setup(vault, ['  credential: client-certificate', `  tenantId: ${tenantId}`, `  clientId: ${clientId}`, `  certificateFile: ${stranger}`]);
    const r = await refused.run('apply');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`failed    envFile:litellm: env file 'litellm': no token for Key Vault https://kv-converge-test.vault.azure.net from the client certificate of ${clientId}`);
    expect(r.stdout).toContain('AADSTS700027');
  });
});
