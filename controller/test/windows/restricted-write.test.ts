// How a Windows env file (H1) and a user's credential copy (H2) are written:
// born with their final ACL. icacls is the real command line a Windows agent
// runs (answered here by a fake, named as one); the files are real. Only a
// Windows machine can confirm the ACL semantics themselves (a file takes its
// folder's inheritable entries when created; a rename on one volume keeps them).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { writeRestrictedFile } from '../../src/resources/env-file/windows-acl.js';

function recordingIcacls(fail = false) {
  const seen: { args: string[]; entries?: string[]; bytes?: string }[] = [];
  const runner = fakeRunner('windows', {}, {
    'icacls.exe': (args) => {
      const local = args[0]!.replace(/\\/g, '/');
      const st = existsSync(local) ? statSync(local) : null;
      seen.push({ args, ...(st?.isDirectory() ? { entries: readdirSync(local) } : { bytes: st ? readFileSync(local, 'utf8') : undefined }) });
      return fail ? { exitCode: 1332, stderr: 'No mapping between account names and security IDs was done.' } : { stdout: 'Successfully processed 1 files' };
    },
  });
  return { runner, seen };
}

describe('a file written for SYSTEM and Administrators only', () => {
  it('is restricted before any byte of it exists, then renamed over the target', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'litellm.env');
    writeFileSync(target, 'OLD=1\n');
    const { runner, seen } = recordingIcacls();
    await writeRestrictedFile(runner, target, 'OPENAI_API_KEY=sk-secret\n');
    expect(seen).toHaveLength(2);
    expect(seen[0]!.args.slice(1)).toEqual(['/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)(F)', '*S-1-5-32-544:(OI)(CI)(F)']);
    expect(seen[0]!.entries).toEqual([]); // the private folder, empty when restricted
    expect(seen[1]!.args.slice(1)).toEqual(['/inheritance:r', '/grant:r', '*S-1-5-18:(F)', '*S-1-5-32-544:(F)']);
    expect(seen[1]!.bytes).toBe('OPENAI_API_KEY=sk-secret\n'); // made explicit on the complete file, still in the private folder
    expect(seen[1]!.args[0]).toContain('.converge-private-');
    expect(readFileSync(target, 'utf8')).toBe('OPENAI_API_KEY=sk-secret\n');
    expect(readdirSync(dir)).toEqual(['litellm.env']);
  });

  it('leaves the old file and no copy anywhere when the folder cannot be restricted', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'litellm.env');
    writeFileSync(target, 'OLD=1\n');
    const { runner, seen } = recordingIcacls(true);
    await expect(writeRestrictedFile(runner, target, 'OPENAI_API_KEY=sk-secret\n')).rejects.toThrow(/icacls could not restrict .*\.converge-private-\w+ before writing .*litellm\.env \(exit 1332\)/);
    expect(seen).toHaveLength(1);
    expect(readFileSync(target, 'utf8')).toBe('OLD=1\n');
    expect(readdirSync(dir)).toEqual(['litellm.env']);
  });
});
