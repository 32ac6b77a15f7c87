# converge bootstrap for Windows (Windows PowerShell 5.1, as Administrator):
# a private Node.js runtime (pinned, SHA256 checked), the agent from the fleet
# repository's controller/ (runtime dependencies only, switched into place),
# %ProgramData%\converge\config.yml from the arguments, an ed25519 deploy key
# readable only by SYSTEM and Administrators, the agent as a Windows service
# (WinSW, pinned and hash-checked by converge install-service), a first
# converge. Running it again upgrades or repairs; it never duplicates.
#
#   & ([scriptblock]::Create((irm https://…/scripts/bootstrap/windows.ps1))) `
#       -HostName armitage -Repo ssh://git@github.com/miket/miket-infra-devices.git -AllowUnsigned
#
# Everything is inside Main, called on the last line: a truncated download
# defines half a function and runs nothing. Needs Git for Windows (git.exe on
# PATH) and the OpenSSH client that Windows 10/11 include.

function Main {
  param(
    [Parameter(Mandatory = $true)][string]$HostName,
    [Parameter(Mandatory = $true)][string]$Repo,
    [string]$Branch = 'main',
    [string]$StatusRepo = '',
    [string]$StatusBranch = 'status',
    [string]$Prefix = "$env:ProgramData\converge",
    [string]$StateDir = "$env:ProgramData\converge\state",
    [string]$Node = '',
    [string]$NodeArchive = '',
    [string]$AllowedSigners = '',
    [switch]$AllowUnsigned,
    [int]$Wait = 1800,
    [string]$TailscaleAuthKeyFile = '',
    [string]$TailscaleAuthKeySecret = '',
    [string]$KeyVault = '',
    [switch]$NoStart,
    [switch]$DryRun
  )
  $ErrorActionPreference = 'Stop'
  $ProgressPreference = 'SilentlyContinue'
  $NodeVersion = '20.20.2'
  # SHA256 of node-v20.20.2-win-x64.zip (nodejs.org/dist/v20.20.2/SHASUMS256.txt).
  $NodeSha256 = 'dc3700fdd57a63eedb8fd7e3c7baaa32e6a740a1b904167ff4204bc68ed8bf77'

  if ($HostName -notmatch '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$') { throw "-HostName must be a lowercase DNS label, not '$HostName'" }
  if ($TailscaleAuthKeySecret -and -not $KeyVault) { throw '-TailscaleAuthKeySecret needs -KeyVault NAME (the vault that holds it)' }
  if (-not $AllowedSigners -and -not $AllowUnsigned) { throw 'pass -AllowedSigners FILE (who may sign fleet commits), or -AllowUnsigned for a lab' }
  if (-not $DryRun) {
    $admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    if (-not $admin) { throw 'run it as Administrator' }
    if (-not (Get-Command git.exe -ErrorAction SilentlyContinue)) { throw 'git.exe is not on PATH: install Git for Windows first' }
  }

  $Config = Join-Path $Prefix 'config.yml'
  $Key = Join-Path $Prefix 'deploy_key'
  $RuntimeNode = Join-Path $Prefix 'runtime\node.exe'
  $Entry = Join-Path $Prefix 'agent\controller\bin\converge.js'
  $KnownHosts = Join-Path $Prefix 'known_hosts'
  $env:GIT_SSH_COMMAND = "ssh -i `"$Key`" -o IdentitiesOnly=yes -o UserKnownHostsFile=`"$KnownHosts`" -o StrictHostKeyChecking=accept-new -o BatchMode=yes"

  function Say([string]$Text) { Write-Output $Text }
  function Step([string]$Text) { Write-Output ''; Write-Output "== $Text" }
  function Invoke-Step([string]$File, [string[]]$Arguments) {
    if ($DryRun) { Say ("would run: $File " + ($Arguments -join ' ')); return }
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
  }
  # Point a junction at a new target: a new junction, then swapped in (Windows cannot rename over a directory).
  function Set-Link([string]$Link, [string]$Target) {
    if ($DryRun) { Say "would point $Link at $Target"; return }
    $new = "$Link.new"
    if (Test-Path -LiteralPath $new) { cmd.exe /c rmdir "$new" | Out-Null }
    New-Item -ItemType Junction -Path $new -Target $Target | Out-Null
    if (Test-Path -LiteralPath $Link) { cmd.exe /c rmdir "$Link" | Out-Null }
    Rename-Item -LiteralPath $new -NewName (Split-Path -Leaf $Link)
  }

  Say "converge bootstrap for $HostName from $Repo ($Branch)"
  if ($DryRun) { Say '(dry run: nothing is changed)' }

  Step '1/9 Node.js runtime'
  if ($Node) {
    $version = & $Node -p 'process.versions.node'
    $parts = $version.Split('.')
    if ([int]$parts[0] -lt 20 -or ([int]$parts[0] -eq 20 -and [int]$parts[1] -lt 19)) { throw "-Node $Node is $version, older than 20.19" }
    Set-Link (Join-Path $Prefix 'runtime') (Split-Path -Parent (Resolve-Path -LiteralPath $Node).Path)
  } else {
    $name = "node-v$NodeVersion-win-x64"
    $dest = Join-Path $Prefix "runtimes\$name"
    if (Test-Path -LiteralPath (Join-Path $dest 'node.exe')) {
      Say "Node.js $NodeVersion already installed"
    } else {
      $archive = $NodeArchive
      if (-not $archive) {
        $archive = Join-Path $env:TEMP "$name.zip"
        if ($DryRun) { Say "would download https://nodejs.org/dist/v$NodeVersion/$name.zip" }
        else { Invoke-WebRequest -UseBasicParsing -Uri "https://nodejs.org/dist/v$NodeVersion/$name.zip" -OutFile $archive }
      }
      if ($DryRun) { Say "would check that $archive has SHA256 $NodeSha256" }
      else {
        $got = (Get-FileHash -LiteralPath $archive -Algorithm SHA256).Hash.ToLowerInvariant()
        if ($got -ne $NodeSha256) { throw "$archive has SHA256 $got, not the pinned $NodeSha256: not using it" }
        $tmp = Join-Path $Prefix "runtimes\.extract-$name"
        if (Test-Path -LiteralPath $tmp) { Remove-Item -LiteralPath $tmp -Recurse -Force }
        Expand-Archive -LiteralPath $archive -DestinationPath $tmp
        Move-Item -LiteralPath (Join-Path $tmp $name) -Destination $dest
        Remove-Item -LiteralPath $tmp -Recurse -Force
      }
    }
    Set-Link (Join-Path $Prefix 'runtime') $dest
  }

  Step '2/9 deploy key'
  if (-not $DryRun) { New-Item -ItemType Directory -Force -Path $Prefix | Out-Null }
  if (Test-Path -LiteralPath $Key) { Say "keeping the deploy key $Key" }
  else { Invoke-Step 'ssh-keygen.exe' @('-q', '-t', 'ed25519', '-N', '""', '-C', "converge@$HostName", '-f', $Key) }
  # Only SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) may read the private key.
  Invoke-Step 'icacls.exe' @($Key, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F')
  if (-not $DryRun) {
    Say 'Add this deploy key (read access) to the fleet repository:'
    Say ('  ' + (Get-Content -LiteralPath "$Key.pub" -Raw).Trim())
    Say ('  fingerprint: ' + (& ssh-keygen.exe -l -f "$Key.pub"))
    Say "It also signs this host's status reports: declare it in hosts/$HostName/host.yml as"
    Say ('  agentKey: ' + (((Get-Content -LiteralPath "$Key.pub" -Raw).Trim() -split ' ')[0..1] -join ' ') + " converge@$HostName")
  }

  Step '3/9 access to the fleet repository'
  if ($DryRun) { Say "would wait (up to $Wait s) until: git ls-remote $Repo refs/heads/$Branch" }
  else {
    $waited = 0
    while ($true) {
      & git.exe ls-remote --exit-code $Repo "refs/heads/$Branch" *> $null
      if ($LASTEXITCODE -eq 0) { break }
      if ($waited -ge $Wait) { throw "no access to $Repo after $Wait s: is the deploy key added (read access) and the branch $Branch there?" }
      if ($waited -eq 0) { Say "waiting for read access to $Repo (add the key above)..." }
      Start-Sleep -Seconds 10
      $waited += 10
    }
    Say "$Repo is readable"
  }

  Step '4/9 agent'
  if ($DryRun) { Say "would fetch controller/ of $Repo ($Branch) into $Prefix\releases\<commit>, npm ci, build, keep runtime dependencies only, and point $Prefix\agent at it" }
  else {
    $releases = Join-Path $Prefix 'releases'
    New-Item -ItemType Directory -Force -Path $releases | Out-Null
    $work = Join-Path $releases ('.new-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    Invoke-Step 'git.exe' @('clone', '--quiet', '--depth', '1', '--branch', $Branch, '--no-checkout', $Repo, $work)
    Invoke-Step 'git.exe' @('-C', $work, 'sparse-checkout', 'set', '--no-cone', '/controller/', '/package.json', '/package-lock.json', '/.npmrc')
    Invoke-Step 'git.exe' @('-C', $work, 'checkout', '--quiet', $Branch)
    $commit = (& git.exe -C $work rev-parse '--short=12' HEAD).Trim()
    $release = Join-Path $releases $commit
    if (Test-Path -LiteralPath (Join-Path $release '.complete')) {
      Say "agent $commit already installed"
      Remove-Item -LiteralPath $work -Recurse -Force
    } else {
      $npm = Join-Path (Split-Path -Parent $RuntimeNode) 'npm.cmd'
      $esbuild = (& $RuntimeNode -p "require('$($work.Replace('\', '/'))/package.json').devDependencies.esbuild").Trim()
      Push-Location $work
      try {
        Invoke-Step $npm @('ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error')
        Invoke-Step $npm @('install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', "esbuild@$esbuild")
        Invoke-Step $RuntimeNode @('controller\build.mjs')
        Invoke-Step $npm @('prune', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error')
      } finally { Pop-Location }
      if (Test-Path -LiteralPath $release) { Remove-Item -LiteralPath $release -Recurse -Force }
      Move-Item -LiteralPath $work -Destination $release
      New-Item -ItemType File -Path (Join-Path $release '.complete') | Out-Null
    }
    Set-Link (Join-Path $Prefix 'agent') $release
    Get-ChildItem -LiteralPath $releases -Directory | Where-Object { $_.Name -notlike '.*' -and $_.FullName -ne $release } |
      Sort-Object LastWriteTime -Descending | Select-Object -Skip 2 | Remove-Item -Recurse -Force
  }

  Step '5/9 tailnet'
  $tsCli = Join-Path $env:ProgramFiles 'Tailscale\tailscale.exe'
  $tsJoined = $false
  if (-not $TailscaleAuthKeyFile -and -not $TailscaleAuthKeySecret) {
    if ((Test-Path -LiteralPath $tsCli) -and -not $DryRun) {
      & $tsCli status *> $null
      if ($LASTEXITCODE -eq 0) { $tsJoined = $true; Say 'already on the tailnet (no auth key given: tags left as they are)' }
    }
    if (-not $tsJoined) { Say 'skipped: no auth key given (-TailscaleAuthKeySecret NAME -KeyVault VAULT); join the tailnet by hand' }
  } else {
    if (-not (Test-Path -LiteralPath $tsCli)) {
      if ($DryRun) { Say 'would install Tailscale: msiexec /qn /i https://pkgs.tailscale.com/stable/tailscale-setup-latest-amd64.msi' }
      else {
        $msi = Join-Path $env:TEMP 'tailscale-setup.msi'
        Invoke-WebRequest -UseBasicParsing -Uri 'https://pkgs.tailscale.com/stable/tailscale-setup-latest-amd64.msi' -OutFile $msi
        Invoke-Step 'msiexec.exe' @('/qn', '/norestart', '/i', $msi)
        Remove-Item -LiteralPath $msi -Force
      }
    }
    # vars.tailscale_tags of hosts\<host>\host.yml, read with the agent's own YAML parser
    if ($DryRun) { $tags = "<vars.tailscale_tags of hosts/$HostName/host.yml>" }
    else {
      $yamlLib = (Join-Path $Prefix 'agent\node_modules\yaml').Replace('\', '/')
      $hostYml = (& git.exe -C (Join-Path $Prefix 'agent') show "HEAD:hosts/$HostName/host.yml") -join "`n"
      $tags = ($hostYml | & $RuntimeNode -e 'let t="";process.stdin.on("data",d=>t+=d).on("end",()=>{const v=(require(process.argv[1]).parse(t)||{}).vars?.tailscale_tags??[];if(!Array.isArray(v)||v.some(x=>!/^tag:[A-Za-z0-9-]+$/.test(String(x)))){console.error("vars.tailscale_tags must be a list of tag:NAME");process.exit(2)}process.stdout.write(v.join(","))})' $yamlLib)
      if ($LASTEXITCODE -ne 0) { throw "cannot read vars.tailscale_tags of hosts/$HostName/host.yml" }
    }
    $authKey = $TailscaleAuthKeyFile
    if ($TailscaleAuthKeySecret) {
      $authKey = Join-Path $Prefix '.tailscale-auth-key'
      if ($DryRun) { Say "would read Key Vault secret $TailscaleAuthKeySecret of $KeyVault with az into $authKey (SYSTEM and Administrators only)" }
      else {
        # an empty file locked to SYSTEM and Administrators first; the key goes only into it, never into an argument
        New-Item -ItemType File -Force -Path $authKey | Out-Null
        Invoke-Step 'icacls.exe' @($authKey, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F')
        $value = & az keyvault secret show --vault-name $KeyVault --name $TailscaleAuthKeySecret --query value -o tsv
        if ($LASTEXITCODE -ne 0) { Remove-Item -LiteralPath $authKey -Force; throw "could not read $TailscaleAuthKeySecret from Key Vault $KeyVault with az" }
        [IO.File]::WriteAllText($authKey, ($value -join ''), (New-Object Text.UTF8Encoding $false))
        Remove-Variable value
      }
    }
    $up = @('up', '--reset', '--unattended', "--auth-key=file:$authKey", "--hostname=$HostName")
    if ($tags) { $up += "--advertise-tags=$tags" }
    try { Invoke-Step $tsCli $up }
    finally { if ($TailscaleAuthKeySecret -and -not $DryRun) { Remove-Item -LiteralPath $authKey -Force -ErrorAction SilentlyContinue } }
    $tsJoined = $true
    Say "on the tailnet as $HostName with $tags"
  }

  Step '6/9 config'
  function Quote([string]$Value) { "'" + $Value.Replace("'", "''") + "'" }
  $lines = @(
    '# Written by scripts/bootstrap/windows.ps1; running it again rewrites this file.',
    "host: $(Quote $HostName)",
    "repo: $(Quote $Repo)",
    "branch: $(Quote $Branch)",
    "statusBranch: $(Quote $StatusBranch)"
  )
  if ($StatusRepo) { $lines += "statusRepo: $(Quote $StatusRepo)" }
  $lines += "stateDir: $(Quote $StateDir.Replace('\', '/'))"
  # The deploy key also signs this host's status reports (agentKey: in hosts/<host>/host.yml).
  $lines += "signingKey: $(Quote $Key.Replace('\', '/'))"
  $lines += 'trust:'
  if ($AllowedSigners) {
    $signers = Join-Path $Prefix 'allowed_signers'
    if (-not $DryRun) { Copy-Item -LiteralPath $AllowedSigners -Destination $signers -Force }
    $lines += "  allowedSigners: $(Quote $signers.Replace('\', '/'))"
  } else {
    $lines += '  allowUnsigned: true   # lab only: every start logs this loudly'
  }
  if ($DryRun) { Say "would write ${Config}:"; $lines | ForEach-Object { Say "    | $_" } }
  else {
    $tmp = "$Config.new"
    [IO.File]::WriteAllText($tmp, ($lines -join "`n") + "`n", (New-Object Text.UTF8Encoding $false))
    Move-Item -LiteralPath $tmp -Destination $Config -Force
    Say "wrote $Config"
  }

  Step '7/9 service'
  Invoke-Step $RuntimeNode @($Entry, 'install-service', '--config', $Config, '--node', $RuntimeNode, '--entry', $Entry, '--no-start')

  Step '8/9 first converge (secrets-sync: env files from Key Vault)'
  $firstCode = 0
  if ($DryRun) { Say "would run: $RuntimeNode $Entry agent --once --config $Config" }
  else {
    & $RuntimeNode $Entry agent --once --config $Config
    $firstCode = $LASTEXITCODE
    if ($firstCode -eq 0) { Say 'first converge: done' } else { Say "first converge: exit code $firstCode (the service retries)" }
  }

  Step '9/9 health check'
  if ($DryRun) { Say 'would check: tailscale status, and the exit code of the first converge' }
  else {
    $healthy = $firstCode -eq 0
    if ($tsJoined) {
      & $tsCli status *> $null
      if ($LASTEXITCODE -eq 0) { Say 'tailnet: up' } else { Say 'tailnet: DOWN (tailscale status failed)'; $healthy = $false }
    }
    if ($firstCode -eq 0) { Say 'converge: converged, checks passed' } else { Say "converge: exit code $firstCode" }
    if ($healthy) { Say "healthy: $HostName" } else { Say "not healthy yet: $HostName (the agent keeps converging; converge status shows its reports)" }
  }
  if (-not $NoStart) { Invoke-Step $RuntimeNode @($Entry, 'install-service', '--config', $Config, '--node', $RuntimeNode, '--entry', $Entry) }
  Say "done: $HostName converges from $Repo; logs: $Prefix\logs"
}

Main @args
