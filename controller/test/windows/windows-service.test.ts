// windowsService: Get-Service as Windows PowerShell 5.1 really serialises it
// (captured), and a timeline on a Windows host through a FAKE runner that
// answers like the service control manager.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceState } from '../../src/resources/windows-service/state.js';
import { SERVICE_SCRIPTS } from '../../src/resources/windows-service/powershell.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';
import { converge } from '../helpers/cli.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/windows');

describe('reading Get-Service', () => {
  it('reads Windows PowerShell 5.1 output, where enums are numbers', () => {
    const raw = JSON.parse(readFileSync(path.join(FIXTURES, 'get-service-windows-powershell-5.1.json'), 'utf8')) as { RequiredServices: Record<string, unknown>[] };
    expect(serviceState(raw as unknown as Record<string, unknown>)).toMatchObject({ found: true, name: 'bits', status: 'Running' });
    expect(serviceState(raw.RequiredServices[0])).toEqual({ found: true, name: 'RpcSs', status: 'Running', startMode: 'automatic' });
    // 5.1's default depth 2 flattened a list to a string: why converge's host serialises with -Depth 20.
    expect(typeof raw.RequiredServices[1]!.DependentServices).toBe('string');
  });

  it("reads converge's own answer, delayed start included", () => {
    expect(serviceState({ found: true, name: 'nxservice', status: 'Stopped', startType: 'Automatic', delayed: true })).toEqual({ found: true, name: 'nxservice', status: 'Stopped', startMode: 'delayed' });
    expect(serviceState({ found: false })).toEqual({ found: false });
  });

  it('sends valid PowerShell', async () => {
    for (const s of SERVICE_SCRIPTS) expect(await powershellSyntaxErrors(s.script), s.name).toEqual([]);
  });
});

describe('a service on a Windows host', () => {
  const fleet = () =>
    createFleet({
      'hosts/gpu/host.yml': 'os: windows\n',
      'hosts/gpu/services.yml': [
        'resources:',
        '  - file: C:/ProgramData/NoMachine/etc/server.cfg',
        '    content: "EnableUPnP none\\n"',
        '    notify: [windowsService:nxservice]',
        '  - windowsService: nxservice',
        '    startMode: delayed',
        '    running: true',
        '',
      ].join('\n'),
    });

  it('sets the start mode and starts it, sees a hand stop as drift, restarts it on notify', async () => {
    const f = fleet();
    const root = tempDir();
    const svc = { status: 'Stopped', startType: 'Manual', delayed: false, restarts: 0 };
    const runner = fakeRunner(
      'windows',
      {
        'Get-ConvergeService': (p) => (p.Name === 'nxservice' ? { found: true, name: 'nxservice', ...svc } : { found: false }),
        'Set-ConvergeServiceRunning': (p) => void (svc.status = p.Running ? 'Running' : 'Stopped'),
        'Restart-ConvergeService': () => void svc.restarts++,
      },
      {
        'sc.exe': (args) => {
          expect(args.slice(0, 3)).toEqual(['config', 'nxservice', 'start=']);
          Object.assign(svc, args[3] === 'delayed-auto' ? { startType: 'Automatic', delayed: true } : { startType: 'Manual', delayed: false });
          return { stdout: '[SC] ChangeServiceConfig SUCCESS\r\n' };
        },
      },
    );
    const first = await engineRun(f.dir, 'gpu', root, runner);
    expect(first.lines).toContain('windowsService:nxservice: startMode manual → delayed');
    expect(first.lines).toContain('windowsService:nxservice: running false → true');
    expect(runner.runs.find((r) => r.file === 'sc.exe')!.args).toEqual(['config', 'nxservice', 'start=', 'delayed-auto']);
    expect(svc.restarts).toBe(1); // the file it follows changed, so it is restarted once

    expect((await engineRun(f.dir, 'gpu', root, runner, 'plan')).report.summary.pending).toBe(0);
    svc.status = 'Stopped';
    const heal = await engineRun(f.dir, 'gpu', root, runner);
    expect(heal.report.resources.find((r) => r.id === 'windowsService:nxservice')).toMatchObject({ status: 'changed', drift: true });
    expect(svc.status).toBe('Running');
    expect(svc.restarts).toBe(1);
  });

  it('fails clearly for a service that is not installed', async () => {
    const runner = fakeRunner('windows', { 'Get-ConvergeService': () => ({ found: false }) });
    const run = await engineRun(fleet().dir, 'gpu', tempDir(), runner);
    expect(run.report.resources.find((r) => r.id === 'windowsService:nxservice')!.error).toContain('no service named nxservice on this machine');
  });

  it('under --root shows the commands it would run', () => {
    const plan = converge(['plan', '--repo', fleet().dir, '--host', 'gpu', '--root', tempDir()]);
    expect(plan.stdout).toContain('would run: sc.exe config nxservice start= delayed-auto');
    expect(plan.stdout).toContain("start= delayed-auto; Start-Service -Name 'nxservice'");
  });
});
