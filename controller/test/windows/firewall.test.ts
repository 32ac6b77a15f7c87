// firewall on Windows and macOS hosts, through a FAKE runner: the PowerShell
// scripts are valid, a Windows rule in the group "converge" is made, seen as
// drift when widened by hand and healed; on macOS the pf anchor's rules are
// loaded with pfctl and a rule flushed by hand is drift.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { FIREWALL_SCRIPTS } from '../../src/resources/firewall/powershell.js';
import { normalizeAddress } from '../../src/resources/firewall/windows-provider.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';
import { createFleet } from '../helpers/fleet.js';
import { fakeRunner } from '../helpers/fake-runner.js';
import { engineRun } from '../helpers/engine-run.js';
import { tempDir } from '../helpers/tmp.js';

const yml = 'resources:\n  - firewall: vllm\n    port: 8000\n    from: [100.64.0.0/10]\n';

describe('firewall on a Windows host', () => {
  it('sends valid PowerShell', async () => {
    for (const s of FIREWALL_SCRIPTS) expect(await powershellSyntaxErrors(s.script), s.name).toEqual([]);
  });

  it('reads the addresses as Windows lists them (subnet masks)', () => {
    expect(normalizeAddress('100.64.0.0/255.192.0.0')).toBe('100.64.0.0/10');
    expect(normalizeAddress('127.0.0.1')).toBe('127.0.0.1');
  });

  it('makes one allow rule in the converge group, and heals it when widened by hand', async () => {
    const f = createFleet({ 'hosts/gpu/host.yml': 'os: windows\n', 'hosts/gpu/fw.yml': yml });
    const rules = new Map<string, Record<string, unknown>>();
    const runner = fakeRunner('windows', {
      'Get-ConvergeFirewallRules': (p) => ({ rules: rules.has(String(p.Name)) ? rules.get(String(p.Name)) : [] }),
      'Set-ConvergeFirewallRule': (p) => void rules.set(String(p.Name), { enabled: 'True', direction: 'Inbound', action: 'Allow', protocol: String(p.Protocol), localPort: (p.Ports as string[])[0], remoteAddress: (p.Remote as string[]).map((a) => a.replace('/10', '/255.192.0.0')) }),
    });
    const root = tempDir();
    const first = await engineRun(f.dir, 'gpu', root, runner);
    expect(first.lines).toEqual(['firewall:vllm: rules ∅ → tcp/8000 from 100.64.0.0/10 only']);
    expect(runner.requests.find((r) => r.name === 'Set-ConvergeFirewallRule')!.params).toEqual({ Name: 'vllm', Protocol: 'TCP', Ports: ['8000'], Remote: ['100.64.0.0/10'] });
    expect((await engineRun(f.dir, 'gpu', root, runner, 'plan')).report.summary.pending).toBe(0);
    rules.get('vllm')!.remoteAddress = 'Any';
    const plan = await engineRun(f.dir, 'gpu', root, runner, 'plan');
    expect(plan.lines).toEqual(['firewall:vllm: rules Allow TCP/8000 from Any → tcp/8000 from 100.64.0.0/10 only']);
    await engineRun(f.dir, 'gpu', root, runner);
    expect(rules.get('vllm')!.remoteAddress).toEqual(['100.64.0.0/255.192.0.0']);
  });
});

describe('firewall on a macOS host', () => {
  it('loads the pf anchor com.apple/converge, and sees rules flushed by hand', async () => {
    const f = createFleet({ 'hosts/mac/host.yml': 'os: macos\n', 'hosts/mac/fw.yml': yml.replace('vllm', 'netdata-dashboard').replace('8000', '19999') });
    let anchor: string[] = [];
    const runner = fakeRunner('macos', {}, {
      pfctl: (args) => {
        if (args[2] === '-f') {
          // pfctl -sr prints rules normalised, one a line
          anchor = readFileSync(args[3]!, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace('{ 100.64.0.0/10 }', '100.64.0.0/10'));
          return {};
        }
        if (args[0] === '-e') return { exitCode: 1, stderr: 'pfctl: pf already enabled\n' };
        return { stdout: anchor.join('\n') + '\n' };
      },
    });
    const root = tempDir();
    const first = await engineRun(f.dir, 'mac', root, runner);
    expect(first.report.summary.failed, first.lines.join('\n')).toBe(0);
    expect(anchor).toEqual([
      'pass in quick inet proto tcp from 100.64.0.0/10 to any port 19999 label "converge:netdata-dashboard"',
      'block return in quick proto tcp from any to any port 19999 label "converge:netdata-dashboard"',
    ]);
    expect(runner.runs.filter((r) => r.file === '/sbin/pfctl').map((r) => r.args.slice(0, 3).join(' '))).toContain('-a com.apple/converge -f');
    expect((await engineRun(f.dir, 'mac', root, runner, 'plan')).report.summary.pending).toBe(0);
    anchor = [];
    expect((await engineRun(f.dir, 'mac', root, runner, 'plan')).lines).toEqual(['firewall:netdata-dashboard: rules removed by hand → tcp/19999 from 100.64.0.0/10 only']);
  });
});
