import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';
import { textSourceFields, textSourceIssues } from '../shared/text-source.js';
import { isUnitName } from '../shared/systemd/names.js';

/** How a notify refreshes a unit: restart it, or reload it where it can reload (else restart). */
export const Refresh = z.enum(['restart', 'reload']);

/** A systemd unit (service, timer, socket, path, mount, target…) written to /etc/systemd/system. */
export const UnitSpec = z
  .strictObject({
    unit: z.string().refine(isUnitName, { error: 'must be a unit name with its type, like space-mirror.timer or backup.service' }).describe('the unit name, with its type'),
    ensure: Ensure,
    ...textSourceFields,
    enabled: z.boolean().optional().describe('started at boot (systemctl enable); unmanaged when not given'),
    running: z.boolean().optional().describe('running now (a timer: armed); unmanaged when not given'),
    refresh: Refresh.optional().describe('what a notify does: restart (default) or reload'),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    for (const issue of textSourceIssues(spec, spec.ensure !== 'absent')) ctx.addIssue({ code: 'custom', ...issue });
  });
export type UnitSpec = z.infer<typeof UnitSpec>;
