// Every command runs through here: bad input becomes a clear message and exit
// 1, never a stack trace; only a bug in converge shows one (with CONVERGE_DEBUG=1).
import process from 'node:process';
import { ManifestError, formatDiagnostic } from '../manifest/diagnostics.js';
import { ConvergeError } from '../platform/errors.js';

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
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`converge: internal error: ${message}\n`);
      if (process.env.CONVERGE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
      else process.stderr.write('(set CONVERGE_DEBUG=1 to see where it happened, and please report it)\n');
    }
  }
  process.exitCode = code;
}
