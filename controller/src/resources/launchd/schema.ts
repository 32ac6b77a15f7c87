import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';

const CalendarEntry = z.strictObject({
  minute: z.number().int().min(0).max(59).optional(),
  hour: z.number().int().min(0).max(23).optional(),
  day: z.number().int().min(1).max(31).optional(),
  weekday: z.number().int().min(0).max(7).optional().describe('0 and 7 are Sunday'),
  month: z.number().int().min(1).max(12).optional(),
});

/** A launchd job: a LaunchDaemon (system domain) or a per-user LaunchAgent (the user's gui domain). */
export const LaunchdSpec = z.strictObject({
  launchd: z.string({ error: 'must be the job label, like dev.converge.ingest' }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'a label is letters, digits, . _ - (reverse DNS, like dev.converge.ingest)' }),
  ensure: Ensure,
  scope: z.enum(['daemon', 'agent']).default('daemon').describe('daemon: /Library/LaunchDaemons, system domain; agent: ~/Library/LaunchAgents of user, gui/<uid> domain'),
  user: z.string().regex(/^[a-z_][a-z0-9_.-]*$/, { error: 'user must be a macOS short user name' }).optional().describe("agent: whose (default the host's vars.user); daemon: the UserName it runs as"),
  group: z.string().optional().describe('daemon: the GroupName it runs as'),
  program: z.array(z.string().min(1)).min(1, { error: 'program needs at least the executable' }).describe('ProgramArguments: the executable and its arguments (~ expands to the user home)'),
  workingDirectory: z.string().optional(),
  environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
  runAtLoad: z.boolean().optional(),
  keepAlive: z.union([z.boolean(), z.strictObject({ successfulExit: z.boolean().optional(), crashed: z.boolean().optional(), networkState: z.boolean().optional() })]).optional(),
  startInterval: z.number().int().positive().optional().describe('run every N seconds'),
  startCalendarInterval: z.union([CalendarEntry, z.array(CalendarEntry).min(1)]).optional(),
  watchPaths: z.array(z.string()).optional().describe('run when one of these paths changes'),
  throttleInterval: z.number().int().min(0).optional().describe('seconds launchd waits before respawning'),
  standardOutPath: z.string().optional(),
  standardErrorPath: z.string().optional(),
  processType: z.enum(['Background', 'Standard', 'Adaptive', 'Interactive']).optional(),
  lowPriorityIO: z.boolean().optional(),
  nice: z.number().int().min(-20).max(20).optional(),
  extra: z.record(z.string(), z.unknown()).optional().describe('any other launchd.plist keys, as written'),
  enabled: z.boolean().default(true).describe('false: the plist is kept but the job is booted out'),
  ...commonFields,
});
export type LaunchdSpec = z.infer<typeof LaunchdSpec>;
