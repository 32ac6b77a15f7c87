// scripts/bootstrap/windows.ps1 cannot run here (no Windows PowerShell): it
// is parsed as PowerShell, and what it must do is checked in its text.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { powershellSyntaxErrors } from '../helpers/powershell-syntax.js';

const text = readFileSync(path.join(PROJECT_ROOT, 'scripts/bootstrap/windows.ps1'), 'utf8');

describe('windows.ps1', () => {
  it('is valid PowerShell, all inside Main, called on the last line', async () => {
    expect(await powershellSyntaxErrors(text)).toEqual([]);
    const code = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(code[0]).toBe('function Main {');
    expect(code.at(-1)).toBe('Main @args');
  });

  it('checks the pinned Node.js, locks the key to SYSTEM and Administrators, waits for access, installs the service', () => {
    expect(text).toContain('Get-FileHash -LiteralPath $Archive -Algorithm SHA256');
    expect(text).toContain('if ($got -ne $Want) { throw');
    expect(text).toContain("'/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F'");
    expect(text).toContain('git.exe ls-remote --exit-code $Repo');
    expect(text).toContain("'install-service', '--config', $Config");
    expect(text).toContain("agent --once --config $Config");
  });

  it('leaves %ProgramData%\\converge to SYSTEM and Administrators before writing anything in it, and refuses one someone else made (H3)', () => {
    const protect = text.indexOf('  Protect-Prefix');
    expect(protect).toBeGreaterThan(0);
    expect(protect).toBeLessThan(text.indexOf("Step '1/9 deploy key'"));
    expect(text).toContain(".GetOwner([System.Security.Principal.SecurityIdentifier]).Value");
    expect(text).toContain("if ($owner -ne 'S-1-5-18' -and $owner -ne 'S-1-5-32-544') { throw");
    expect(text).toContain("@($Prefix, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F')");
    expect(text).toContain("@($Prefix, '/remove:g', '*S-1-5-32-545', '*S-1-5-11', '*S-1-1-0', '*S-1-3-0')");
    expect(text).toContain("'*S-1-5-32-545:(OI)(CI)RX')"); // users read the drives folder, never write it
  });

  it('reads the Node.js and npm pins from controller/runtime.json of the fleet commit it builds, after the repository is readable', () => {
    const access = text.indexOf("Step '2/9 access to the fleet repository'");
    const runtime = text.indexOf("Step '3/9 Node.js runtime and npm (pinned in controller/runtime.json of the fleet repository)'");
    expect(access).toBeGreaterThan(0);
    expect(runtime).toBeGreaterThan(access);
    expect(text.indexOf("$Pins = Get-Content -Raw -LiteralPath $pinFile | ConvertFrom-Json")).toBeGreaterThan(runtime);
    for (const name of ['node.npm.win-x64.version', 'node.npm.win-x64.tarball', 'node.npm.win-x64.sha256', 'npm.version', 'npm.tarball', 'npm.sha256']) expect(text).toContain(`Get-Pin '${name}'`);
    // pins go into paths and commands: each is checked against what it must look like
    expect(text).toContain("'version$' { '^\\d+\\.\\d+\\.\\d+$' }");
    expect(text).toContain("'sha256$' { '^[0-9a-f]{64}$' }");
    // the npm package's layout, as linux.sh and macos.sh extract it
    expect(text).toContain("@('-xzf', $Archive, '-C', $tmp, '--strip-components=1')");
    expect(text).toContain('$name = "node-v$version-win-x64"');
    expect(text).toContain("$RuntimeNode = Join-Path $Prefix 'runtime\\bin\\node.exe'");
    expect(text).toContain('$npmCli = Join-Path $Prefix "runtimes\\npm-v$npmVersion\\bin\\npm-cli.js"');
    expect(text).toContain("Invoke-Step $RuntimeNode @($npmCli, 'ci', '--omit=dev'");
  });

  it('builds the layout the self-upgrade reads: releases\\<agent id> hashed as linux.sh does, build\\<lockfile hash>, release.json', () => {
    // the ls-tree lines joined with LF (what sha256sum hashes), 12 hex; the lockfile's first 16
    expect(text).toContain('$treeText = if ($tree.Count) { ($tree -join "`n") + "`n" }');
    expect(text).toContain(".Substring(0, 12)");
    expect(text).toContain("Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $work 'package-lock.json')).Hash.ToLowerInvariant().Substring(0, 16)");
    expect(text).toContain('$deps = Join-Path $Prefix "build\\$lock"');
    expect(text).toContain("$release = Join-Path $releases $id");
    expect(text).toContain('$info = [ordered]@{ id = $id; commit = $fullCommit; prefix = $Prefix; runtimePin = $runtimePin; runtime = $runtimeTarget; lockHash = $lock; builtAt =');
    // the build's node_modules junction goes alone, never the cache behind it; the agent junction switches last
    expect(text).toContain('[System.IO.Directory]::Delete($modules)');
    expect(text.indexOf("Move-Item -LiteralPath $build -Destination $release")).toBeLessThan(text.indexOf("Set-Link (Join-Path $Prefix 'agent') $release"));
    expect(text).not.toMatch(/releases\\\$Commit/);
  });
});
