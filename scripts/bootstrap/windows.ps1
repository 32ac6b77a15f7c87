# converge bootstrap for Windows (Windows PowerShell 5.1, as Administrator):
# a private Node.js runtime and the npm that builds the agent (both pinned in
# the fleet repository's controller/runtime.json, downloaded from the npm
# registry, SHA-256 checked), the agent from the fleet repository's controller/
# (runtime dependencies only, switched into place),
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
# PATH), and the OpenSSH client and tar.exe that Windows 10/11 include.

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
    [string]$NpmArchive = '',
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
  # the layout of the npm package, as on Linux and macOS: runtimes\node-v<version>-win-x64\bin\node.exe
  $RuntimeNode = Join-Path $Prefix 'runtime\bin\node.exe'
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

  # %ProgramData%\converge belongs to SYSTEM and Administrators only: ProgramData's inherited
  # BUILTIN\Users (CI)(WD,AD) would let any user add files in it (a hook in the agent's clone,
  # a drive file another user's session acts on, reading backups). A folder someone else made
  # first is refused: its owner could change its ACL back at any time. The drives folder is
  # readable (not writable) by users, whose logon helper reads it.
  function Protect-Prefix {
    if (Test-Path -LiteralPath $Prefix) {
      $owner = (Get-Acl -LiteralPath $Prefix).GetOwner([System.Security.Principal.SecurityIdentifier]).Value
      if ($owner -ne 'S-1-5-18' -and $owner -ne 'S-1-5-32-544') { throw "$Prefix exists and is owned by $owner, not SYSTEM or Administrators: someone else made it; remove it and run this again" }
    } elseif (-not $DryRun) { New-Item -ItemType Directory -Force -Path $Prefix | Out-Null }
    Invoke-Step 'icacls.exe' @($Prefix, '/setowner', '*S-1-5-32-544')
    Invoke-Step 'icacls.exe' @($Prefix, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F')
    Invoke-Step 'icacls.exe' @($Prefix, '/remove:g', '*S-1-5-32-545', '*S-1-5-11', '*S-1-1-0', '*S-1-3-0')
    $drives = Join-Path $Prefix 'drives'
    if (-not $DryRun) { New-Item -ItemType Directory -Force -Path $drives | Out-Null }
    Invoke-Step 'icacls.exe' @($drives, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F', '*S-1-5-32-545:(OI)(CI)RX')
  }

  Step '0/9 %ProgramData%\converge for SYSTEM and Administrators only'
  Protect-Prefix

  Step '1/9 deploy key'
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

  Step '2/9 access to the fleet repository'
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

  # One value of runtime.json (`Get-Pin node.npm.win-x64.version`), checked against what it must look like: it goes into paths and commands.
  function Get-Pin([string]$Name) {
    $value = $Pins
    foreach ($part in $Name.Split('.')) {
      if ($null -eq $value -or -not ($value.PSObject.Properties.Name -contains $part)) { throw "controller/runtime.json of $Commit has no $Name" }
      $value = $value.$part
    }
    $pattern = switch -Regex ($Name) {
      'version$' { '^\d+\.\d+\.\d+$' }
      'sha256$' { '^[0-9a-f]{64}$' }
      'tarball$' { '^https://[A-Za-z0-9./_-]+\.tgz$' }
      default { '^[a-z0-9-]+$' }
    }
    if (-not ("$value" -cmatch $pattern)) { throw "controller/runtime.json of ${Commit}: $Name is '$value', not a $($Name.Split('.')[-1])" }
    "$value"
  }
  # Download (or take the given archive), check SHA-256, extract into runtimes\<name> (tar.exe, --strip-components=1).
  function Install-Tarball([string]$Name, [string]$Url, [string]$Want, [string]$Archive) {
    $runtimes = Join-Path $Prefix 'runtimes'
    $given = [bool]$Archive
    if (-not $given) {
      $Archive = Join-Path $runtimes ".download-$Name.tgz"
      if ($DryRun) { Say "would download $Url to $Archive" }
      else { New-Item -ItemType Directory -Force -Path $runtimes | Out-Null; Invoke-WebRequest -UseBasicParsing -Uri $Url -OutFile $Archive }
    }
    if ($DryRun -and -not (Test-Path -LiteralPath $Archive)) { Say "would check that $Archive has SHA-256 $Want" }
    else {
      $got = (Get-FileHash -LiteralPath $Archive -Algorithm SHA256).Hash.ToLowerInvariant()
      if ($got -ne $Want) { throw "$Archive has SHA-256 $got, not the pinned ${Want}: not using it" }
      Say "$Archive has the pinned SHA-256"
    }
    $tmp = Join-Path $runtimes ".extract-$Name"
    if ($DryRun) { Say "would extract it into $(Join-Path $runtimes $Name)"; return }
    if (Test-Path -LiteralPath $tmp) { Remove-Item -LiteralPath $tmp -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $tmp | Out-Null
    Invoke-Step "$env:SystemRoot\System32\tar.exe" @('-xzf', $Archive, '-C', $tmp, '--strip-components=1')
    Move-Item -LiteralPath $tmp -Destination (Join-Path $runtimes $Name)
    if (-not $given) { Remove-Item -LiteralPath $Archive -Force }
  }

  Step '3/9 Node.js runtime and npm (pinned in controller/runtime.json of the fleet repository)'
  # The fleet branch (controller/ and the lockfile only): the pin and the agent come from the same commit.
  # A dry run clones into a temporary folder when the repository is readable already, and removes it.
  $releases = Join-Path $Prefix 'releases'
  $Commit = '<commit>'
  $Pins = $null
  if ($DryRun) {
    $work = Join-Path $env:TEMP ('converge-dry-run-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    & git.exe clone --quiet --depth 1 --branch $Branch --no-checkout $Repo $work *> $null
    if ($LASTEXITCODE -ne 0) { $work = $null; Say "would read the pins from controller/runtime.json of $Repo ($Branch) once it is readable" }
  } else {
    New-Item -ItemType Directory -Force -Path $releases | Out-Null
    $work = Join-Path $releases ('.new-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    & git.exe clone --quiet --depth 1 --branch $Branch --no-checkout $Repo $work
    if ($LASTEXITCODE -ne 0) { throw "git clone $Repo failed with exit code $LASTEXITCODE" }
  }
  if ($work) {
    & git.exe -C $work sparse-checkout set --no-cone /controller/ /package.json /package-lock.json /.npmrc
    & git.exe -C $work checkout --quiet $Branch
    if ($LASTEXITCODE -ne 0) { throw "git checkout $Branch failed with exit code $LASTEXITCODE" }
    $Commit = (& git.exe -C $work rev-parse '--short=12' HEAD).Trim()
    $pinFile = Join-Path $work 'controller\runtime.json'
    if (-not (Test-Path -LiteralPath $pinFile)) { throw "$Repo ($Branch) has no controller/runtime.json: the Node.js pin comes from there" }
    $Pins = Get-Content -Raw -LiteralPath $pinFile | ConvertFrom-Json
    Say "pins: controller/runtime.json of $Commit"
  }
  if ($Node) {
    $version = & $Node -p 'process.versions.node'
    $parts = $version.Split('.')
    if ([int]$parts[0] -lt 20 -or ([int]$parts[0] -eq 20 -and [int]$parts[1] -lt 19)) { throw "-Node $Node is $version, older than 20.19" }
    if (-not $DryRun) { New-Item -ItemType Directory -Force -Path (Join-Path $Prefix 'runtime-external') | Out-Null }
    Set-Link (Join-Path $Prefix 'runtime-external\bin') (Split-Path -Parent (Resolve-Path -LiteralPath $Node).Path)
    Set-Link (Join-Path $Prefix 'runtime') (Join-Path $Prefix 'runtime-external')
  } elseif ($Pins) {
    if ($env:PROCESSOR_ARCHITECTURE -ne 'AMD64') { throw "controller/runtime.json pins Node.js for win-x64 only, not $($env:PROCESSOR_ARCHITECTURE): pass -Node PATH" }
    $version = Get-Pin 'node.npm.win-x64.version'
    $name = "node-v$version-win-x64"
    $dest = Join-Path $Prefix "runtimes\$name"
    if (Test-Path -LiteralPath (Join-Path $dest 'bin\node.exe')) { Say "Node.js $version already installed" }
    else {
      Say "Node.js ${version}: $(Get-Pin 'node.npm.win-x64.package') from the npm registry"
      Install-Tarball $name (Get-Pin 'node.npm.win-x64.tarball') (Get-Pin 'node.npm.win-x64.sha256') $NodeArchive
    }
    Set-Link (Join-Path $Prefix 'runtime') $dest
  }
  # The npm CLI that builds the agent (the Node.js packages carry none), run with the runtime's node.exe.
  $npmCli = '<the pinned npm>'
  if ($Pins) {
    $npmVersion = Get-Pin 'npm.version'
    $npmCli = Join-Path $Prefix "runtimes\npm-v$npmVersion\bin\npm-cli.js"
    if (Test-Path -LiteralPath $npmCli) { Say "npm $npmVersion already installed" }
    else {
      Say "npm $npmVersion from the npm registry"
      Install-Tarball "npm-v$npmVersion" (Get-Pin 'npm.tarball') (Get-Pin 'npm.sha256') $NpmArchive
    }
  }

  Step '4/9 agent'
  # The layout linux.sh builds, which the agent's self-upgrade reads: releases\<agent id> (12 hex of the
  # SHA-256 of `git ls-tree -r` of the agent's paths, as agent-id.ts computes it) with release.json,
  # dependencies in build\<16 hex of the lockfile's SHA-256>, the agent junction switched last.
  $agentPaths = @('controller/src', 'controller/bin', 'controller/build.mjs', 'controller/runtime.json', 'package.json', 'package-lock.json', '.npmrc')
  if (-not $work) { Say "would build the agent of $Repo ($Branch) into $releases\<agent id> with ${npmCli}: npm ci (into $Prefix\build\<lockfile hash>), build, and point $Prefix\agent at it" }
  else {
    $fullCommit = (& git.exe -C $work rev-parse HEAD).Trim()
    # the bytes sha256sum hashes on Linux: each line ending in LF
    $tree = @(& git.exe -C $work ls-tree -r HEAD -- $agentPaths)
    if ($LASTEXITCODE -ne 0) { throw "git ls-tree failed with exit code $LASTEXITCODE" }
    $treeText = if ($tree.Count) { ($tree -join "`n") + "`n" } else { '' }
    $sha = [System.Security.Cryptography.SHA256]::Create()
    $id = (-join ($sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($treeText)) | ForEach-Object { $_.ToString('x2') })).Substring(0, 12)
    $lock = (Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path $work 'package-lock.json')).Hash.ToLowerInvariant().Substring(0, 16)
    $release = Join-Path $releases $id
    $deps = Join-Path $Prefix "build\$lock"
    if ($DryRun) {
      Say "would build agent $id (commit $Commit) into $release with ${npmCli}: npm ci (into $deps, unless complete), build, release.json, and point $Prefix\agent at it"
      Remove-Item -LiteralPath $work -Recurse -Force
    } else {
      if (Test-Path -LiteralPath (Join-Path $release 'release.json')) { Say "agent $id already installed" }
      else {
        Say "building agent $id (commit $Commit)"
        $savedPath = $env:Path
        # npm scripts (esbuild's install step) run `node`: the runtime's, first on PATH
        $env:Path = (Split-Path -Parent $RuntimeNode) + ';' + $env:Path
        try {
          if (-not (Test-Path -LiteralPath (Join-Path $deps '.complete'))) {
            New-Item -ItemType Directory -Force -Path (Join-Path $Prefix 'build') | Out-Null
            $tmp = Join-Path $Prefix ('build\.deps-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
            New-Item -ItemType Directory -Path $tmp | Out-Null
            foreach ($f in @('package.json', 'package-lock.json', '.npmrc')) {
              $src = Join-Path $work $f
              if (Test-Path -LiteralPath $src) { Copy-Item -LiteralPath $src -Destination $tmp }
            }
            $esbuild = (& $RuntimeNode -p "require('$($tmp.Replace('\', '/'))/package.json').devDependencies.esbuild").Trim()
            Push-Location $tmp
            try {
              Invoke-Step $RuntimeNode @($npmCli, 'ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error')
              Invoke-Step $RuntimeNode @($npmCli, 'install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', "esbuild@$esbuild")
            } finally { Pop-Location }
            New-Item -ItemType File -Path (Join-Path $tmp '.complete') | Out-Null
            if (Test-Path -LiteralPath $deps) { Remove-Item -LiteralPath $deps -Recurse -Force }
            Move-Item -LiteralPath $tmp -Destination $deps
          }
          $build = Join-Path $releases ('.new-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
          New-Item -ItemType Directory -Path $build | Out-Null
          foreach ($p in $agentPaths) {
            $src = Join-Path $work $p
            if (-not (Test-Path -LiteralPath $src)) { continue }
            $dest = Join-Path $build $p
            New-Item -ItemType Directory -Force -Path (Split-Path -Parent $dest) | Out-Null
            Copy-Item -LiteralPath $src -Destination $dest -Recurse
          }
          $modules = Join-Path $build 'node_modules'
          New-Item -ItemType Junction -Path $modules -Target (Join-Path $deps 'node_modules') | Out-Null
          Invoke-Step $RuntimeNode @((Join-Path $build 'controller\build.mjs'))
          # the junction only, never the cache it points at
          [System.IO.Directory]::Delete($modules)
          foreach ($p in @('controller\src', 'controller\build.mjs', '.npmrc', 'package-lock.json')) {
            $gone = Join-Path $build $p
            if (Test-Path -LiteralPath $gone) { Remove-Item -LiteralPath $gone -Recurse -Force }
          }
        } finally { $env:Path = $savedPath }
        $runtimePin = if ($Pins) { Get-Pin 'node.npm.win-x64.version' } else { '' }
        $runtimeTarget = if ($Node) { 'runtime-external' } else { "runtimes/node-v$runtimePin-win-x64" }
        $info = [ordered]@{ id = $id; commit = $fullCommit; prefix = $Prefix; runtimePin = $runtimePin; runtime = $runtimeTarget; lockHash = $lock; builtAt = (Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ss.000Z') }
        [System.IO.File]::WriteAllText((Join-Path $build 'release.json'), ($info | ConvertTo-Json) + "`n")
        if (Test-Path -LiteralPath $release) { Remove-Item -LiteralPath $release -Recurse -Force }
        Move-Item -LiteralPath $build -Destination $release
      }
      Remove-Item -LiteralPath $work -Recurse -Force
      Set-Link (Join-Path $Prefix 'agent') $release
      Get-ChildItem -LiteralPath $releases -Directory | Where-Object { $_.Name -notlike '.*' -and $_.FullName -ne $release } |
        Sort-Object LastWriteTime -Descending | Select-Object -Skip 2 | Remove-Item -Recurse -Force
    }
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
