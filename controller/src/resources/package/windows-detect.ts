// Windows packages as Programs and Features knows them: the Uninstall keys
// of HKLM (64- and 32-bit views), read once per run for every package.
import type { PsScript } from '../../platform/powershell/session.js';

/** One installed program (an Uninstall key with a DisplayName). */
export interface InstalledProgram {
  key: string;
  name: string;
  version: string;
  quietUninstall: string;
  uninstall: string;
  wow64: boolean;
}

export const LIST_PROGRAMS: PsScript = {
  name: 'Get-ConvergePrograms',
  script: `$roots = @('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall')
$items = @()
foreach ($root in $roots) {
  if (-not (Test-Path -LiteralPath $root)) { continue }
  foreach ($key in Get-ChildItem -LiteralPath $root) {
    $p = Get-ItemProperty -LiteralPath $key.PSPath
    if (-not $p.DisplayName) { continue }
    $items += @{ key = [string]$key.PSChildName; name = [string]$p.DisplayName; version = [string]$p.DisplayVersion; quietUninstall = [string]$p.QuietUninstallString; uninstall = [string]$p.UninstallString; wow64 = ($root -like '*WOW6432Node*') }
  }
}
@{ programs = $items }`,
};

/** The program a package names: by MSI product code (the key), else by exact DisplayName (case-insensitive). */
export function findProgram(programs: InstalledProgram[], name: string, productCode?: string): InstalledProgram | null {
  if (productCode) {
    const byCode = programs.find((p) => p.key.toLowerCase() === productCode.toLowerCase());
    if (byCode) return byCode;
  }
  return programs.find((p) => p.name.toLowerCase() === name.toLowerCase()) ?? null;
}
