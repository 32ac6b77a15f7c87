// Every command runs through here: bad input becomes a clear message and exit
// 1, never a stack trace; only a bug in converge shows one (with CONVERGE_DEBUG=1).
import process from 'node:process';
import { ManifestError, formatDiagnostic } from '../manifest/diagnostics.js';
import { ConvergeError, describeError, isSystemError } from '../platform/errors.js';

/** Run a command body and exit with its code. */
export async function runCommand(body: () => Promise<number>): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    code = 1;
    if (error instanceof ManifestError) {
      for (const d of error.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    } else if (error instanceof ConvergeError) {
      process.stderr.write(`converge: ${error.message}\n`);
    } else if (isSystemError(error)) {
      // The machine refused (permissions, a file where a folder should be, a read-only disk): the operator's to fix, not a bug.
      process.stderr.write(`converge: ${describeError(error)}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`converge: internal error: ${message}\n`);
      if (process.env.CONVERGE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
      else process.stderr.write('(set CONVERGE_DEBUG=1 to see where it happened, and please report it)\n');
    }
  }
  process.exitCode = code;
}
