import { z } from '../../platform/zod.js';
import { commonFields } from '../shared/fields.js';

/** An existing Windows service: how it starts, and whether it runs. */
export const WindowsServiceSpec = z.strictObject({
  windowsService: z.string({ error: 'must be the service name (Get-Service shows it), like vllm' }).regex(/^[A-Za-z0-9_.$ -]{1,256}$/, { error: 'must be a service name: letters, digits, space, _ . - $' }),
  startMode: z.enum(['automatic', 'delayed', 'manual', 'disabled']).optional().describe('automatic, delayed (automatic, delayed start), manual or disabled'),
  running: z.boolean().optional(),
  ...commonFields,
});
export type WindowsServiceSpec = z.infer<typeof WindowsServiceSpec>;
