// What the windowsService provider asks Windows PowerShell. Values are parameters.
import type { PsScript } from '../../platform/powershell/session.js';

/** Status, start type and delayed-start flag of a service, or found = false. */
export const GET_SERVICE: PsScript = {
  name: 'Get-ConvergeService',
  script: `param([string]$Name)
$svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
if ($null -eq $svc) { return @{ found = $false } }
$delayed = $false
$item = Get-ItemProperty -LiteralPath ('HKLM:\\SYSTEM\\CurrentControlSet\\Services\\' + $svc.Name) -Name DelayedAutostart -ErrorAction SilentlyContinue
if ($null -ne $item -and $item.DelayedAutostart -eq 1) { $delayed = $true }
@{ found = $true; name = $svc.Name; status = [string]$svc.Status; startType = [string]$svc.StartType; delayed = $delayed }`,
};

/** Start or stop a service and wait for it. */
export const SET_SERVICE_RUNNING: PsScript = {
  name: 'Set-ConvergeServiceRunning',
  script: `param([string]$Name, [bool]$Running)
if ($Running) { Start-Service -Name $Name } else { Stop-Service -Name $Name }
$svc = Get-Service -Name $Name
$svc.WaitForStatus($(if ($Running) { 'Running' } else { 'Stopped' }), [TimeSpan]::FromSeconds(60))
@{ status = [string](Get-Service -Name $Name).Status }`,
};

/** Restart a service (the refresh of a notify). */
export const RESTART_SERVICE: PsScript = {
  name: 'Restart-ConvergeService',
  script: `param([string]$Name)
Restart-Service -Name $Name
@{ status = [string](Get-Service -Name $Name).Status }`,
};

export const SERVICE_SCRIPTS = [GET_SERVICE, SET_SERVICE_RUNNING, RESTART_SERVICE];
