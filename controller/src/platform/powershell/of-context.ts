// Providers get the run's PowerShell host through their Context: started on
// first use, kept in the run's cache, closed when the run ends.
import type { Context } from '../../resources/types.js';
import { ConvergeError } from '../errors.js';
import { PowerShellSession } from './session.js';

const KEY = 'platform:powershell';

interface Holder {
  session: Promise<PowerShellSession>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The PowerShell host of this run (Windows hosts only; never under --root). */
export function powershell(ctx: Pick<Context, 'cache' | 'runner' | 'log' | 'sandboxed' | 'host'>): Promise<PowerShellSession> {
  if (ctx.sandboxed) throw new ConvergeError('unsupported', 'PowerShell is not used under --root: Windows changes are shown, not made');
  if (ctx.runner.os !== 'windows') throw new ConvergeError('unsupported', `${ctx.host.name} is a ${ctx.host.os} host; PowerShell is for Windows hosts`);
  let holder = ctx.cache.get(KEY) as Holder | undefined;
  if (!holder) {
    const session = PowerShellSession.start(ctx.runner, ctx.log.child({ component: 'powershell' }));
    session.catch(() => undefined);
    holder = {
      session,
      async [Symbol.asyncDispose]() {
        const s = await session.catch(() => null);
        await s?.close();
      },
    };
    ctx.cache.set(KEY, holder);
  }
  return holder.session;
}
