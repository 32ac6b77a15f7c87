// What the mappedDrive provider asks Windows PowerShell (as SYSTEM).
import type { PsScript } from '../../platform/powershell/session.js';

/**
 * The persisted mapping of a drive letter in a user's profile
 * (HKU\<SID>\Network\<letter>, present while the user's hive is loaded) and the
 * helper's last report (raw JSON text).
 */
export const GET_DRIVE_STATE: PsScript = {
  name: 'Get-ConvergeDriveState',
  script: `param([string]$User, [string]$Letter, [string]$HelperState)
$sid = $null
try { $sid = (New-Object System.Security.Principal.NTAccount($User)).Translate([System.Security.Principal.SecurityIdentifier]).Value } catch { $sid = $null }
$result = @{ sid = $sid; loaded = $false; remote = $null; helper = $null }
if ($null -ne $sid -and (Test-Path -LiteralPath ('Registry::HKEY_USERS\\' + $sid))) {
  $result.loaded = $true
  $item = Get-ItemProperty -LiteralPath ('Registry::HKEY_USERS\\' + $sid + '\\Network\\' + $Letter.TrimEnd(':')) -ErrorAction SilentlyContinue
  if ($null -ne $item) { $result.remote = [string]$item.RemotePath }
}
if (Test-Path -LiteralPath $HelperState) { $result.helper = [string](Get-Content -LiteralPath $HelperState -Raw) }
$result`,
};

/** Start a task now and wait (up to 120 s) until it is no longer running. */
export const RUN_TASK_AND_WAIT: PsScript = {
  name: 'Invoke-ConvergeTaskAndWait',
  script: `param([string]$TaskPath, [string]$TaskName)
Start-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
$deadline = (Get-Date).AddSeconds(120)
do {
  Start-Sleep -Milliseconds 500
  $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
} while ([string]$task.State -eq 'Running' -and (Get-Date) -lt $deadline)
$info = Get-ScheduledTaskInfo -TaskPath $TaskPath -TaskName $TaskName
@{ state = [string]$task.State; lastResult = [int]$info.LastTaskResult }`,
};

export const DRIVE_SCRIPTS = [GET_DRIVE_STATE, RUN_TASK_AND_WAIT];
