// What an agent does at start with an upgrade left in upgrade/pending: kill -9
// can stop the old agent anywhere, so the links, not the process, say how far
// it got. Pending is written before the switch; the links switch by rename.
import type { Pending } from './pending.js';

export type Reconciled =
  /** Nothing under way. */
  | { kind: 'none' }
  /** The links still point at the release the upgrade started from: the switch never happened. Clear it; the commit is tried again. */
  | { kind: 'retry'; pending: Pending }
  /** This is the new release: it confirms once it has applied the commit and recorded the report. */
  | { kind: 'confirm-after-apply'; pending: Pending }
  /** This is the new release and the commit is applied already (it died before confirming): confirm now. */
  | { kind: 'confirm-now'; pending: Pending }
  /** The links point elsewhere (the guard is switching, or someone changed them by hand): leave it to the guard. */
  | { kind: 'leave'; pending: Pending };

/** Decide from the pending upgrade, where the agent link points, which release is running, and the commit in force. */
export function reconcile(pending: Pending | null, link: string | null, running: string, applied: string | null): Reconciled {
  if (!pending) return { kind: 'none' };
  if (link === pending.from) return { kind: 'retry', pending };
  if (link === pending.to && running === pending.to) return applied === pending.commit ? { kind: 'confirm-now', pending } : { kind: 'confirm-after-apply', pending };
  return { kind: 'leave', pending };
}
