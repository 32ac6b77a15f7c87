// scheduledTask: the XML converge renders (checked by xmllint against the
// documented schema), its comparison with tasks as Windows exports them
// (captured real XML), and a timeline on a Windows host driven through a
// FAKE runner that answers like the Task Scheduler.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScheduledTaskSpec } from '../../src/resources/scheduled-task/schema.js';
import { renderTaskXml, registrationXml } from '../../src/resources/scheduled-task/xml.js';
import { modelFromSpec, modelFromXml, sameTask, modelText } from '../../src/resources/scheduled-task/model.js';
import { TASK_SCRIPTS } from '../../src/resources/scheduled-task/powershell.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { tempDir } from '../helpers/tmp.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { converge } from '../helpers/cli.js';
import { eventMessage } from '../../src/report/event-message.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/windows');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const spec = (raw: Record<string, unknown>) => ScheduledTaskSpec.parse({ scheduledTask: '\\converge\\job', ...raw });

describe('task XML', () => {
  const examples = [
    spec({ command: 'C:/ProgramData/vllm/start.cmd', arguments: '--port 8000 --name "a & b"', workingDirectory: 'C:/ProgramData/vllm', runLevel: 'highest', triggers: [{ boot: { delay: '1m' } }], restartOnFailure: { every: 'PT1M', count: 3 }, description: 'vLLM <GPU>' }),
    spec({ command: 'powershell.exe', runAs: 'users', triggers: [{ logon: {} }, { logon: { user: 'mike', delay: 'PT30S' } }], executionTimeLimit: 'PT0S' }),
    spec({ command: 'backup.exe', runAs: 'mike', triggers: [{ daily: { at: '03:00' } }, { weekly: { at: '04:30', days: ['sunday', 'monday'] } }, { interval: { every: '15m' } }], runOnBatteries: false, enabled: false }),
  ];

  it('always states the execution time limit and the battery settings', () => {
    const xml = renderTaskXml(examples[0]!);
    expect(xml).toContain('<ExecutionTimeLimit>PT72H</ExecutionTimeLimit>');
    expect(xml).toContain('<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>');
    expect(xml).toContain('<StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>');
    expect(xml).toContain('<UserId>S-1-5-18</UserId>');
    expect(xml).toContain('<Arguments>--port 8000 --name &quot;a &amp; b&quot;</Arguments>');
    expect(xml).not.toContain('<Date>');
    expect(renderTaskXml(examples[0]!)).toBe(xml); // same manifest, same bytes
    expect(registrationXml(xml).startsWith('<Task ')).toBe(true);
  });

  it('reads back into the model it was rendered from', () => {
    for (const s of examples) expect(modelText(modelFromXml(renderTaskXml(s)))).toBe(modelText(modelFromSpec(s)));
  });

  describeWith(runs('xmllint', ['--version']))('checked by xmllint', () => {
    beforeAll(() => requireComponent(runs('xmllint', ['--version']), 'xmllint', 'apt-get install libxml2-utils'));
    it('validates against the documented Task Scheduler schema', () => {
      const dir = tempDir();
      for (const [i, s] of examples.entries()) {
        const file = path.join(dir, `task${i}.xml`);
        writeFileSync(file, renderTaskXml(s));
        const r = spawnSync('xmllint', ['--noout', '--schema', path.join(FIXTURES, 'task-scheduler-subset.xsd'), file], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
      // and the schema does reject what Windows would: a bad run level
      const bad = path.join(dir, 'bad.xml');
      writeFileSync(bad, renderTaskXml(examples[0]!).replace('HighestAvailable', 'Highest'));
      expect(spawnSync('xmllint', ['--noout', '--schema', path.join(FIXTURES, 'task-scheduler-subset.xsd'), bad]).status).not.toBe(0);
    });
  });
});

describe('comparing with tasks as Windows exports them', () => {
  it('a SYSTEM task from schtasks /query /xml equals its manifest, whatever SYSTEM is called', () => {
    const exported = fixture('schtasks-query-system-task.xml');
    const want = modelFromSpec(spec({ command: 'powershell.exe', arguments: '/c C:\\Schedule\\helloworld.ps1', triggers: [{ interval: { every: 'PT1M' } }], runOnBatteries: false }));
    expect(modelText(modelFromXml(exported))).toBe(modelText(want));
    for (const spelling of ['SYSTEM', 'NT AUTHORITY\\SYSTEM', 'S-1-5-18']) {
      expect(sameTask(modelFromXml(exported.replace('<UserId>S-1-5-18</UserId>', `<UserId>${spelling}</UserId>`)), want)).toBe(true);
    }
  });

  it('a user task from the task store equals its manifest despite date, author, order and P3D', () => {
    const exported = fixture('system32-tasks-user-daily.xml');
    const want = modelFromSpec(
      spec({ description: "ECORP's database dump", command: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', arguments: 'C:\\Windows\\System32\\backup.ps1', runAs: 'DESKTOP-RD0QA0B\\Skiddy', triggers: [{ daily: { at: '00:00' } }], runOnBatteries: false }),
    );
    expect(modelText(modelFromXml(exported))).toBe(modelText(want));
  });

  it('sees what differs: the limit, the batteries, the trigger, the account', () => {
    const exported = modelFromXml(fixture('system32-tasks-user-daily.xml'));
    const want = modelFromSpec(spec({ description: "ECORP's database dump", command: 'C:/Windows/System32/WindowsPowerShell/v1.0/powershell.exe', arguments: 'C:\\Windows\\System32\\backup.ps1', runAs: 'SYSTEM', triggers: [{ daily: { at: '01:00' } }], executionTimeLimit: 'PT0S' }));
    const text = modelText(exported);
    const wanted = modelText(want);
    expect(sameTask(exported, want)).toBe(false);
    expect(text).toContain('run as: skiddy (InteractiveToken)');
    expect(wanted).toContain('run as: SYSTEM');
    expect(text).toContain('on batteries: does not start, stops');
    expect(wanted).toContain('on batteries: starts, keeps running');
    expect(text).toContain('execution time limit: PT72H');
    expect(wanted).toContain('execution time limit: none');
  });

  it('every script it sends is valid PowerShell', async () => {
    for (const s of TASK_SCRIPTS) expect(await powershellSyntaxErrors(s.script), s.name).toEqual([]);
  });
});

function taskFleet(extra = '') {
  return createFleet({
    'hosts/gpu/host.yml': 'os: windows\nvars:\n  user: mike\n',
    'hosts/gpu/tasks.yml': [
      'resources:',
      '  - scheduledTask: \\converge\\vllm',
      '    description: vLLM behind LiteLLM',
      '    command: C:/ProgramData/vllm/start-vllm.cmd',
      '    triggers:',
      '      - boot: { delay: 1m }',
      '    executionTimeLimit: PT0S',
      extra,
      '',
    ].join('\n'),
  });
}

describe('a task on a Windows host', () => {
  it('is registered, then found in sync, a hand-disabled task is reported and left alone', async () => {
    const fleet = taskFleet();
    const root = tempDir();
    // What the fake Task Scheduler holds: the XML of the last registration, as Export-ScheduledTask gives it back.
    let registered: { xml: string; state: string } | null = null;
    const runner = fakeRunner('windows', {
      'Get-ConvergeTask': () => (registered ? { found: true, state: registered.state, xml: windowsExport(registered.xml), userId: 'SYSTEM', groupId: '' } : { found: false }),
      'Register-ConvergeTask': (p) => {
        registered = { xml: String(p.Xml), state: 'Ready' };
        return { registered: true };
      },
      'Set-ConvergeTaskEnabled': (p) => {
        registered!.state = p.Enabled ? 'Ready' : 'Disabled';
        return { enabled: p.Enabled };
      },
    });

    const plan = await engineRun(fleet.dir, 'gpu', root, runner, 'plan');
    expect(plan.lines).toContain('scheduledTask:\\converge\\vllm: ensure ∅ → task \\converge\\vllm');

    runner.starts = 0;
    const apply = await engineRun(fleet.dir, 'gpu', root, runner);
    expect(apply.report.resources[0]!.status).toBe('changed');
    const reg = runner.requests.find((r) => r.name === 'Register-ConvergeTask')!;
    expect(reg.params).toMatchObject({ TaskPath: '\\converge\\', TaskName: 'vllm' });
    expect(String(reg.params.Xml)).toMatch(/^<Task version="1.2"/);
    expect(readFileSync(path.join(root, 'C/ProgramData/converge/tasks/converge/vllm.xml'), 'utf8')).toContain('<Delay>PT1M</Delay>');
    expect(runner.starts).toBe(1); // one PowerShell process for the whole run

    const again = await engineRun(fleet.dir, 'gpu', root, runner, 'plan');
    expect(again.report.summary.pending).toBe(0);

    registered!.state = 'Disabled'; // an admin disabled it by hand
    const drift = await engineRun(fleet.dir, 'gpu', root, runner);
    expect(drift.lines).toContain('scheduledTask:\\converge\\vllm: enabled false → false [skipped]');
    expect(registered!.state).toBe('Disabled');
    // reported as drift (the status branch gets a commit naming it), and left alone
    expect(drift.report.resources[0]).toMatchObject({ status: 'skipped', drift: true });
    expect(drift.report.summary.drifted).toBe(1);
    expect(drift.report.result).toBe('drifted');
    expect(eventMessage({ report: drift.report, reason: 'interval', newCommit: false })).toBe(
      'gpu: drift in scheduledTask:\\converge\\vllm (left as is: disabled by hand on the machine: left disabled, since the manifest does not say enabled: true)',
    );

    registered!.xml = registered!.xml.replace('<Delay>PT1M</Delay>', '<Delay>PT5M</Delay>'); // and changed its delay
    const heal = await engineRun(fleet.dir, 'gpu', root, runner);
    expect(heal.report.resources[0]!.status).toBe('changed');
    expect(heal.report.resources[0]!.changes!.find((c) => c.property === 'definition')!.diff).toContain('-trigger: at start-up, after PT5M');
    expect(registered!.state).toBe('Disabled'); // re-registered, still disabled: not silently re-enabled
  });

  it('re-enables a hand-disabled task when the manifest says enabled: true', async () => {
    const fleet = taskFleet('    enabled: true');
    const root = tempDir();
    let state = 'Ready';
    let xml = '';
    const runner = fakeRunner('windows', {
      'Get-ConvergeTask': () => (xml ? { found: true, state, xml: windowsExport(xml), userId: 'NT AUTHORITY\\SYSTEM' } : { found: false }),
      'Register-ConvergeTask': (p) => void (xml = String(p.Xml)),
      'Set-ConvergeTaskEnabled': (p) => void (state = p.Enabled ? 'Ready' : 'Disabled'),
    });
    await engineRun(fleet.dir, 'gpu', root, runner);
    state = 'Disabled';
    const heal = await engineRun(fleet.dir, 'gpu', root, runner);
    expect(heal.lines).toContain('scheduledTask:\\converge\\vllm: enabled false → true');
    expect(state).toBe('Ready');
  });

  it('under --root on Linux: writes the XML file and shows the registration it would run', () => {
    const fleet = taskFleet();
    const root = tempDir();
    const plan = converge(['plan', '--repo', fleet.dir, '--host', 'gpu', '--root', root]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain('+ scheduledTask:\\converge\\vllm');
    expect(plan.stdout).toContain('+++ C:/ProgramData/converge/tasks/converge/vllm.xml');
    expect(plan.stdout).toContain('+    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>');
    expect(plan.stdout).toContain("would run: Register-ScheduledTask -TaskPath '\\converge\\' -TaskName 'vllm' -Xml '(Get-Content C:/ProgramData/converge/tasks/converge/vllm.xml -Raw)' -Force $true");
    const apply = converge(['apply', '--repo', fleet.dir, '--host', 'gpu', '--root', root]);
    expect(apply.exitCode, apply.stdout).toBe(0);
    expect(readFileSync(path.join(root, 'C/ProgramData/converge/tasks/converge/vllm.xml'), 'utf8')).toContain('<Command>C:\\ProgramData\\vllm\\start-vllm.cmd</Command>');
    const again = converge(['plan', '--repo', fleet.dir, '--host', 'gpu', '--root', root]);
    expect(again.stdout).toContain('skipped');
    expect(again.stdout).not.toContain('+++');
  });
});

/** What Export-ScheduledTask gives back for XML converge registered: Windows adds a date, an author and its own spelling. */
function windowsExport(xml: string): string {
  return xml
    .replace('<Author>converge</Author>', '<Date>2026-11-25T10:00:00.1234567</Date><Author>ARMITAGE\\mdt</Author>')
    .replace('<UserId>S-1-5-18</UserId>', '<UserId>S-1-5-18</UserId><LogonType>ServiceAccount</LogonType>')
    .replace('<Task version="1.2"', '<Task version="1.4"');
}
