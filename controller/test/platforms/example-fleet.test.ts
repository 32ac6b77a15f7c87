// The example fleet's Windows and macOS hosts, planned on Linux under --root:
// every file they would produce and every command they would run is shown,
// nothing is run.
import { describe, expect, it } from 'vitest';
import { converge, PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('the example fleet on Windows and macOS', () => {
  it('validates', () => {
    const r = converge(['validate', '--repo', PROJECT_ROOT]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('plans armitage: mapped drives, tasks, services', () => {
    const r = converge(['plan', '--repo', PROJECT_ROOT, '--host', 'armitage', '--root', tempDir()]);
    expect(r.exitCode, r.stderr).toBe(2);
    for (const letter of ['X', 'S', 'T']) expect(r.stdout).toContain(`+++ C:/ProgramData/converge/drives/${letter}.json`);
    expect(r.stdout).toContain('"remote": "\\\\\\\\motoko.pangolin-vega.ts.net\\\\flux"');
    expect(r.stdout).toContain('+ scheduledTask:\\converge\\vllm');
    expect(r.stdout).toContain('<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>');
    expect(r.stdout).toContain("would run: sc.exe config nxservice start= delayed-auto; Start-Service -Name 'nxservice'");
    expect(r.stdout).toContain('+ statusFile:C:/ProgramData/converge/status/_status.json');
  });

  it('plans count-zero: ingestion agents in the user session and the health signal with mounts', () => {
    const r = converge(['plan', '--repo', PROJECT_ROOT, '--host', 'count-zero', '--root', tempDir()]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stdout).toContain('+++ /Users/mike/Library/LaunchAgents/dev.converge.ingest-icloud.plist');
    expect(r.stdout).toContain('launchctl bootstrap gui/$(id -u mike) /Users/mike/Library/LaunchAgents/dev.converge.ingest-icloud.plist');
    expect(r.stdout).toContain('+      <string>/Users/mike/Library/Mobile Documents/com~apple~CloudDocs</string>');
    expect(r.stdout).toContain('+ symlink:/Users/mike/flux');
    expect(r.stdout).toContain('"/Users/mike/.mkt/space": "not mounted"');
  });
});
