// No secret value leaks: the scenarios of this suite (first render, plan,
// --json, --diff, drift by hand, rotation, a missing, denied or malformed
// secret, the vault down, prune) run with known values and debug logs, and
// every byte converge produced is searched for them: stdout, stderr, logs,
// reports, the whole state directory (but the backups' copies of the files,
// which are the files) and the sandbox (but the env files themselves).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFleet } from '../helpers/fleet.js';
import { tempDir } from '../helpers/tmp.js';
import { convergeAsync } from '../helpers/cli-async.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { startFakeKeyVault } from '../helpers/fake-key-vault.js';
import type { FakeKeyVault } from '../helpers/fake-key-vault.js';

const hasOpenssl = runs('openssl', ['version']);

// Values as varied as real ones: quotes and backslashes (escaped in JSON), spaces, '=', non-ASCII.
const VALUES = {
  'openai-api-key': 'sk-proj-Zq81xLw0pT5vNc3r',
  'azure-openai-key': 'az"quoted\\back slash 42',
  'litellm-master-key': 'master key with spaces = and equals',
  'restic-password': 'rëstic-pässwörd-ünïcode',
  'smb-username': 'svc-smb-motoko',
  'smb-password': 'Smb!Passw0rd#2024',
  'netdata-cloud-claim-token': 'ndclaim-9f8e7d6c5b4a3928',
  'netdata-cloud-space-id': 'space-0a1b2c3d-4e5f',
};
const ROTATED = 'sk-proj-ROTATED-77aa88bb';
const HAND_TYPED = 'hand-typed-token-3141592';
const MULTILINE = 'line-one-secret-part\nline-two-secret-part';

const SECRETS_MAP = `envFiles:
  litellm:
    path: /flux/runtime/secrets/litellm.env
    owner: root
    vars:
      OPENAI_API_KEY: openai-api-key
      AZURE_API_KEY: azure-openai-key
      LITELLM_MASTER_KEY: litellm-master-key
  restic:
    path: /flux/runtime/secrets/restic.env
    vars:
      RESTIC_PASSWORD: restic-password
  smb:
    path: /etc/converge/smb-motoko.cred
    vars:
      username: smb-username
      password: smb-password
  netdata:
    path: /flux/runtime/secrets/netdata.env
    vars:
      NETDATA_CLAIM_TOKEN: netdata-cloud-claim-token
      NETDATA_CLAIM_ROOMS: netdata-cloud-space-id
  multiline:
    path: /flux/runtime/secrets/multiline.env
    vars:
      CERT: multiline-cert
`;

const RESOURCES = `resources:
  - directory: /flux/runtime/secrets
    mode: "0700"
  - envFile: litellm
  - envFile: restic
  - envFile: smb
  - envFile: netdata
  - file: /etc/litellm/config.yaml
    content: "general_settings: {}\\n"
    requires: [envFile:litellm]
  - statusFile: /space/devices/motoko/mike/_status.json
`;

describeWith(hasOpenssl)('no secret value leaks', () => {
  let vault: FakeKeyVault;
  beforeAll(async () => {
    requireComponent(hasOpenssl, 'openssl', 'apt-get install openssl (makes the fake vault its TLS certificate)');
    vault = await startFakeKeyVault('kv-converge-leak');
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('appears nowhere in what converge writes, across every scenario', { timeout: 240_000 }, async () => {
    for (const [k, v] of Object.entries(VALUES)) vault.set(k, v);
    vault.set('multiline-cert', MULTILINE);
    const fleet = createFleet({ 'secrets-map.yml': SECRETS_MAP, 'hosts/motoko/host.yml': 'os: linux\nprune: true\n', 'hosts/motoko/secrets.yml': RESOURCES });
    const dir = tempDir();
    const root = path.join(dir, 'root');
    const stateDir = path.join(dir, 'state');
    mkdirSync(root);
    const kvConfig = path.join(dir, 'kv.yml');
    writeFileSync(kvConfig, `host: motoko\nrepo: ${fleet.dir}\nroot: ${root}\nstateDir: ${stateDir}\nsecrets:\n  keyVault: ${vault.url}\n  credential: managed-identity\n`);
    const fileSecrets = path.join(dir, 'secrets.json');
    writeFileSync(fileSecrets, JSON.stringify({ ...VALUES, 'openai-api-key': ROTATED, 'multiline-cert': MULTILINE }), { mode: 0o600 });
    const fileConfig = path.join(dir, 'file.yml');
    writeFileSync(fileConfig, `host: motoko\nrepo: ${fleet.dir}\nroot: ${root}\nstateDir: ${stateDir}\nsecrets:\n  file: ${fileSecrets}\n`);

    const produced: { what: string; text: string }[] = [];
    const run = async (config: string, ...args: string[]) => {
      const r = await convergeAsync([...args, '--repo', fleet.dir, '--config', config, '--log-level', 'debug'], { env: vault.env });
      produced.push({ what: `${args.join(' ')} (stdout)`, text: r.stdout }, { what: `${args.join(' ')} (stderr)`, text: r.stderr });
      return r;
    };
    const litellm = path.join(root, 'flux/runtime/secrets/litellm.env');

    // First render, with every output form.
    await run(kvConfig, 'plan');
    await run(kvConfig, 'plan', '--json');
    expect((await run(kvConfig, 'apply', '--diff')).exitCode).toBe(0);
    await run(kvConfig, 'apply', '--json');
    // Drift by hand: a value typed into the file, the file opened up.
    writeFileSync(litellm, readFileSync(litellm, 'utf8').replace(VALUES['openai-api-key'], HAND_TYPED) + `EXTRA_TOKEN=${HAND_TYPED}\n`);
    chmodSync(litellm, 0o644);
    expect((await run(kvConfig, 'plan')).stdout).toContain('OPENAI_API_KEY (secret changed)');
    await run(kvConfig, 'plan', '--json');
    expect((await run(kvConfig, 'apply', '--diff')).exitCode).toBe(0);
    // Rotation in the vault.
    vault.set('openai-api-key', ROTATED);
    await run(kvConfig, 'plan', '--json');
    expect((await run(kvConfig, 'apply', '--json')).exitCode).toBe(0);
    // A secret that cannot go into an env file, a missing one, a denied one.
    const withMultiline = fleet.commit({ 'hosts/motoko/secrets.yml': RESOURCES + '  - envFile: multiline\n' });
    expect(withMultiline).toMatch(/^[0-9a-f]{40}$/);
    expect((await run(kvConfig, 'apply')).stdout).toContain("secret 'multiline-cert' (variable CERT) holds a line break or NUL");
    vault.remove('restic-password');
    vault.deny('netdata-cloud-space-id');
    expect((await run(kvConfig, 'apply', '--json')).exitCode).toBe(1);
    vault.set('restic-password', VALUES['restic-password']);
    // The vault down.
    await vault.down();
    expect((await run(kvConfig, 'apply')).exitCode).toBe(1);
    await run(kvConfig, 'plan', '--json');
    await vault.up();
    // The same host from the file backend (a lab), then a malformed secrets file.
    await run(fileConfig, 'plan');
    await run(fileConfig, 'apply', '--diff');
    writeFileSync(fileSecrets, `{ "openai-api-key": ${VALUES['openai-api-key']} }`, { mode: 0o600 });
    expect((await run(fileConfig, 'apply')).stdout).toMatch(/is not valid JSON \(line 1\)/);
    // Prune: the env files leave the manifests.
    fleet.commit({ 'hosts/motoko/secrets.yml': 'resources:\n  - directory: /flux/runtime/secrets\n    mode: "0700"\n' });
    const pruned = await run(kvConfig, 'apply', '--json');
    expect(pruned.exitCode).toBe(0);
    expect(pruned.stdout).toContain('"id": "envFile:litellm",\n      "status": "pruned"');
    expect(existsSync(litellm)).toBe(false);
    await run(kvConfig, 'validate');

    // Everything converge left on disk, but the files that are meant to hold secrets.
    const envFiles = ['litellm.env', 'restic.env', 'netdata.env', 'multiline.env', 'smb-motoko.cred'];
    let copies = 0;
    for (const file of walk(stateDir)) {
      if (/\/backups\/[^/]+\/\d+\.blob$/.test(file)) {
        copies++;
        continue;
      }
      produced.push({ what: file, text: readFileSync(file, 'latin1') + readFileSync(file, 'utf8') });
    }
    for (const file of walk(root)) {
      if (envFiles.includes(path.basename(file))) continue;
      produced.push({ what: file, text: readFileSync(file, 'utf8') });
    }
    expect(copies).toBeGreaterThan(0);
    expect(produced.length).toBeGreaterThan(40);

    const secrets = [...Object.values(VALUES), ROTATED, HAND_TYPED, ...MULTILINE.split('\n'), ...vault.tokens];
    const forms = secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
    const hits = produced.flatMap(({ what, text }) => forms.filter((f) => text.includes(f)).map((f) => `${what}: ${f}`));
    expect(hits).toEqual([]);
    // The search would have found them: they are in the backups' copies of the files.
    const blobs = walk(stateDir).filter((f) => f.endsWith('.blob')).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(blobs).toContain(VALUES['smb-password']);
    expect(blobs).toContain(HAND_TYPED);
  });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...walk(full));
    else if (st.isFile()) out.push(full);
  }
  return out;
}
