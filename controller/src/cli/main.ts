// The converge command line. Each command's code is imported only when it
// runs, so `plan` does not pay for the agent's or GitHub's libraries.
import { Command, Option } from 'commander';
import { runCommand } from './run.js';
import { AGENT_VERSION } from '../platform/version.js';
import { tuneForDaemon } from '../agent/memory.js';

// `converge plan | head` closes the pipe early: stop printing, but let the command finish (an apply must not stop halfway).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

// The agent daemon lives for months: tune V8 for that before its code is loaded (bench/agent/idle-poll.ts).
if (process.argv[2] === 'agent' && !process.argv.includes('--once')) tuneForDaemon();

const program = new Command('converge')
  .description('Pull-based GitOps for a small mixed fleet: merge a PR, every device converges, drift comes back as commits.')
  .version(AGENT_VERSION)
  .showHelpAfterError('(run converge --help for usage)')
  .configureHelp({ sortSubcommands: false });

const repoOption = () => new Option('--repo <dir>', 'the fleet repository (default: the git repository around the working directory)');
const jsonOption = () => new Option('--json', 'machine-readable output');
const hostRunOptions = (cmd: Command) =>
  cmd
    .addOption(repoOption())
    .option('--root <dir>', 'put every path under DIR and never touch the real system')
    .option('--state-dir <dir>', 'inventory, backups, reports (default /var/lib/converge, or inside --root)')
    .option('--config <file>', "the agent's config: host, root, state directory, secrets")
    .addOption(new Option('--log-level <level>', 'operator log level on stderr').choices(['debug', 'info', 'warn', 'error', 'silent']).default('warn'))
    .addOption(jsonOption());

program
  .command('validate')
  .description('check every host (or one): YAML, schemas, roles, templates, ids, requires/notify, cycles')
  .addOption(repoOption())
  .option('--host <name>', 'only this host')
  .addOption(jsonOption())
  .action((flags) => runCommand(async () => (await import('./validate.js')).validateCommand(flags), { json: flags.json }));

hostRunOptions(
  program
    .command('plan')
    .description('show what would change, as a diff; exit 2 when there are changes')
    .option('--host <name>', 'the host to plan'),
).action((flags) => runCommand(async () => (await import('./plan.js')).planCommand(flags), { json: flags.json }));

hostRunOptions(
  program
    .command('apply')
    .description('converge once and write the report; exit 1 when anything failed')
    .option('--host <name>', 'the host to converge')
    .option('--detailed-exitcode', 'exit 2 when something changed')
    .option('--diff', 'show content diffs of what changed')
    .option('--lock-wait <seconds>', 'how long to wait for another converge to finish', '300'),
).action((flags) => runCommand(async () => (await import('./apply.js')).applyCommand(flags), { json: flags.json }));

const serviceOptions = (cmd: Command) =>
  cmd
    .option('--os <os>', 'the OS to install for (default: this machine; another OS only with --dry-run or --root)')
    .option('--root <dir>', 'write the files under DIR; service-manager commands are shown, not run')
    .option('--dry-run', 'print what it would do')
    .option('--config <file>', 'the agent config the service uses (default /etc/converge/config.yml, C:\\ProgramData\\converge\\config.yml)');

serviceOptions(
  program
    .command('install-service')
    .description('install (or upgrade) the agent as a service: systemd unit, LaunchDaemon, or Windows service (WinSW)')
    .option('--node <path>', 'the node executable the service runs (default: this one)')
    .option('--entry <path>', "the agent's controller/bin/converge.js (default: this CLI)")
    .option('--no-start', 'install and enable, but do not start it now')
    .option('--winsw <file>', 'Windows: a local WinSW-x64.exe 2.12.0 (checked against its pinned SHA256) instead of downloading it'),
).action((flags) => runCommand(async () => (await import('./install-service.js')).installServiceCommand(flags)));

serviceOptions(program.command('uninstall-service').description('stop and remove the agent service (config, state and agent files stay)')).action((flags) =>
  runCommand(async () => (await import('./install-service.js')).uninstallServiceCommand(flags)),
);

program
  .command('ingest')
  .description('copy new and changed files of an OS cloud folder (iCloud, OneDrive) to /space, one way, without scanning the SMB mount')
  .requiredOption('--name <name>', 'the job (icloud, onedrive): names its index and report')
  .requiredOption('--from <dir>', 'the cloud folder')
  .requiredOption('--to <dir>', 'the destination, e.g. ~/.mkt/space/devices/<host>/<user>/icloud')
  .option('--mount <dir>', 'the SMB mount the destination is on: never scanned; nothing copied while it is not mounted')
  .requiredOption('--state-dir <dir>', 'local folder for the index and the report')
  .option('--status <file>', '_status.json to put the report into after the run')
  .option('--max-files <n>', 'copy at most N files this run')
  .addOption(jsonOption())
  .action((flags) => runCommand(async () => (await import('./ingest.js')).ingestCommand(flags), { json: flags.json }));

program
  .command('agent')
  .description('the daemon: poll the fleet repository, verify and converge new commits, converge on a schedule, watch for drift, report to the status branch')
  .option('--config <file>', "the agent's config (default /etc/converge/config.yml)")
  .option('--once', 'one full cycle (pull, verify, converge, report, push), then exit: 0 ok, 1 when the run failed or the commit was refused')
  .addOption(new Option('--log-level <level>', 'operator log level on stderr').choices(['debug', 'info', 'warn', 'error', 'silent']).default('info'))
  .action((flags) => runCommand(async () => (await import('./agent.js')).agentCommand(flags)));

program
  .command('status')
  .description('the fleet as the status branch tells it: last seen, applied commit and how far behind, result, drift, failures')
  .option('--config <file>', "read the repository and branches from the agent's config")
  .option('--repo <dir-or-url>', 'the fleet repository: a URL, or a clone whose origin is used (default: the repository around the working directory)')
  .option('--branch <name>', 'the fleet branch (default main, or the config)')
  .option('--status-branch <name>', 'the status branch (default status, or the config)')
  .option('--stale-after <duration>', 'flag hosts not seen for this long (default: twice the longer of their interval and heartbeat)')
  .addOption(jsonOption())
  .action((flags) => runCommand(async () => (await import('./status.js')).statusCommand(flags), { json: flags.json }));

program
  .command('rollout')
  .description("where a commit stands in its rollout: each ring's hosts, who applied it, who holds and why, when the next ring opens")
  .option('--commit <sha>', 'the commit (default: the fleet branch head)')
  .option('--config <file>', "read the repository and branches from the agent's config")
  .option('--repo <dir-or-url>', 'the fleet repository: a URL, or a clone whose origin is used (default: the repository around the working directory)')
  .option('--branch <name>', 'the fleet branch (default main, or the config)')
  .option('--status-branch <name>', 'the status branch (default status, or the config)')
  .addOption(jsonOption())
  .action((flags) => runCommand(async () => (await import('./rollout.js')).rolloutCommand(flags), { json: flags.json }));

program
  .command('diff')
  .description('which hosts a change to the fleet touches, and how: resources added, changed, removed, with file diffs (for PR review)')
  .requiredOption('--base <ref>', 'the commit before the change (the PR base)')
  .option('--head <ref>', 'the commit after it', 'HEAD')
  .addOption(repoOption())
  .addOption(jsonOption())
  .option('--markdown', 'markdown, as the PR comment shows it')
  .option('--output <file>', 'also write that markdown to FILE (for `converge comment` in a later, privileged CI job)')
  .option('--comment <pr>', 'post it on this pull request: one comment, updated in place on every push')
  .option('--github-repo <owner/name>', 'the repository of the pull request (default: GITHUB_REPOSITORY, or the origin remote)')
  .option('--token-file <file>', 'a token with pull requests: write (default: GITHUB_TOKEN)')
  .option('--api-url <url>', 'GitHub API URL (default: GITHUB_API_URL, or https://api.github.com)')
  .option('--config <file>', "take the GitHub repository and credential from an agent config's github:")
  .option('--detailed-exitcode', 'exit 2 when a host changes')
  .action((flags) => runCommand(async () => (await import('./diff.js')).diffCommand(flags), { json: flags.json }));

program
  .command('comment')
  .description('post a diff comment rendered by `diff --markdown` (CI: the privileged job that holds the token posts what the PR job rendered)')
  .requiredOption('--pr <number>', 'the pull request (from the trusted event, never from the rendered file)')
  .requiredOption('--body-file <file>', 'the markdown `converge diff --markdown` wrote')
  .option('--github-repo <owner/name>', 'the repository of the pull request (default: GITHUB_REPOSITORY, or the origin remote)')
  .option('--token-file <file>', 'a token with pull requests: write (default: GITHUB_TOKEN)')
  .option('--api-url <url>', 'GitHub API URL (default: GITHUB_API_URL, or https://api.github.com)')
  .action((flags) => runCommand(async () => (await import('./comment.js')).commentCommand(flags)));

program
  .command('schema')
  .description('write the JSON Schemas of host.yml, resource files, secrets-map.yml and the agent config')
  .addOption(repoOption())
  .option('--out <dir>', 'where to write them (default controller/schema/ of the repository)')
  .option('--check', 'exit 1 when the written schemas are out of date')
  .action((flags) => runCommand(async () => (await import('./schema.js')).schemaCommand(flags)));

const importCommand = program.command('import').description('adopt what already exists as manifests');
importCommand
  .command('host')
  .description('read this machine (files under paths, units, packages, accounts) into hosts/<name>/imported.yml + files/, so a plan right after shows no change; secrets are listed, not copied')
  .requiredOption('--host <name>', 'the host folder to write')
  .option('--paths <list>', 'comma-separated files and directories to import (recursively; links as links)')
  .option('--units <list>', 'comma-separated systemd units and timers (their files and enabled state)')
  .option('--packages', 'the packages installed by hand (apt-mark showmanual)')
  .option('--users', 'local accounts and groups (ids 1000 and up; passwords are never read)')
  .option('--root <dir>', 'read the machine under DIR (a mounted image) instead of /')
  .addOption(repoOption())
  .action((flags) => runCommand(async () => (await import('./import-host.js')).importHostCommand(flags)));
importCommand
  .command('ansible <role-dir>')
  .description('convert an Ansible role into hosts/_roles/NAME/role.yml (templates and files copied verbatim); lists every task it could not convert, with file:line and why')
  .option('--into <dir>', 'the role folder to write (default hosts/_roles/<role name>)')
  .addOption(repoOption())
  .addOption(jsonOption())
  .action((roleDir: string, flags) => runCommand(async () => (await import('./import-ansible.js')).importAnsibleCommand(roleDir, flags), { json: flags.json }));

program
  .command('demo')
  .description('the whole loop on the example fleet, in a sandbox: nothing outside a temp folder is touched')
  .addOption(repoOption())
  .option('--host <name>', 'which example host', 'motoko')
  .option('--keep', 'keep the sandbox folder afterwards')
  .action((flags) => runCommand(async () => (await import('./demo.js')).demoCommand(flags)));

await program.parseAsync(process.argv);
