// Errors carry a reason from a fixed set so callers branch on data, not on message text.

export type ErrorReason =
  | 'invalid-input'    // the user's input (flags, manifests, config) is wrong
  | 'not-found'        // a file, host or ref that was named does not exist
  | 'locked'           // another converge holds the state lock
  | 'unsupported'      // this platform or sandbox cannot do what was asked
  | 'io'               // the machine refused (permissions, disk, a command failed)
  | 'transient'        // worth retrying later (network, remote down)
  | 'rejected'         // a commit failed the trust checks
  | 'internal';        // a bug in converge

/** An error whose message is fit for an operator, with a machine-readable reason. */
export class ConvergeError extends Error {
  readonly reason: ErrorReason;
  constructor(reason: ErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConvergeError';
    this.reason = reason;
  }
}

/** The message of anything thrown, without a stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The Node.js error code (ENOENT, EACCES…) of an error, if any. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const PHRASES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ENOTDIR: 'a parent is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  ENOENT: 'no such file or directory',
  ENOTEMPTY: 'directory not empty',
  EBUSY: 'busy',
  ELOOP: 'too many levels of symbolic links',
  EXDEV: 'crosses filesystems',
};

/** Whether `error` is the machine refusing a file-system call (permission denied, a parent is not a directory…), not a bug. */
export function isSystemError(error: unknown): boolean {
  const e = error as { code?: unknown; syscall?: unknown } | null;
  return error instanceof Error && typeof e?.code === 'string' && typeof e.syscall === 'string' && PHRASES[e.code] !== undefined;
}

/**
 * An operator's message for an error: Node's file-system errors become
 * "permission denied: open /etc/x" with paths shown as the host sees them.
 */
export function describeError(error: unknown, toHostPath: (local: string) => string = (p) => p): string {
  const e = error as { code: string; syscall: string; path?: unknown } | null;
  if (isSystemError(error) && e) {
    const where = typeof e.path === 'string' ? ` ${toHostPath(e.path)}` : '';
    return `${PHRASES[e.code]} (${e.syscall}${where})`;
  }
  return messageOf(error);
}
