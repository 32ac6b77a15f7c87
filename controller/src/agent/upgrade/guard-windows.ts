// The guard on Windows (a plan, not run here): guard.ps1 with every value
// baked in, run by a scheduled task once at the deadline and by one at boot
// (a reboot inside the deadline then still ends in a decision). WinSW 2 has no
// pre-start hook, so a release that crash-loops is switched back at the
// deadline, not after a count of starts. The links are directory junctions.
import type { Layout } from './release.js';
import type { GuardValues } from './guard-sh.js';

export const GUARD_TASK = 'converge-upgrade-guard';
export const GUARD_BOOT_TASK = 'converge-upgrade-guard-boot';

/** The values of guard.sh, with the deadline as a date and the service's WinSW executable to restart it with. */
export interface WindowsGuardValues extends Pick<GuardValues, 'prefix' | 'from' | 'to' | 'fromRuntime' | 'toRuntime' | 'commit'> {
  deadline: Date;
  serviceExe: string;
}

/** PowerShell single-quoted. */
function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** guard.ps1. */
export function windowsGuardScript(v: WindowsGuardValues): string {
  for (const value of [v.from, v.to, v.fromRuntime, v.toRuntime]) if (!/^[A-Za-z0-9._\\/-]+$/.test(value)) throw new Error(`guard: ${JSON.stringify(value)} is not a plain relative path`);
  if (!/^[0-9a-f]{7,64}$/.test(v.commit)) throw new Error(`guard: not a commit id: ${v.commit}`);
  return `# Written by the converge agent for its upgrade to ${v.to} (commit ${v.commit.slice(0, 12)}).
# Switches agent back to ${v.from} unless the new agent confirms (removes upgrade\\pending) by the deadline.
#   guard.ps1 timer   at the deadline (scheduled task ${GUARD_TASK})
#   guard.ps1 boot    at start-up (scheduled task ${GUARD_BOOT_TASK}): past the deadline, switch back
param([string]$Mode = '')
$ErrorActionPreference = 'Stop'
$P = ${psQuote(v.prefix)}
$From = ${psQuote(v.from)}
$To = ${psQuote(v.to)}
$FromRuntime = ${psQuote(v.fromRuntime)}
$ToRuntime = ${psQuote(v.toRuntime)}
$Commit = ${psQuote(v.commit)}
$Deadline = [DateTimeOffset]::FromUnixTimeSeconds(${Math.floor(v.deadline.getTime() / 1000)})
$U = Join-Path $P 'upgrade'
$Pending = Join-Path $U 'pending'

function Get-LinkTarget([string]$Link) {
  if (-not (Test-Path -LiteralPath $Link)) { return $null }
  $target = (Get-Item -LiteralPath $Link -Force).Target
  if ($target -is [array]) { $target = $target[0] }
  return $target
}

function Set-Link([string]$Target, [string]$Link) {
  # A junction cannot be renamed over another: the new one is made first, the old one removed (not its target), then renamed.
  $new = "$Link.guard-new"
  if (Test-Path -LiteralPath $new) { [System.IO.Directory]::Delete($new) }
  New-Item -ItemType Junction -Path $new -Target (Join-Path $P $Target) | Out-Null
  if (Test-Path -LiteralPath $Link) { [System.IO.Directory]::Delete($Link) }
  Rename-Item -LiteralPath $new -NewName (Split-Path -Leaf $Link)
}

function Invoke-Revert([string]$Why) {
  Set-Link $From (Join-Path $P 'agent')
  if ($ToRuntime -ne $FromRuntime) { Set-Link $FromRuntime (Join-Path $P 'runtime') }
  Set-Content -LiteralPath (Join-Path $U 'rolled-back.new') -Value @($Commit, $Why) -Encoding ascii
  Move-Item -LiteralPath (Join-Path $U 'rolled-back.new') -Destination (Join-Path $U 'rolled-back') -Force
  Remove-Item -LiteralPath $Pending -Force -ErrorAction SilentlyContinue
  & ${psQuote(v.serviceExe)} restart
}

if (-not (Test-Path -LiteralPath $Pending)) { exit 0 }
if (-not (Select-String -LiteralPath $Pending -SimpleMatch $Commit -Quiet)) { exit 0 }
$current = Get-LinkTarget (Join-Path $P 'agent')
if ($current -ne (Join-Path $P $To)) {
  # The switch never happened, or was undone: nothing to guard; the agent tries the commit again.
  if ($current -eq (Join-Path $P $From)) { Remove-Item -LiteralPath $Pending -Force }
  exit 0
}
switch ($Mode) {
  'timer' { Invoke-Revert 'the new agent did not report the commit applied by the deadline' }
  'boot' { if ([DateTimeOffset]::Now -ge $Deadline) { Invoke-Revert 'the new agent did not report the commit applied by the deadline' } }
  default { Write-Error 'usage: guard.ps1 timer|boot'; exit 2 }
}
exit 0
`;
}

/** Commands that arm it: an earlier guard's tasks replaced (/f), one at the deadline (local time), one at boot; SYSTEM, highest privileges. */
export function windowsArm(l: Layout, deadline: Date): string[][] {
  const script = `${l.guard.replace(/\.sh$/, '.ps1')}`;
  const run = (mode: string) => `powershell.exe -NoProfile -ExecutionPolicy Bypass -File "${script}" ${mode}`;
  const at = new Date(Math.ceil(deadline.getTime() / 60_000) * 60_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return [
    ['schtasks', '/create', '/f', '/tn', GUARD_TASK, '/sc', 'once', '/sd', `${two(at.getMonth() + 1)}/${two(at.getDate())}/${at.getFullYear()}`, '/st', `${two(at.getHours())}:${two(at.getMinutes())}`, '/ru', 'SYSTEM', '/rl', 'HIGHEST', '/tr', run('timer')],
    ['schtasks', '/create', '/f', '/tn', GUARD_BOOT_TASK, '/sc', 'onstart', '/ru', 'SYSTEM', '/rl', 'HIGHEST', '/tr', run('boot')],
  ];
}

/** Commands that disarm it (each may fail when there is nothing to delete). */
export function windowsDisarm(): string[][] {
  return [GUARD_TASK, GUARD_BOOT_TASK].map((task) => ['schtasks', '/delete', '/f', '/tn', task]);
}
