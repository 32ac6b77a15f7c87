// What must not be copied into the repository: files that look like they
// hold secrets (env files, credentials, keys). They are listed instead, with
// the secrets-map.yml entry that would render them from Key Vault.
const SECRET_NAME = /(^|[._-])(env|credentials?|secrets?|passwords?|tokens?)([._-]|$)|\.(env|key|pem|p12|pfx|cred)$|^id_(rsa|ed25519|ecdsa)$/i;
const SECRET_VAR = /(pass(word)?|secret|token|api[_-]?key|private[_-]?key|credential|auth)/i;
const PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** Why `content` at `file` looks secret, or null. */
export function secretReason(file: string, content: Buffer): string | null {
  const base = file.split('/').pop() ?? file;
  if (PRIVATE_KEY.test(content.toString('latin1'))) return 'holds a private key';
  const vars = secretVars(content);
  if (vars.length) return `sets ${vars.join(', ')}`;
  if (SECRET_NAME.test(base)) return 'is named like a secret (env file, credentials, key)';
  return null;
}

/** NAME=value lines whose name says secret (and whose value is not empty). */
export function secretVars(content: Buffer): string[] {
  const out: string[] = [];
  for (const line of content.toString('utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(\S.*)?$/.exec(line);
    if (m && m[2] && SECRET_VAR.test(m[1]!)) out.push(m[1]!);
  }
  return [...new Set(out)];
}

/** Every NAME=value variable of an env file, for its secrets-map entry. */
export function envVars(content: Buffer): string[] {
  const out: string[] = [];
  for (const line of content.toString('utf8').split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m) out.push(m[1]!);
  }
  return [...new Set(out)];
}
