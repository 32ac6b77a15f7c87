// `converge validate` on secrets-map.yml and the env files hosts use: every
// problem at its file:line:column, and a broken entry blocks only the hosts
// that use it.
import { describe, expect, it } from 'vitest';
import { createFleet } from '../helpers/fleet.js';
import { converge } from '../helpers/cli.js';

const MAP = [
  'envFiles:', //                                                  1
  '  litellm:', //                                                 2
  '    path: /srv/secrets/litellm.env', //                         3
  '    vars:', //                                                  4
  '      OPENAI_API_KEY: openai_api_key', //                       5  bad secret name
  '      AZURE_API_KEY: azure-openai-key', //                      6
  '      Azure_Api_Key: azure-openai-key', //                      7  duplicate (case)
  '  smb:', //                                                     8
  '    path: { linux: /etc/converge/smb.cred, macos: ~/.smb.cred }', // 9
  '    vars:', //                                                  10
  '      username: smb-username', //                               11
  '      password: smb-password', //                               12
  '  netdata:', //                                                 13
  '    path: /etc/netdata/claim.env', //                           14
  '    mode: "0644"', //                                           15 no such field
  '    vars:', //                                                  16
  '      NETDATA_CLAIM_TOKEN: netdata-cloud-claim-token', //       17
  '',
].join('\n');

/** `converge validate` on a fleet of these files: the lines it wrote to stderr. */
function validateLines(files: Record<string, string>): string[] {
  return converge(['validate', '--repo', createFleet(files).dir]).stderr.trim().split('\n');
}

describe('converge validate and secrets-map.yml', () => {
  it('reports unknown env files, bad secret names, duplicate variables and missing OS paths where they are', () => {
    const fleet = createFleet({
      'secrets-map.yml': MAP,
      'hosts/motoko/host.yml': 'os: linux\n',
      'hosts/motoko/secrets.yml': 'resources:\n  - envFile: litelm\n  - envFile: smb\n  - envFile: litellm\n  - envFile: netdata\n',
      'hosts/armitage/host.yml': 'os: windows\n',
      'hosts/armitage/secrets.yml': 'resources:\n  - envFile: smb\n',
      'hosts/count-zero/host.yml': 'os: macos\nvars:\n  user: mike\n',
      'hosts/count-zero/secrets.yml': 'resources:\n  - envFile: smb\n',
    });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      "hosts/armitage/secrets.yml:2:14: envFile: env file 'smb' (secrets-map.yml:9:5) has no path for windows hosts: add path: { windows: … }",
      "hosts/motoko/secrets.yml:2:14: envFile: no env file 'litelm' in secrets-map.yml (did you mean 'litellm'?)",
      "hosts/motoko/secrets.yml:4:14: envFile: env file 'litellm' (secrets-map.yml:3:5) does not validate (see its errors)",
      "hosts/motoko/secrets.yml:5:14: envFile: env file 'netdata' (secrets-map.yml:14:5) does not validate (see its errors)",
      'secrets-map.yml:5:23: OPENAI_API_KEY: a Key Vault secret name is 1-127 letters, digits and -',
      "secrets-map.yml:7:7: duplicate variable 'Azure_Api_Key' in env file 'litellm': it differs from 'AZURE_API_KEY' only in case",
      "secrets-map.yml:15:5: unknown field 'mode': an env file's mode is always 0600",
      '7 errors (invalid hosts: armitage, motoko)',
    ]);
    // count-zero uses only smb, which is valid for macOS: it is not blocked by the other entries.
    expect(converge(['validate', '--repo', fleet.dir, '--host', 'count-zero']).exitCode).toBe(0);
  });

  it('points at a variable written twice in one env file', () => {
    const fleet = createFleet({
      'secrets-map.yml': 'envFiles:\n  smb:\n    path: /etc/converge/smb.cred\n    vars:\n      username: smb-username\n      password: smb-password\n      password: smb-password-old\n',
      'hosts/atom/host.yml': 'os: linux\n',
      'hosts/atom/mounts.yml': 'resources:\n  - envFile: smb\n',
    });
    const r = converge(['validate', '--repo', fleet.dir, '--json']);
    expect(r.exitCode).toBe(1);
    const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: { file: string; line: number; column: number; message: string }[] };
    expect(diagnostics).toContainEqual({ file: 'secrets-map.yml', line: 7, column: 7, message: "duplicate key 'password', on lines 6 and 7: each env file and each variable of an env file appears once" });
    expect(diagnostics).toContainEqual({ file: 'hosts/atom/mounts.yml', line: 2, column: 14, message: "envFile: env file 'smb' cannot be resolved: secrets-map.yml does not parse (see its errors)" });
  });

  it('reports an env file declared without its fields, and a path two env files share once', () => {
    const lines = validateLines({
      'secrets-map.yml': 'envFiles:\n  litellm:\n  a:\n    path: /x.env\n    vars: { A: a }\n  b:\n    path: /x.env\n    vars: { A: a }\n',
      'hosts/atom/host.yml': 'os: linux\n',
      'hosts/atom/a.yml': 'resources:\n  - envFile: litellm\n',
    });
    expect(lines).toEqual([
      "hosts/atom/a.yml:2:14: envFile: env file 'litellm' (secrets-map.yml:2:11) does not validate (see its errors)",
      'secrets-map.yml:2:11: litellm: expected a mapping, got nothing (null)',
      "secrets-map.yml:7:11: env files 'a' and 'b' both go to /x.env; each env file needs its own path",
      '3 errors (invalid hosts: atom)',
    ]);
  });

  it('reports every unknown env file of a container, not only the first', () => {
    const lines = validateLines({
      'secrets-map.yml': 'envFiles:\n  litellm:\n    path: /x.env\n    vars: { A: a }\n',
      'hosts/atom/host.yml': 'os: linux\n',
      'hosts/atom/a.yml': 'resources:\n  - container: llm\n    image: img\n    envFiles: [litelm, /etc/x.env, nothere, litellm]\n',
    });
    expect(lines).toEqual([
      "hosts/atom/a.yml:4:16: envFiles[0]: no env file 'litelm' in secrets-map.yml (did you mean 'litellm'?)",
      "hosts/atom/a.yml:4:36: envFiles[2]: no env file 'nothere' in secrets-map.yml; it declares: litellm",
      '2 errors (invalid hosts: atom)',
    ]);
  });

  it('says so when a host uses an env file and the repository has no secrets-map.yml', () => {
    const fleet = createFleet({ 'hosts/atom/host.yml': 'os: linux\n', 'hosts/atom/a.yml': 'resources:\n  - envFile: smb\n' });
    const r = converge(['validate', '--repo', fleet.dir]);
    expect(r.stderr).toContain("hosts/atom/a.yml:2:14: envFile: env file 'smb' needs secrets-map.yml at the repository root, and there is none");
  });
});
