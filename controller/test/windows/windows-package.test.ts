// package on Windows: a pinned installer, checked by SHA256 before it runs,
// found again through the Uninstall keys (as `Get-ItemProperty …\Uninstall\*`
// shows them on real machines, fixtures/windows/uninstall-keys.txt), through
// a FAKE runner; an installer served from a local HTTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIST_PROGRAMS, findProgram } from '../../src/resources/package/windows-detect.js';
import type { InstalledProgram } from '../../src/resources/package/windows-detect.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

// Port from this helper's range (8500-8599).
const PORT = 8531;
const INSTALLER = Buffer.from('MZ… a NoMachine installer, as far as this test knows');
const SHA = createHash('sha256').update(INSTALLER).digest('hex');
let server: Server;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/nomachine_8.14.2_1_x64.exe') res.end(INSTALLER);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(PORT, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The two entries of the captured listing, as converge's script returns them. */
const CAPTURED: InstalledProgram[] = [
  { key: '7-Zip', name: '7-Zip 21.07 (x64)', version: '21.07', uninstall: '"C:\\Program Files\\7-Zip\\Uninstall.exe"', quietUninstall: '"C:\\Program Files\\7-Zip\\Uninstall.exe" /S', wow64: false },
  { key: '{7DACF63A-4EE4-4837-9AF9-C65D4509FFB4}_is1', name: 'PDFgear 2.1.20', version: '2.1.20', uninstall: '"C:\\Program Files\\PDFgear\\unins000.exe"', quietUninstall: '"C:\\Program Files\\PDFgear\\unins000.exe" /SILENT', wow64: false },
];

describe('finding installed programs', () => {
  it('by DisplayName or by MSI product code; the listing script is valid PowerShell', async () => {
    expect(findProgram(CAPTURED, '7-zip 21.07 (x64)')?.version).toBe('21.07');
    expect(findProgram(CAPTURED, 'nothing', '{7DACF63A-4EE4-4837-9AF9-C65D4509FFB4}')).toBeNull(); // _is1 is Inno Setup's key, not a product code
    expect(await powershellSyntaxErrors(LIST_PROGRAMS.script)).toEqual([]);
    expect(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/windows/uninstall-keys.txt'), 'utf8')).toContain('QuietUninstallString : "C:\\Program Files\\7-Zip\\Uninstall.exe" /S');
  });
});

function fleet(sha = SHA) {
  return createFleet({
    'hosts/gpu/host.yml': 'os: windows\n',
    'hosts/gpu/packages.yml': [
      'resources:',
      '  - package: NoMachine',
      '    version: 8.14.2',
      '    installer:',
      `      url: http://127.0.0.1:${PORT}/nomachine_8.14.2_1_x64.exe`,
      `      sha256: "${sha}"`,
      '      args: [/verysilent, /norestart]',
      '  - package: 7-Zip 21.07 (x64)',
      '',
    ].join('\n'),
  });
}

describe('packages on a Windows host', () => {
  it('downloads the pinned installer once, checks it, runs it silently, and finds it installed', async () => {
    const root = tempDir();
    const installed = [...CAPTURED];
    const runner = fakeRunner('windows', { 'Get-ConvergePrograms': () => ({ programs: installed }) }, {});
    runner.programs['C:\\ProgramData\\converge\\cache\\installers\\' + SHA.slice(0, 16) + '-nomachine_8.14.2_1_x64.exe'] = (args) => {
      expect(args).toEqual(['/verysilent', '/norestart']);
      installed.push({ key: 'NoMachine', name: 'NoMachine', version: '8.14.2', uninstall: '"C:\\Program Files\\NoMachine\\unins000.exe"', quietUninstall: '', wow64: false });
      return { exitCode: 3010 }; // installed, restart wanted
    };
    const first = await engineRun(fleet().dir, 'gpu', root, runner);
    expect(first.report.summary, first.lines.join('\n')).toMatchObject({ changed: 1, unchanged: 1, failed: 0 });
    expect(readFileSync(path.join(root, `C/ProgramData/converge/cache/installers/${SHA.slice(0, 16)}-nomachine_8.14.2_1_x64.exe`))).toEqual(INSTALLER);
    expect(runner.requests.filter((r) => r.name === 'Get-ConvergePrograms').length).toBeLessThanOrEqual(3); // one listing per run, plus one after the install
    expect((await engineRun(fleet().dir, 'gpu', root, runner, 'plan')).report.summary.pending).toBe(0);
  });

  it('refuses an installer whose SHA256 is not the pinned one, and runs nothing', async () => {
    const root = tempDir();
    const runner = fakeRunner('windows', { 'Get-ConvergePrograms': () => ({ programs: CAPTURED }) });
    const run = await engineRun(fleet('0'.repeat(64)).dir, 'gpu', root, runner);
    expect(run.report.resources.find((r) => r.id === 'package:NoMachine')!.error).toMatch(/has SHA256 [0-9a-f]{64}, not the pinned 0000/);
    expect(runner.runs.filter((r) => r.file.endsWith('.exe') && r.file.includes('installers'))).toEqual([]);
    expect(existsSync(path.join(root, 'C/ProgramData/converge/cache/installers'))).toBe(false);
  });

  it('under --root shows the download, the check and the command', () => {
    const plan = converge(['plan', '--repo', fleet().dir, '--host', 'gpu', '--root', tempDir()]);
    expect(plan.stdout).toContain(`download http://127.0.0.1:${PORT}/nomachine_8.14.2_1_x64.exe, check SHA256 ${SHA}, run C:\\ProgramData\\converge\\cache\\installers\\`);
  });
});
