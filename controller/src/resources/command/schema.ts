import { z } from '../../platform/zod.js';
import { commonFields, HostPath } from '../shared/fields.js';
import { DurationText as Duration } from '../../platform/duration.js';

/** A command run when its guards say it is needed (Puppet's exec). */
export const CommandSpec = z
  .strictObject({
    command: z.string().min(1).describe('a name for it (its id is command:<name>), or the command itself when run is not given'),
    run: z.string().min(1).optional().describe('the script: /bin/sh -c on Linux and macOS, PowerShell on Windows'),
    creates: HostPath.optional().describe('in sync when this path exists; it must exist after a run'),
    unless: z.string().min(1).optional().describe('in sync when this check exits 0'),
    onlyIf: z.string().min(1).optional().describe('run only when this check exits 0'),
    refreshOnly: z.boolean().optional().describe('run only when notified by a resource that changed'),
    timeout: Duration.default('5m').describe('how long it may run (default 5m)'),
    cwd: HostPath.optional().describe('working directory'),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an env var name is letters, digits and _' }), z.string()).optional(),
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    if (!spec.creates && !spec.unless && !spec.onlyIf && !spec.refreshOnly) {
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        message: 'without creates, unless, onlyIf or refreshOnly this command would run at every converge and never be in sync; add a guard',
      });
    }
  });
export type CommandSpec = z.infer<typeof CommandSpec>;
