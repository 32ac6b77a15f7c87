// What the group provider asks Windows PowerShell. Values are parameters.
import type { PsScript } from '../../platform/powershell/session.js';

/** A local group and its members' short names. */
export const GET_LOCAL_GROUP: PsScript = {
  name: 'Get-ConvergeLocalGroup',
  script: `param([string]$Name)
$g = Get-LocalGroup -Name $Name -ErrorAction SilentlyContinue
if ($null -eq $g) { return @{ found = $false } }
$members = @(Get-LocalGroupMember -Group $Name -ErrorAction SilentlyContinue | ForEach-Object { ($_.Name -split '\\\\')[-1] })
@{ found = $true; name = $g.Name; members = $members }`,
};

/** Make a group, then add and remove members. */
export const SET_LOCAL_GROUP: PsScript = {
  name: 'Set-ConvergeLocalGroup',
  script: `param([string]$Name, [bool]$Create, [string[]]$Add, [string[]]$Remove)
if ($Create) { New-LocalGroup -Name $Name | Out-Null }
foreach ($m in $Add) { Add-LocalGroupMember -Group $Name -Member $m }
foreach ($m in $Remove) { Remove-LocalGroupMember -Group $Name -Member $m }
@{ changed = $true }`,
};

/** Remove a local group. */
export const REMOVE_LOCAL_GROUP: PsScript = {
  name: 'Remove-ConvergeLocalGroup',
  script: `param([string]$Name)
Remove-LocalGroup -Name $Name
@{ removed = $true }`,
};

export const GROUP_SCRIPTS = [GET_LOCAL_GROUP, SET_LOCAL_GROUP, REMOVE_LOCAL_GROUP];
