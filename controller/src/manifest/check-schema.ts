// host.yml `checks:`: health signals run after each converge (DESIGN §4). A
// check that passed before and fails after a converge of a new commit rolls
// that converge back.
import { z } from '../platform/zod.js';
import { DurationText as Duration } from '../platform/duration.js';

const KINDS = ['unit', 'tcp', 'http', 'command'] as const;
export type CheckKind = (typeof KINDS)[number];

/** One check, as written: exactly one of unit, tcp, http, command, plus its options. */
export const HostCheck = z
  .strictObject({
    unit: z.string().min(1).optional().describe('Linux: this systemd unit is active'),
    tcp: z.union([z.number().int().min(1).max(65535), z.string().min(1)]).optional().describe('a TCP port on localhost answers (4000, or host:port)'),
    http: z.string().min(1).optional().describe('this URL answers with a 2xx status'),
    command: z.string().min(1).optional().describe('this script exits 0'),
    name: z.string().min(1).optional().describe('how reports name it (default: kind:target, like tcp:4000)'),
    timeout: Duration.optional().describe('how long one attempt may take (default 10s)'),
    within: Duration.optional().describe('keep trying for this long before it counts as failed (default 30s): services take a moment to come up'),
  })
  .superRefine((check, ctx) => {
    const given = KINDS.filter((k) => check[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: `a check is exactly one of ${KINDS.join(', ')}${given.length ? ` (this one has ${given.join(' and ')})` : ''}` });
    }
  });
export type HostCheck = z.infer<typeof HostCheck>;

/** A check after templating, ready to run. */
export interface LoadedCheck {
  name: string;
  kind: CheckKind;
  /** The unit, host:port, URL or script. */
  target: string;
  timeout: string;
  within: string;
}

/** The kind and target of a written check; throws with a message for a bad tcp target. */
export function normalizeCheck(check: HostCheck): LoadedCheck {
  const kind = KINDS.find((k) => check[k] !== undefined)!;
  let target = String(check[kind]);
  if (kind === 'tcp') target = tcpTarget(target);
  const short = kind === 'command' && target.length > 40 ? `${target.slice(0, 39)}…` : target;
  return { name: check.name ?? `${kind}:${short}`, kind, target, timeout: check.timeout ?? '10s', within: check.within ?? '30s' };
}

/** `4000` → `127.0.0.1:4000`; `host:port` kept; anything else is an error. */
function tcpTarget(written: string): string {
  if (/^\d+$/.test(written)) return `127.0.0.1:${written}`;
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(written);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`tcp is a port (4000) or host:port (127.0.0.1:4000), not '${written}'`);
  return written;
}
