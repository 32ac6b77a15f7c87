// The script the one Windows PowerShell 5.1 process of a run executes: a loop
// that reads one JSON request per line on stdin and writes one JSON answer per
// line on stdout. Values arrive as parameters of a script block and are never
// spliced into script text. Answers are always an object (5.1 collapses a
// one-element array piped to ConvertTo-Json) and are serialised with
// -Depth 20 (5.1 flattens deeper values to strings at its default depth of 2).
// Both directions are pure ASCII (\uXXXX escapes), so the console code page
// cannot garble a name with an umlaut.

/** Marks the lines on stdout that are answers; anything else a script prints is noise. */
export const ANSWER_MARK = '@@converge@@ ';

/** The host loop, in Windows PowerShell 5.1 syntax. */
export const HOST_SCRIPT = String.raw`
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$ConfirmPreference = 'None'
$blocks = @{}

function ConvertTo-ConvergeValue($value) {
  if ($null -eq $value) { return $null }
  if ($value -is [System.Management.Automation.PSCustomObject]) {
    $table = @{}
    foreach ($p in $value.PSObject.Properties) { $table[$p.Name] = ConvertTo-ConvergeValue $p.Value }
    return $table
  }
  if ($value -is [System.Array]) { return ,@($value | ForEach-Object { ConvertTo-ConvergeValue $_ }) }
  return $value
}

function Write-ConvergeAnswer($answer) {
  $json = ConvertTo-Json -InputObject $answer -Depth 20 -Compress
  $json = [regex]::Replace($json, '[^\x00-\x7F]', { param($m) '\u{0:x4}' -f [int][char]$m.Value })
  [Console]::Out.WriteLine('${ANSWER_MARK}' + $json)
  [Console]::Out.Flush()
}

Write-ConvergeAnswer @{ id = 0; ok = $true; values = @(@{ version = $PSVersionTable.PSVersion.ToString(); edition = [string]$PSVersionTable.PSEdition }) }

while ($true) {
  $line = [Console]::In.ReadLine()
  if ($null -eq $line) { break }
  if ($line.Trim().Length -eq 0) { continue }
  $id = $null
  try {
    $request = ConvertFrom-Json -InputObject $line
    $id = $request.id
    $text = [string]$request.script
    if (-not $blocks.ContainsKey($text)) { $blocks[$text] = [ScriptBlock]::Create($text) }
    $params = ConvertTo-ConvergeValue $request.params
    if ($null -eq $params) { $params = @{} }
    $values = @(& $blocks[$text] @params)
    Write-ConvergeAnswer @{ id = $id; ok = $true; values = $values }
  } catch {
    Write-ConvergeAnswer @{ id = $id; ok = $false; error = $_.Exception.Message; line = $_.InvocationInfo.ScriptLineNumber }
  }
}
`;

/** The arguments that start Windows PowerShell with `script`: -EncodedCommand takes base64 of UTF-16LE. */
export function powershellArgs(script: string = HOST_SCRIPT): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodeCommand(script)];
}

/** Base64 of the UTF-16LE bytes of a script, as powershell.exe -EncodedCommand expects. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}
