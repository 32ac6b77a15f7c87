// Each secret is read once per run, however many env files use it; a backend
// that is down is asked once per run, not once per secret (the run's cache
// lives in the run's Context, so a long-running agent reads fresh values on
// every run and sees a rotation).
import type { Context } from '../resources/types.js';
import { ConvergeError } from '../platform/errors.js';

const VALUES = 'secrets:values';
const DOWN = 'secrets:down';

/** The value of secret `name` for this run. Rejects with the backend's error (never a value). */
export function readSecret(ctx: Pick<Context, 'cache' | 'secrets'>, name: string): Promise<string> {
  let values = ctx.cache.get(VALUES) as Map<string, Promise<string>> | undefined;
  if (!values) ctx.cache.set(VALUES, (values = new Map()));
  const known = values.get(name);
  if (known) return known;
  const down = ctx.cache.get(DOWN) as ConvergeError | undefined;
  const read = down
    ? Promise.reject(new ConvergeError('transient', `secret '${name}' not read: ${down.message}`, { cause: down }))
    : ctx.secrets.get(name).catch((error: unknown) => {
        if (error instanceof ConvergeError && error.reason === 'transient' && !ctx.cache.has(DOWN)) ctx.cache.set(DOWN, error);
        throw error;
      });
  read.catch(() => undefined); // read now, awaited later (prefetch): never an unhandled rejection
  values.set(name, read);
  return read;
}
