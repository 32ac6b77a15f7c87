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
