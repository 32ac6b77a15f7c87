// Who converge is on GitHub: a fine-grained token read from a file, or a
// GitHub App installation (a JWT signed with the App's key, exchanged for
// short-lived installation tokens by @octokit/auth-app). Errors name the file,
// never its content.
import { readFile } from 'node:fs/promises';
import type { GithubConfig } from '../agent/config-schema.js';
import { ConvergeError, messageOf } from '../platform/errors.js';

/** How to authenticate, resolved from files. */
export type GitHubAuth =
  | { kind: 'token'; token: string; source: string }
  | { kind: 'app'; appId: number | string; installationId: number; privateKey: string; source: string };

/** Read the token file or the App's private key named by the config. */
export async function readGitHubAuth(config: Pick<GithubConfig, 'tokenFile' | 'app'>): Promise<GitHubAuth> {
  if (config.app) {
    const privateKey = await readSecretFile(config.app.privateKeyFile, 'the GitHub App private key');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
      throw new ConvergeError('invalid-input', `${config.app.privateKeyFile} is not a PEM private key (download it from the App's settings: Private keys)`);
    }
    return { kind: 'app', appId: config.app.id, installationId: config.app.installationId, privateKey, source: `GitHub App ${config.app.id} installation ${config.app.installationId}` };
  }
  if (config.tokenFile) {
    const token = (await readSecretFile(config.tokenFile, 'the GitHub token')).trim();
    if (!token) throw new ConvergeError('invalid-input', `${config.tokenFile} is empty: put a fine-grained token in it`);
    if (/\s/.test(token)) throw new ConvergeError('invalid-input', `${config.tokenFile} must hold only the token, on one line`);
    return { kind: 'token', token, source: `token file ${config.tokenFile}` };
  }
  throw new ConvergeError('invalid-input', 'github: needs tokenFile or app');
}

/** A token from the environment (GitHub Actions' GITHUB_TOKEN), for `converge diff --comment`. */
export function tokenFromEnv(env: NodeJS.ProcessEnv = process.env): GitHubAuth | null {
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  return token ? { kind: 'token', token, source: env.GITHUB_TOKEN ? 'GITHUB_TOKEN' : 'GH_TOKEN' } : null;
}

async function readSecretFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConvergeError('not-found', `cannot read ${what} from ${file}: ${messageOf(error).replace(/^.*?: /, '')}`, { cause: error });
  }
}
