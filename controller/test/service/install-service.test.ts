// converge install-service / uninstall-service: the systemd unit written and
// enabled under --root (systemctl --root really runs), checked by
// systemd-analyze; the LaunchDaemon plist checked against Apple's DTD; the
// WinSW configuration checked with xmllint and against the elements WinSW's
// schema declares; the pinned WinSW hash enforced.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { converge } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { describeWith, requireComponent, runs } from '../helpers/components.js';
import { systemdUnit } from '../../src/platform/agent-service/systemd.js';
import { agentPlist } from '../../src/platform/agent-service/launchd.js';
import { winswXml, windowsArg, WINSW } from '../../src/platform/agent-service/winsw.js';
import { defaultAgentCommand, deployKeyEnv } from '../../src/platform/agent-service/definition.js';
import { parsePlist } from '../../src/resources/launchd/plist-build.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const CONFIG = 'host: motoko\nrepo: file:///srv/fleet.git\ntrust:\n  allowUnsigned: true\n';

function rootWithConfig(): string {
  const root = tempDir();
  mkdirSync(path.join(root, 'etc/converge'), { recursive: true });
  writeFileSync(path.join(root, 'etc/converge/config.yml'), CONFIG);
  return root;
}

describeWith(runs('systemctl', ['--version']))('the systemd unit', () => {
  beforeAll(() => requireComponent(runs('systemctl', ['--version']), 'systemctl', 'apt-get install systemd'));

  it('is written and enabled under --root; start and daemon-reload are shown as skipped; uninstall undoes it', () => {
    const root = rootWithConfig();
    const args = ['--root', root, '--node', process.execPath, '--entry', '/opt/converge/agent/controller/bin/converge.js'];
    writeFileSync(path.join(root, 'etc/converge/deploy_key'), 'a key', { mode: 0o600 }); // as the bootstrap leaves it
    const r = converge(['install-service', ...args]);
    expect(r.exitCode, r.stderr).toBe(0);
    const unit = path.join(root, 'etc/systemd/system/converge-agent.service');
    expect(readFileSync(unit, 'utf8')).toContain('GIT_SSH_COMMAND=ssh -i /etc/converge/deploy_key');
    expect(readFileSync(unit, 'utf8')).toContain(`ExecStart=${process.execPath} --max-semi-space-size=8 /opt/converge/agent/controller/bin/converge.js agent --config /etc/converge/config.yml`);
    expect(readlinkSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/converge-agent.service'))).toBe('/etc/systemd/system/converge-agent.service');
    expect(r.stdout).toContain(`ran: systemctl --root=${root} enable converge-agent.service`);
    expect(r.stdout).toContain('skipped (--root: no running service manager): systemctl restart converge-agent.service');

    // running it again is an upgrade in place, not a second unit
    expect(converge(['install-service', ...args]).exitCode).toBe(0);

    const u = converge(['uninstall-service', '--root', root]);
    expect(u.exitCode, u.stderr).toBe(0);
    expect(existsSync(unit)).toBe(false);
    expect(existsSync(path.join(root, 'etc/systemd/system/multi-user.target.wants/converge-agent.service'))).toBe(false);
    expect(u.stdout).toContain('removed /etc/systemd/system/converge-agent.service');
    // a second uninstall finds nothing, and says so rather than claiming it removed something
    const again = converge(['uninstall-service', '--root', root]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to remove at /etc/systemd/system/converge-agent.service');
    expect(again.stdout).not.toContain('removed /etc/systemd/system/converge-agent.service');
  });

  it('refuses to install without a valid agent config', () => {
    const root = tempDir();
    const r = converge(['install-service', '--root', root]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`no agent config at /etc/converge/config.yml (${root}/etc/converge/config.yml under --root)`);
  });

  it('passes systemd-analyze verify', () => {
    const dir = tempDir();
    const unit = path.join(dir, 'converge-agent.service');
    writeFileSync(unit, systemdUnit({ node: process.execPath, entry: '/opt/converge agent/bin/converge.js', config: '/etc/converge/config.yml', env: deployKeyEnv('/etc/converge') }));
    const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('Ignoring');
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain('"/opt/converge agent/bin/converge.js"');
    expect(text).toContain('Environment="GIT_SSH_COMMAND=ssh -i /etc/converge/deploy_key -o IdentitiesOnly=yes -o UserKnownHostsFile=/etc/converge/known_hosts -o StrictHostKeyChecking=accept-new"');
  });
});

describe('the LaunchDaemon', () => {
  it('keeps the agent alive with a throttle, logs under /Library/Logs/converge, rotated by newsyslog', () => {
    const r = converge(['install-service', '--os', 'macos', '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('would write /Library/LaunchDaemons/dev.converge.agent.plist');
    expect(r.stdout).toContain('would run: launchctl bootstrap system /Library/LaunchDaemons/dev.converge.agent.plist');
    expect(r.stdout).toContain('/Library/Logs/converge/agent.log   644  7     10240 *    J');
    const o = parsePlist(agentPlist(defaultAgentCommand('macos')))!;
    expect(o).toMatchObject({ Label: 'dev.converge.agent', RunAtLoad: true, KeepAlive: true, ThrottleInterval: 30, StandardOutPath: '/Library/Logs/converge/agent.log' });
    // The self-upgrade guard's start-up check runs first (nothing when no upgrade is under way), then the agent.
    expect(o.ProgramArguments).toEqual(['/bin/sh', '-c', `[ ! -f '/usr/local/converge/upgrade/guard.sh' ] || /bin/sh '/usr/local/converge/upgrade/guard.sh' start; exec "$0" "$@"`, '/usr/local/converge/runtime/bin/node', '--max-semi-space-size=8', '/usr/local/converge/agent/controller/bin/converge.js', 'agent', '--config', '/etc/converge/config.yml']);
    const argv = o.ProgramArguments as string[];
    const echoed = spawnSync(argv[0]!, [argv[1]!, argv[2]!.replace('exec "$0" "$@"', 'echo "$0" "$@"'), ...argv.slice(3)], { encoding: 'utf8' });
    expect(echoed.stdout).toBe('/usr/local/converge/runtime/bin/node --max-semi-space-size=8 /usr/local/converge/agent/controller/bin/converge.js agent --config /etc/converge/config.yml\n');
  });

  describeWith(runs('xmllint', ['--version']))('checked by xmllint', () => {
    beforeAll(() => requireComponent(runs('xmllint', ['--version']), 'xmllint', 'apt-get install libxml2-utils'));
    it("is valid against Apple's plist DTD", () => {
      const file = path.join(tempDir(), 'agent.plist');
      writeFileSync(file, agentPlist(defaultAgentCommand('macos')));
      const r = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', path.join(FIXTURES, 'macos/PropertyList-1.0.dtd'), file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    });
  });
});

// The element names WinSW 2.x declares in its schema (winsw/winsw src/Core/WinSWCore/XMLSchema.xsd).
// That schema types onfailure and env as plain strings although WinSW reads their attributes,
// so a full validation against it would reject WinSW's own documented examples; the names are checked.
const WINSW_ELEMENTS = new Set('id name description executable argument arguments logmode workingdirectory logpath delayedAutoStart depend startargument stopexecutable stopargument stoptimeout env interactive onfailure securtityDescriptor priority stopparentprocessfirst errfiledisabled errfilepattern logname outfiledisabled startmode resetfailure sleeptime waithint outfilepattern serviceaccount log download extensions'.split(' '));

describe('the Windows service (WinSW)', () => {
  const xml = winswXml(defaultAgentCommand('windows'));

  it('uses only elements WinSW declares, and states restart, delayed start and log rolling', () => {
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml) as { service: Record<string, unknown> };
    for (const key of Object.keys(doc.service)) expect(WINSW_ELEMENTS.has(key), key).toBe(true);
    expect(doc.service).toMatchObject({ id: 'converge-agent', startmode: 'Automatic', delayedAutoStart: 'true', resetfailure: '1 hour' });
    expect(doc.service.onfailure).toHaveLength(3);
    expect(doc.service.log).toMatchObject({ '@_mode': 'roll-by-size', sizeThreshold: '10240', keepFiles: '8' });
    expect(xml).not.toContain('<serviceaccount>'); // WinSW's default account is LocalSystem
  });

  describeWith(runs('xmllint', ['--version']))('checked by xmllint', () => {
    beforeAll(() => requireComponent(runs('xmllint', ['--version']), 'xmllint', 'apt-get install libxml2-utils'));
    it('is well-formed XML', () => {
      const file = path.join(tempDir(), 'converge-agent.xml');
      writeFileSync(file, winswXml({ node: 'C:\\Program Files\\node\\node.exe', entry: 'C:\\a & b\\converge.js', config: 'C:\\ProgramData\\converge\\config.yml' }));
      expect(spawnSync('xmllint', ['--noout', file], { encoding: 'utf8' }).status).toBe(0);
    });
  });

  it('quotes arguments the way Windows splits them', () => {
    expect(windowsArg('C:\\Program Files\\x.js')).toBe('"C:\\Program Files\\x.js"');
    expect(windowsArg('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(windowsArg('plain')).toBe('plain');
  });

  it('shows the pinned, hash-checked WinSW and the service commands; refuses a WinSW with another hash', () => {
    const dry = converge(['install-service', '--os', 'windows', '--dry-run']);
    expect(dry.stdout).toContain(`after checking its SHA256 is ${WINSW.sha256}`);
    expect(dry.stdout).toContain("'C:\\ProgramData\\converge\\service\\converge-agent.exe' install");
    // H3: the folder loses ProgramData's inherited BUILTIN\Users entries before the service is installed
    expect(dry.stdout).toContain("icacls.exe 'C:\\ProgramData\\converge' /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F'");
    expect(dry.stdout).toContain("icacls.exe 'C:\\ProgramData\\converge' /remove:g '*S-1-5-32-545' '*S-1-5-11' '*S-1-1-0' '*S-1-3-0'");
    expect(dry.stdout.indexOf('/inheritance:r')).toBeLessThan(dry.stdout.indexOf('converge-agent.exe\' install'));
    const root = tempDir();
    mkdirSync(path.join(root, 'C/ProgramData/converge'), { recursive: true });
    writeFileSync(path.join(root, 'C/ProgramData/converge/config.yml'), CONFIG);
    const fakeExe = path.join(tempDir(), 'WinSW-x64.exe');
    writeFileSync(fakeExe, 'not the real WinSW');
    const r = converge(['install-service', '--os', 'windows', '--root', root, '--winsw', fakeExe]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/has SHA256 [0-9a-f]{64}, not the pinned 05b82d46/);
  });
});
