// What the firewall provider asks Windows PowerShell (NetSecurity module).
// Every rule converge writes is in the rule group "converge"; no other rule is
// read or changed. Values are parameters, never spliced into the text.
import type { PsScript } from '../../platform/powershell/session.js';

/** The rules of one resource (display name "converge: NAME" in the group). */
export const GET_FIREWALL_RULES: PsScript = {
  name: 'Get-ConvergeFirewallRules',
  script: `param([string]$Name)
$out = @()
foreach ($r in @(Get-NetFirewallRule -Group 'converge' -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -eq ('converge: ' + $Name) })) {
  $p = $r | Get-NetFirewallPortFilter
  $a = $r | Get-NetFirewallAddressFilter
  $out += @{ enabled = [string]$r.Enabled; direction = [string]$r.Direction; action = [string]$r.Action; protocol = [string]$p.Protocol; localPort = @($p.LocalPort | ForEach-Object { [string]$_ }); remoteAddress = @($a.RemoteAddress | ForEach-Object { [string]$_ }) }
}
@{ rules = $out }`,
};

/** Replace the rules of one resource with one inbound allow rule. */
export const SET_FIREWALL_RULE: PsScript = {
  name: 'Set-ConvergeFirewallRule',
  script: `param([string]$Name, [string]$Protocol, [string[]]$Ports, [string[]]$Remote)
Get-NetFirewallRule -Group 'converge' -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -eq ('converge: ' + $Name) } | Remove-NetFirewallRule
New-NetFirewallRule -DisplayName ('converge: ' + $Name) -Group 'converge' -Direction Inbound -Action Allow -Profile Any -Protocol $Protocol -LocalPort $Ports -RemoteAddress $Remote | Out-Null
@{ changed = $true }`,
};

/** Remove the rules of one resource. */
export const REMOVE_FIREWALL_RULE: PsScript = {
  name: 'Remove-ConvergeFirewallRule',
  script: `param([string]$Name)
Get-NetFirewallRule -Group 'converge' -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -eq ('converge: ' + $Name) } | Remove-NetFirewallRule
@{ removed = $true }`,
};

export const FIREWALL_SCRIPTS = [GET_FIREWALL_RULES, SET_FIREWALL_RULE, REMOVE_FIREWALL_RULE];
