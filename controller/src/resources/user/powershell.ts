// What the user provider asks Windows PowerShell (the LocalAccounts module of
// Windows PowerShell 5.1). Values are parameters, never spliced into the text.
import type { PsScript } from '../../platform/powershell/session.js';

/** A local user, and which of the named groups it is in. */
export const GET_LOCAL_USER: PsScript = {
  name: 'Get-ConvergeLocalUser',
  script: `param([string]$Name, [string[]]$Groups)
$u = Get-LocalUser -Name $Name -ErrorAction SilentlyContinue
if ($null -eq $u) { return @{ found = $false } }
$in = @()
foreach ($g in $Groups) {
  $m = @(Get-LocalGroupMember -Group $g -ErrorAction SilentlyContinue | Where-Object { ($_.Name -split '\\\\')[-1] -eq $u.Name })
  if ($m.Count -gt 0) { $in += $g }
}
@{ found = $true; name = $u.Name; enabled = [bool]$u.Enabled; fullName = [string]$u.FullName; groups = $in }`,
};

/** Make a local user without a password (enabled or not), in these groups. */
export const NEW_LOCAL_USER: PsScript = {
  name: 'New-ConvergeLocalUser',
  script: `param([string]$Name, [string]$FullName, [bool]$Disabled)
New-LocalUser -Name $Name -FullName $FullName -NoPassword -AccountNeverExpires | Out-Null
if ($Disabled) { Disable-LocalUser -Name $Name }
@{ created = $true }`,
};

/** Change what differs: full name, groups to join, disabled for sign-in. */
export const SET_LOCAL_USER: PsScript = {
  name: 'Set-ConvergeLocalUser',
  script: `param([string]$Name, [string]$FullName, [bool]$SetFullName, [string[]]$AddGroups, [bool]$Disable)
if ($SetFullName) { Set-LocalUser -Name $Name -FullName $FullName }
foreach ($g in $AddGroups) { Add-LocalGroupMember -Group $g -Member $Name }
if ($Disable) { Disable-LocalUser -Name $Name }
@{ changed = $true }`,
};

/** Remove a local user (its profile folder stays). */
export const REMOVE_LOCAL_USER: PsScript = {
  name: 'Remove-ConvergeLocalUser',
  script: `param([string]$Name)
Remove-LocalUser -Name $Name
@{ removed = $true }`,
};

export const USER_SCRIPTS = [GET_LOCAL_USER, NEW_LOCAL_USER, SET_LOCAL_USER, REMOVE_LOCAL_USER];
