// The agent config's status: block: a mistake is an error at file:line:column
// saying what was expected, and relative paths are taken from the config's folder.
import { expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { loadConfig } from '../../src/agent/config.js';

function load(status: string): ReturnType<typeof loadConfig> {
  const dir = tempDir();
  const file = path.join(dir, 'config.yml');
  writeFileSync(file, `host: motoko\nrepo: file:///srv/fleet.git\nstatus:\n${status}`);
  return loadConfig(file);
}

it('a SAS credential without its file, a bad container name, an unknown key: each at its line', () => {
  expect(() => load('  store: azure-blob\n  account: miketfleet\n  container: reports\n  credential: sas\n')).toThrow(/config\.yml:7:15: credential: sas needs sasFile/);
  expect(() => load('  store: azure-blob\n  account: miketfleet\n  container: Reports_1\n')).toThrow(/config\.yml:6:14: .*container must be 3-63 lowercase letters/);
  expect(() => load('  store: azure-blob\n  account: miketfleet\n  container: reports\n  containr: x\n')).toThrow(/config\.yml:7:3: .*containr/);
  expect(() => load('  store: s3\n  account: miketfleet\n  container: reports\n')).toThrow(/config\.yml:4:10: store: "s3" is not azure-blob/);
});

it('relative key and token files are read from beside the config', () => {
  const c = load('  store: azure-blob\n  url: http://127.0.0.1:10000/devstoreaccount1\n  container: reports\n  credential: sas\n  sasFile: motoko.sas\n  signingKey: keys/motoko\n');
  expect(path.isAbsolute(c.status!.sasFile!)).toBe(true);
  expect(c.status).toMatchObject({ credential: 'sas', shardAbove: 2000 });
  expect(c.status!.signingKey!.endsWith('/keys/motoko')).toBe(true);
});
