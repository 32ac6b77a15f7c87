// The agent on Windows: node.exe cannot answer the service control manager,
// so a small, pinned, hash-checked service host runs it: WinSW 2.12.0 (x64),
// renamed converge-agent.exe, configured by converge-agent.xml beside it.
// LocalSystem (WinSW's default account), delayed automatic start, restart on
// failure with growing delays, logs rolled by size under %ProgramData%\converge\logs.
import type { AgentCommand } from './definition.js';
import { NODE_FLAGS } from './definition.js';
import type { Step } from './steps.js';
import { xmlEscape } from '../../resources/scheduled-task/xml.js';

export const WINSW = {
  version: '2.12.0',
  url: 'https://github.com/winsw/winsw/releases/download/v2.12.0/WinSW-x64.exe',
  sha256: '05b82d46ad331cc16bdc00de5c6332c1ef818df8ceefcd49c726553209b3a0da',
} as const;

export const SERVICE_ID = 'converge-agent';
export const SERVICE_DIR = 'C:/ProgramData/converge/service';
export const SERVICE_EXE = `${SERVICE_DIR}/${SERVICE_ID}.exe`;
export const SERVICE_XML = `${SERVICE_DIR}/${SERVICE_ID}.xml`;
export const LOG_DIR = 'C:\\ProgramData\\converge\\logs';

/** Quote one argument for a Windows command line (CommandLineToArgvW rules). */
export function windowsArg(a: string): string {
  if (a && !/[\s"]/.test(a)) return a;
  return `"${a.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/** The WinSW configuration. */
export function winswXml(c: AgentCommand): string {
  const args = [...NODE_FLAGS, c.entry, 'agent', '--config', c.config].map(windowsArg).join(' ');
  return [
    '<!-- Managed by converge install-service; converge uninstall-service removes it. -->',
    '<service>',
    `  <id>${SERVICE_ID}</id>`,
    '  <name>converge agent</name>',
    '  <description>Pulls the fleet repository, converges this machine, reports to the status branch.</description>',
    `  <executable>${xmlEscape(c.node)}</executable>`,
    `  <arguments>${xmlEscape(args)}</arguments>`,
    '  <startmode>Automatic</startmode>',
    '  <delayedAutoStart>true</delayedAutoStart>',
    '  <onfailure action="restart" delay="10 sec"/>',
    '  <onfailure action="restart" delay="60 sec"/>',
    '  <onfailure action="restart" delay="300 sec"/>',
    '  <resetfailure>1 hour</resetfailure>',
    '  <stoptimeout>60 sec</stoptimeout>',
    '  <env name="NODE_ENV" value="production"/>',
    ...Object.entries(c.env ?? {}).map(([k, v]) => `  <env name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`),
    `  <logpath>${xmlEscape(LOG_DIR)}</logpath>`,
    '  <log mode="roll-by-size">',
    '    <sizeThreshold>10240</sizeThreshold>',
    '    <keepFiles>8</keepFiles>',
    '  </log>',
    '</service>',
    '',
  ].join('\n');
}

/**
 * Steps to install (or upgrade). `winsw` is a local copy of the pinned
 * executable (checked against its SHA256 before use); `installed` says
 * whether the service exists already (then WinSW refreshes its settings).
 */
export function winswInstall(c: AgentCommand, winsw: string, installed: boolean, start: boolean): Step[] {
  const exe = SERVICE_EXE.replace(/\//g, '\\');
  return [
    ...protectProgramData(),
    { kind: 'dir', path: LOG_DIR.replace(/\\/g, '/') },
    { kind: 'verified-copy', from: winsw, path: SERVICE_EXE, sha256: WINSW.sha256 },
    { kind: 'file', path: SERVICE_XML, content: winswXml(c) },
    installed
      ? { kind: 'command', argv: [exe, 'refresh'], why: 'apply the new settings to the existing service', manager: true }
      : { kind: 'command', argv: [exe, 'install'], why: 'register the service (LocalSystem, delayed start)', manager: true },
    ...(start ? [{ kind: 'command' as const, argv: [exe, installed ? 'restart' : 'start'], why: installed ? 'restart it on the new version' : 'start it', manager: true }] : []),
  ];
}

/** Where the agent keeps its state, configuration, keys and drive files. */
export const PROGRAM_DATA_DIR = 'C:\\ProgramData\\converge';

/**
 * %ProgramData%\converge for SYSTEM and Administrators only (ProgramData lets every
 * user add files to its folders; see scripts/bootstrap/windows.ps1, which also
 * refuses a folder someone else created first). Windows propagates the new
 * inheritable entries to what is inside.
 */
export function protectProgramData(): Step[] {
  const why = 'leave %ProgramData%\\converge to SYSTEM and Administrators (no inherited BUILTIN\\Users entries)';
  return [
    { kind: 'command', argv: ['icacls.exe', PROGRAM_DATA_DIR, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F'], why, manager: true },
    { kind: 'command', argv: ['icacls.exe', PROGRAM_DATA_DIR, '/remove:g', '*S-1-5-32-545', '*S-1-5-11', '*S-1-1-0', '*S-1-3-0'], why, manager: true },
  ];
}

/** Steps to remove it. */
export function winswUninstall(): Step[] {
  const exe = SERVICE_EXE.replace(/\//g, '\\');
  return [
    { kind: 'command', argv: [exe, 'stop'], why: 'stop it', manager: true, okCodes: [0, 1] },
    { kind: 'command', argv: [exe, 'uninstall'], why: 'unregister it', manager: true, okCodes: [0, 1] },
    { kind: 'remove', path: SERVICE_XML },
    { kind: 'remove', path: SERVICE_EXE },
  ];
}
