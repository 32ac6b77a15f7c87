// The PowerShell host protocol from the TypeScript side, against a real child
// process (a fake host in Node, since no Windows runs here), and the host
// script itself parsed as PowerShell.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PowerShellSession, asciiJson } from '../../src/platform/powershell/session.js';
import { HOST_SCRIPT, encodeCommand, powershellArgs } from '../../src/platform/powershell/host-script.js';
import { psDisplay, psQuote } from '../../src/platform/powershell/quote.js';
import { createRunner } from '../../src/platform/runner.js';
import type { Runner } from '../../src/platform/runner.js';
import { silentLogger } from '../../src/platform/logger.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';

const FAKE_HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/windows/fake-powershell-host.mjs');

/** The real runner, with powershell.exe replaced by the fake host script run by node. */
function runnerWithFakeHost(): Runner {
  const real = createRunner('windows');
  return { ...real, start: (_file, args, options) => real.start!(process.execPath, [FAKE_HOST, ...args], options) };
}

describe('the PowerShell host session', () => {
  it('sends requests as ASCII JSON lines and reads marked answers, skipping stray output', async () => {
    const session = await PowerShellSession.start(runnerWithFakeHost(), silentLogger());
    expect(session.version).toBe('5.1-fake');
    const echo = { name: 'Echo', script: 'param($Name, $Path) @{ name = $Name }' };
    const values = await session.invoke(echo, { Name: "O'Brien Ünïcode ✓", Path: 'C:\\Users\\mike' });
    expect(values).toEqual([{ Name: "O'Brien Ünïcode ✓", Path: 'C:\\Users\\mike' }]);
    expect(await session.invoke({ name: 'Noise', script: 'Write-Host x' })).toEqual([]);
    await session.close();
  });

  it('turns a script error into an error naming the script, and a dead host into a clear error', async () => {
    const session = await PowerShellSession.start(runnerWithFakeHost(), silentLogger());
    await expect(session.invoke({ name: 'Fail', script: 'Get-Service nope' })).rejects.toThrow("Fail failed: Cannot find a service with service name 'nope'. (line 3)");
    await expect(session.invoke({ name: 'Die', script: 'exit 1' })).rejects.toThrow(/ended while running Die: powershell.exe crashed/);
    await expect(session.invoke({ name: 'Echo', script: '' })).rejects.toThrow(/host is gone/);
    await session.close();
  });

  it('fails clearly when powershell.exe cannot be started', async () => {
    const real = createRunner('windows');
    const runner: Runner = { ...real, start: (_f, args, o) => real.start!('/nonexistent/powershell.exe', args, o) };
    await expect(PowerShellSession.start(runner, silentLogger())).rejects.toThrow(/Windows PowerShell did not start/);
  });
});

describe('the host script', () => {
  it('is valid PowerShell and is passed as UTF-16LE base64', async () => {
    expect(await powershellSyntaxErrors(HOST_SCRIPT)).toEqual([]);
    const args = powershellArgs();
    expect(args.slice(0, 6)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    expect(Buffer.from(args[6]!, 'base64').toString('utf16le')).toBe(HOST_SCRIPT);
    expect(encodeCommand('dir')).toBe('ZABpAHIA'); // powershell.exe -EncodedCommand ZABpAHIA runs `dir`
  });

  it('wraps every answer in an object, serialises deep, and never splices values into the script', () => {
    expect(HOST_SCRIPT).toContain('values = $values');
    expect(HOST_SCRIPT).toContain('-Depth 20 -Compress');
    expect(HOST_SCRIPT).toContain('& $blocks[$text] @params');
  });

  it('a syntax error is caught by the checker (the check can fail)', async () => {
    expect(await powershellSyntaxErrors('if ($x { Get-Item')).not.toEqual([]);
  });
});

describe('PowerShell text for people', () => {
  it('quotes single quotes by doubling them and shows an invocation', () => {
    expect(psQuote("it's")).toBe("'it''s'");
    expect(psDisplay('Register-ScheduledTask', { TaskPath: '\\converge\\', TaskName: "mike's", Force: true })).toBe(
      "Register-ScheduledTask -TaskPath '\\converge\\' -TaskName 'mike''s' -Force $true",
    );
    expect(asciiJson({ a: 'é' })).toBe('{"a":"\\u00e9"}');
  });
});
