import { z } from '../../platform/zod.js';
import { commonFields } from '../shared/fields.js';
import { Refresh } from '../unit/schema.js';

/**
 * A service that exists on the host (installed by a package, or a `unit`):
 * whether it starts at boot, runs now, or is masked; the usual target of
 * `notify`. The fields mean the same on every OS; `masked` is systemd's.
 */
export const ServiceSpec = z
  .strictObject({
    service: z.string().min(1).describe('the service name (netdata, or netdata.service)'),
    enabled: z.boolean().optional().describe('started at boot; unmanaged when not given'),
    running: z.boolean().optional().describe('running now; unmanaged when not given'),
    masked: z.boolean().optional().describe('systemd: masked (cannot be started at all)'),
    refresh: Refresh.optional().describe('what a notify does: restart (default) or reload where the service can (else restart)'),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (spec.masked && (spec.running || spec.enabled)) {
      ctx.addIssue({ code: 'custom', path: ['masked'], message: 'a masked service can be neither enabled nor running' });
    }
  });
export type ServiceSpec = z.infer<typeof ServiceSpec>;

/** The spec after load: the drop-in that makes it wait for the mounts it requires. */
export type ServiceDesired = ServiceSpec & { mountsDropIn?: string };
