// A local user (a real uid, through setpriv) who made converge's state folder
// first writes a key and a ledger of their own: converge must not take an env
// file the user edited for one it wrote (which would hide the edit as a vault
// rotation instead of reporting drift).
import { beforeAll, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openLedger } from '../../src/resources/env-file/ledger.js';
import { tempDir } from '../helpers/tmp.js';
import { asUser, CAN_ACT_AS_USER, testUid } from '../helpers/local-user.js';
import { describeWith, requireComponent } from '../helpers/components.js';

describeWith(CAN_ACT_AS_USER)('the env file ledger in a state folder a user controls', () => {
  beforeAll(() => requireComponent(CAN_ACT_AS_USER, 'root and setpriv', 'run the tests as root with util-linux installed'));

  it('is refused, naming the folder, instead of trusting the user\'s key', async () => {
    const uid = testUid();
    const parent = tempDir();
    chmodSync(parent, 0o1777);
    const state = path.join(parent, 'converge-state');
    const edited = Buffer.from('TOKEN=chosen-by-the-user\n');
    const key = Buffer.alloc(32, 7);
    writeFileSync(path.join(parent, 'key'), key);
    writeFileSync(path.join(parent, 'ledger'), JSON.stringify({ app: createHmac('sha256', key).update(edited).digest('hex') }));
    asUser(uid, 'mkdir', '-p', path.join(state, 'secrets'));
    asUser(uid, 'cp', path.join(parent, 'key'), path.join(state, 'secrets/hmac.key'));
    asUser(uid, 'cp', path.join(parent, 'ledger'), path.join(state, 'secrets/box.ledger.json'));
    const ctx = { cache: new Map<string, unknown>(), stateDir: state, host: { name: 'box' } } as unknown as Parameters<typeof openLedger>[0];
    const opened = openLedger(ctx).then((l) => l.isLastWritten('app', edited));
    await expect(opened).rejects.toThrow(`refusing ${state}: uid ${uid} controls it`);
  });
});
