// What the scheduledTask provider asks Windows PowerShell to do. Each script
// takes its values as parameters; none is ever spliced into the text.
import type { PsScript } from '../../platform/powershell/session.js';

/** The task's exported XML, state and principal, or found = false. */
export const GET_TASK: PsScript = {
  name: 'Get-ConvergeTask',
  script: `param([string]$TaskPath, [string]$TaskName)
$task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
if ($null -eq $task) { return @{ found = $false } }
$xml = Export-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
@{ found = $true; state = [string]$task.State; xml = [string]$xml; userId = [string]$task.Principal.UserId; groupId = [string]$task.Principal.GroupId }`,
};

/** Register (create or replace) a task from XML. */
export const REGISTER_TASK: PsScript = {
  name: 'Register-ConvergeTask',
  script: `param([string]$TaskPath, [string]$TaskName, [string]$Xml)
$null = Register-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Xml $Xml -Force
@{ registered = $true }`,
};

/** Enable or disable a task. */
export const SET_TASK_ENABLED: PsScript = {
  name: 'Set-ConvergeTaskEnabled',
  script: `param([string]$TaskPath, [string]$TaskName, [bool]$Enabled)
if ($Enabled) { $null = Enable-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName }
else { $null = Disable-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName }
@{ enabled = $Enabled }`,
};

/** Remove a task. */
export const UNREGISTER_TASK: PsScript = {
  name: 'Unregister-ConvergeTask',
  script: `param([string]$TaskPath, [string]$TaskName)
$task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
if ($null -ne $task) { Unregister-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -Confirm:$false }
@{ removed = ($null -ne $task) }`,
};

/** Run a task now (stopping a running instance first): the refresh of a notify. */
export const RESTART_TASK: PsScript = {
  name: 'Restart-ConvergeTask',
  script: `param([string]$TaskPath, [string]$TaskName)
$null = Stop-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName -ErrorAction SilentlyContinue
$null = Start-ScheduledTask -TaskPath $TaskPath -TaskName $TaskName
@{ started = $true }`,
};

/** All scripts of this type (tests parse each one). */
export const TASK_SCRIPTS = [GET_TASK, REGISTER_TASK, SET_TASK_ENABLED, UNREGISTER_TASK, RESTART_TASK];

/** `\converge\vllm` → { TaskPath: '\converge\', TaskName: 'vllm' }, as the ScheduledTasks cmdlets take them. */
export function taskParams(title: string): { TaskPath: string; TaskName: string } {
  const i = title.lastIndexOf('\\');
  return { TaskPath: title.slice(0, i + 1) || '\\', TaskName: title.slice(i + 1) };
}
