// Read and validate the agent's config file.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseYamlFile } from '../manifest/yaml.js';
import { zodDiagnostics } from '../manifest/zod-diagnostics.js';
import { ManifestError } from '../manifest/diagnostics.js';
import { AgentConfig } from './config-schema.js';
import { StatusStoreConfig } from './status-config.js';
import { ConvergeError, messageOf } from '../platform/errors.js';
import { defaultStateDir } from '../engine/context.js';

/** The default config path on this OS. */
export function defaultConfigPath(): string {
  return process.platform === 'win32' ? 'C:/ProgramData/converge/config.yml' : '/etc/converge/config.yml';
}

/** Load `file`; throws ManifestError (file:line:column) for a bad config. Relative paths in it are relative to its folder. */
export function loadConfig(file: string): AgentConfig {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new ConvergeError('not-found', `cannot read the agent config ${file}: ${messageOf(error)}`, { cause: error });
  }
  const { yaml, diagnostics } = parseYamlFile(file, bytes);
  if (!yaml) throw new ManifestError(diagnostics);
  const parsed = AgentConfig.safeParse(yaml.value ?? {}, { reportInput: true });
  if (!parsed.success) {
    throw new ManifestError(zodDiagnostics(parsed.error, yaml, [], { what: 'the agent config', knownKeys: (p) => keysAt(p) }));
  }
  const dir = path.dirname(path.resolve(file));
  const abs = (p: string | undefined) => (p === undefined || /^[a-z]+:\/\//i.test(p) || path.isAbsolute(p) ? p : path.resolve(dir, p));
  const c = parsed.data;
  return {
    ...c,
    stateDir: abs(c.stateDir),
    root: abs(c.root)!,
    signingKey: abs(c.signingKey),
    trust: { ...c.trust, allowedSigners: abs(c.trust.allowedSigners), gpgKeyring: abs(c.trust.gpgKeyring) },
    secrets: c.secrets && { ...c.secrets, file: abs(c.secrets.file), certificateFile: abs(c.secrets.certificateFile) },
    status: c.status && { ...c.status, sasFile: abs(c.status.sasFile), accountKeyFile: abs(c.status.accountKeyFile), certificateFile: abs(c.status.certificateFile), signingKey: abs(c.status.signingKey), pointerSasFile: abs(c.status.pointerSasFile) },
    github: c.github && { ...c.github, tokenFile: abs(c.github.tokenFile), app: c.github.app && { ...c.github.app, privateKeyFile: abs(c.github.app.privateKeyFile)! } },
  };
}

function keysAt(p: PropertyKey[]): string[] {
  const shapes: Record<string, Record<string, unknown>> = {
    '': AgentConfig.shape,
    trust: { allowedSigners: 1, gpgKeyring: 1, allowUnsigned: 1 },
    secrets: { keyVault: 1, credential: 1, clientId: 1, tenantId: 1, certificateFile: 1, file: 1 },
    github: { repository: 1, tokenFile: 1, app: 1, apiUrl: 1 },
    'github.app': { id: 1, installationId: 1, privateKeyFile: 1 },
    status: StatusStoreConfig.shape,
  };
  return Object.keys(shapes[p.slice(0, 2).join('.')] ?? shapes[String(p[0] ?? '')] ?? {});
}

/**
 * The state directory a config means: its own, or under a sandbox root the
 * root's var/lib/converge, so a lab config never writes to the real machine.
 */
export function configStateDir(config: Pick<AgentConfig, 'stateDir' | 'root'>): string {
  return config.stateDir ?? defaultStateDir(config.root, 'linux');
}
