// The operator log never carries a secret: fields named like secrets are
// censored by pino, and values the scrubber knows are removed from every line.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { createLogger } from '../../src/platform/logger.js';
import { Scrubber } from '../../src/platform/scrubber.js';
import { rememberSecret } from '../../src/secrets/scrubbing.js';

describe('the operator log', () => {
  it('censors secret-named fields and scrubs known values anywhere in a line', () => {
    const file = path.join(tempDir(), 'log.jsonl');
    const scrubber = new Scrubber();
    const log = createLogger({ level: 'debug', destination: file, scrubber }).child({ component: 'test' });
    rememberSecret(scrubber, 'sk-known-"value"-4242');
    log.info({ password: 'pw-field-1111', token: 'tok-field-2222', value: 'val-field-3333', values: { A: 'vals-4444' } }, 'top level');
    log.info({ request: { headers: { authorization: 'Bearer hdr-5555' } }, nested: { secret: 'nested-6666' } }, 'nested');
    log.warn({ err: 'failed with sk-known-"value"-4242 in it', id: 'envFile:litellm' }, 'resource');
    const text = readFileSync(file, 'utf8');
    for (const leaked of ['pw-field-1111', 'tok-field-2222', 'val-field-3333', 'vals-4444', 'hdr-5555', 'nested-6666', 'sk-known']) expect(text).not.toContain(leaked);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ password: '(secret)', token: '(secret)', value: '(secret)', values: '(secret)', component: 'test' });
    expect(lines[1]).toMatchObject({ request: { headers: { authorization: '(secret)' } }, nested: { secret: '(secret)' } });
    expect(lines[2]).toMatchObject({ err: 'failed with (secret) in it', id: 'envFile:litellm' });
  });
});
