// The user helper: runs in each user's logon session (a drive letter belongs
// to a logon session, so the SYSTEM agent cannot map it), maps the drives
// configured for that user with `net use … /persistent:yes` after storing the
// share's credentials with CredWrite (as cmdkey /add does, password off the command line), removes drives it mapped before that are no
// longer configured, and writes what it did to %LOCALAPPDATA%\converge\mapped-drives.json
// for the agent to read. Windows PowerShell 5.1.

/** Where converge keeps the helper and one JSON file per drive. */
export const DRIVES_DIR = 'C:/ProgramData/converge/drives';
export const HELPER_PATH = `${DRIVES_DIR}/map-drives.ps1`;
export const DRIVES_TASK = '\\converge\\mapped-drives';

export const HELPER_SCRIPT = String.raw`# converge: maps the network drives configured in this folder for the user
# running it (the logon task \converge\mapped-drives runs it in each session).
# Managed by converge: edits are overwritten.
$ErrorActionPreference = 'Stop'
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$me = $env:USERNAME
$stateDir = Join-Path $env:LOCALAPPDATA 'converge'
$stateFile = Join-Path $stateDir 'mapped-drives.json'
$previous = @()
if (Test-Path -LiteralPath $stateFile) {
  try { $previous = @((Get-Content -LiteralPath $stateFile -Raw | ConvertFrom-Json).drives | ForEach-Object { $_.letter }) } catch { $previous = @() }
}

Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
public static class ConvergeCredential {
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
  private struct CREDENTIAL {
    public int Flags; public int Type; public string TargetName; public string Comment;
    public System.Runtime.InteropServices.ComTypes.FILETIME LastWritten;
    public int CredentialBlobSize; public IntPtr CredentialBlob; public int Persist;
    public int AttributeCount; public IntPtr Attributes; public string TargetAlias; public string UserName;
  }
  [DllImport("advapi32.dll", EntryPoint = "CredWriteW", CharSet = CharSet.Unicode, SetLastError = true)]
  private static extern bool CredWrite(ref CREDENTIAL credential, int flags);
  // CRED_TYPE_DOMAIN_PASSWORD (2) for the host, CRED_PERSIST_ENTERPRISE (3): the credential cmdkey /add makes.
  public static void Write(string target, string user, string secret) {
    IntPtr blob = Marshal.StringToCoTaskMemUni(secret);
    try {
      CREDENTIAL c = new CREDENTIAL();
      c.Type = 2; c.TargetName = target; c.UserName = user; c.Persist = 3;
      c.CredentialBlob = blob; c.CredentialBlobSize = secret.Length * 2;
      if (!CredWrite(ref c, 0)) { throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error(), "storing the credentials of " + target + " failed"); }
    } finally { Marshal.ZeroFreeCoTaskMemUnicode(blob); }
  }
}
'@

function Read-EnvFile([string]$Path) {
  $vars = @{}
  foreach ($line in Get-Content -LiteralPath $Path) {
    if ($line -match '^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$') { $vars[$Matches[1]] = $Matches[2].Trim().Trim('"') }
  }
  return $vars
}

$results = @()
$configured = @()
foreach ($file in @(Get-ChildItem -LiteralPath $here -Filter '*.json')) {
  $drive = Get-Content -LiteralPath $file.FullName -Raw | ConvertFrom-Json
  if ($drive.user -and $drive.user -ne $me) { continue }
  $configured += $drive.letter
  $result = @{ letter = $drive.letter; remote = $drive.remote; ok = $false; action = 'none'; message = ''; smb = $null }
  try {
    if ($drive.credentials) {
      $vars = Read-EnvFile $drive.credentials
      $server = $drive.remote.TrimStart('\').Split('\')[0]
      $name = $vars['username']; if (-not $name) { $name = $vars['SMB_USERNAME'] }
      $secret = $vars['password']; if (-not $secret) { $secret = $vars['SMB_PASSWORD'] }
      # What cmdkey /add does (a domain password for the host, kept across logons), without the password on a
      # command line, where process-creation auditing (event 4688, Sysmon) would record it.
      [ConvergeCredential]::Write($server, $name, $secret)
    }
    $mapping = Get-SmbMapping -LocalPath $drive.letter -ErrorAction SilentlyContinue
    if ($null -ne $mapping -and $mapping.RemotePath -ieq $drive.remote -and [string]$mapping.Status -eq 'OK') {
      $result.action = 'kept'
    } else {
      if ($null -ne $mapping) { $null = & net.exe use $drive.letter /delete /y }
      $null = & net.exe use $drive.letter $drive.remote /persistent:yes
      if ($LASTEXITCODE -ne 0) { throw "net use $($drive.letter) $($drive.remote) failed with exit code $LASTEXITCODE" }
      $result.action = 'mapped'
    }
    $mapping = Get-SmbMapping -LocalPath $drive.letter -ErrorAction SilentlyContinue
    if ($null -ne $mapping) { $result.smb = @{ Status = [string]$mapping.Status; LocalPath = [string]$mapping.LocalPath; RemotePath = [string]$mapping.RemotePath } }
    $result.ok = ($null -ne $mapping -and [string]$mapping.Status -eq 'OK')
  } catch {
    $result.message = $_.Exception.Message
  }
  $results += $result
}

foreach ($letter in $previous) {
  if ($configured -notcontains $letter) {
    $null = & net.exe use $letter /delete /y
    $results += @{ letter = $letter; remote = $null; ok = $true; action = 'removed'; message = ''; smb = $null }
  }
}

$null = New-Item -ItemType Directory -Force -Path $stateDir
$state = @{ user = $me; time = (Get-Date).ToUniversalTime().ToString('o'); drives = @($results) }
ConvertTo-Json -InputObject $state -Depth 6 | Set-Content -LiteralPath $stateFile -Encoding UTF8
`;
