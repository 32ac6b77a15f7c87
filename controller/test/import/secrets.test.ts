// What import host refuses to copy into the repository.
import { describe, expect, it } from 'vitest';
import { secretReason } from '../../src/import/host/secrets.js';

const b = (s: string) => Buffer.from(s);

describe('secret-looking files', () => {
  it('finds env files, credentials and keys, by content first', () => {
    expect(secretReason('/srv/app/app.env', b('DB_PASSWORD=x\nLOG=info\n'))).toBe('sets DB_PASSWORD');
    expect(secretReason('/etc/app/settings.ini', b('api_key: abc123\n'))).toBe('sets api_key');
    expect(secretReason('/etc/ssl/private/host.pem', b('-----BEGIN RSA PRIVATE KEY-----\nMII\n'))).toBe('holds a private key');
    expect(secretReason('/etc/samba/smb.cred', b('username=mike\n'))).toBe('is named like a secret (env file, credentials, key)');
    expect(secretReason('/root/.ssh/id_ed25519', b('anything'))).toBe('is named like a secret (env file, credentials, key)');
  });

  it('copies ordinary configuration, even with an empty secret-named setting', () => {
    expect(secretReason('/etc/netdata/netdata.conf', b('[global]\n  bind to = 127.0.0.1\n'))).toBeNull();
    expect(secretReason('/etc/app/app.conf', b('PASSWORD=\nport=80\n'))).toBeNull();
  });
});
