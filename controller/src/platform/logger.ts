// Operator logs: pino, one child per component, a metadata object and a fixed
// message. Every line passes the scrubber before it is written.
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Scrubber } from './scrubber.js';

export type { Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** File descriptor or path; stderr by default so stdout stays the command's output. */
  destination?: number | string;
  scrubber?: Scrubber;
}

/** Fields that hold secrets by their name, wherever a caller puts them (one level deep too); values the scrubber knows are removed from every line besides. */
const REDACTED = ['password', 'token', 'secret', 'value', 'values', 'accessToken', 'authorization', 'clientSecret', 'secrets']
  .flatMap((key) => [key, `*.${key}`])
  .concat(['*.headers.authorization', '*.headers.cookie']);

/** The root logger of a process. Use `.child({ component })` per concern. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const scrubber = options.scrubber;
  return pino(
    {
      level: options.level ?? 'warn',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(scrubber ? { hooks: { streamWrite: (line: string) => scrubber.scrub(line) } } : {}),
      redact: { paths: REDACTED, censor: '(secret)' },
    },
    pino.destination({ dest: options.destination ?? 2, sync: true }),
  );
}

/** A logger that writes nothing (library use, tests of pure logic). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
