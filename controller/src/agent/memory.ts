// The agent is a long-lived process that mostly waits: after a run, give the
// memory the run used back at once instead of whenever V8 gets to it, so the
// resident size between runs stays near the code's own footprint.
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | null | undefined;

/**
 * Tune V8 for a process that allocates little between long waits: keep the young
 * generation at its initial size, and do not compile optimised code (the agent's
 * work is git and the filesystem, not JavaScript). Call before loading the agent.
 */
export function tuneForDaemon(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--no-opt');
}

/** A full garbage collection (V8's own gc(), made reachable without --expose-gc). */
export function releaseMemory(): void {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  collect?.();
}
