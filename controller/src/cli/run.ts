// Every command runs through here: bad input becomes a clear message and exit
// 1, never a stack trace; only a bug in converge shows one (with CONVERGE_DEBUG=1).
import process from 'node:process';
import { ManifestError, formatDiagnostic } from '../manifest/diagnostics.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { ConvergeError, describeError, isSystemError } from '../platform/errors.js';

/** Run a command body and exit with its code. With `json`, a failure is also a JSON object on stdout, so `--json | jq` always has a document to read. */
export async function runCommand(body: () => Promise<number>, options: { json?: boolean } = {}): Promise<void> {
  let code: number;
  try {
    code = await body();
  } catch (error) {
    code = 1;
    let message: string;
    let diagnostics: Diagnostic[] = [];
    if (error instanceof ManifestError) {
      diagnostics = error.diagnostics;
      message = `${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}`;
      for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    } else if (error instanceof ConvergeError) {
      message = error.message;
      process.stderr.write(`converge: ${message}\n`);
    } else if (isSystemError(error)) {
      // The machine refused (permissions, a file where a folder should be, a read-only disk): the operator's to fix, not a bug.
      message = describeError(error);
      process.stderr.write(`converge: ${message}\n`);
    } else {
      message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      process.stderr.write(`converge: ${message}\n`);
      if (process.env.CONVERGE_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
      else process.stderr.write('(set CONVERGE_DEBUG=1 to see where it happened, and please report it)\n');
    }
    if (options.json) process.stdout.write(JSON.stringify({ ok: false, error: message, diagnostics }, null, 2) + '\n');
  }
  process.exitCode = code;
}
