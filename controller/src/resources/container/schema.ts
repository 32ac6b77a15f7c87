import { z } from '../../platform/zod.js';
import { commonFields, Ensure } from '../shared/fields.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const PORT = /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(?:\d{1,5}(?:-\d{1,5})?:)?\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp|sctp))?$/;
const VOLUME = /^[^:]+:\/[^:]*(?::[a-zA-Z,]+)?$/;

/** A podman container, run by a systemd service converge generates (the unit quadlet would write). */
export const ContainerSpec = z.strictObject({
  container: z.string().regex(NAME, { error: 'a container name is letters, digits, _ . - (starting with a letter or digit)' }).describe('the container name'),
  ensure: Ensure,
  image: z.string().min(1).describe('the image, e.g. ghcr.io/berriai/litellm:main-stable'),
  pull: z.enum(['missing', 'always', 'never']).default('missing').describe('when the service starts: pull if missing (default), always, or never'),
  command: z.array(z.string()).optional().describe('arguments after the image (the command, or the entrypoint\'s arguments)'),
  entrypoint: z.string().optional(),
  ports: z.array(z.string().regex(PORT, { error: 'a port is [ip:]hostPort:containerPort[/tcp|udp], like 127.0.0.1:4000:4000' })).optional().describe('published ports, e.g. 127.0.0.1:4000:4000'),
  volumes: z.array(z.string().regex(VOLUME, { error: 'a volume is source:/path/in/container[:options], like /space/ai:/models:ro' })).optional().describe('host paths or named volumes, source:/container/path[:ro]'),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an env var name is letters, digits and _' }), z.union([z.string(), z.number(), z.boolean()])).optional().describe('environment (not for secrets: use envFiles)'),
  envFiles: z.array(z.string().min(1)).optional().describe('env files by their name in secrets-map.yml (or absolute paths); the container follows each envFile resource'),
  network: z.string().optional().describe('host, none, or a podman network'),
  user: z.string().optional().describe('user[:group] inside the container'),
  init: z.boolean().optional().describe('run a tiny init as PID 1 (forwards SIGTERM, reaps zombies)'),
  devices: z.array(z.string()).optional().describe('devices, e.g. nvidia.com/gpu=all (CDI) or /dev/dri'),
  labels: z.record(z.string(), z.string()).optional(),
  podmanArgs: z.array(z.string()).optional().describe('more podman run arguments, as a list'),
  restart: z.enum(['always', 'on-failure', 'no']).default('always').describe('systemd restarts the container: always (default), on-failure, no'),
  enabled: z.boolean().default(true).describe('started at boot'),
  running: z.boolean().default(true).describe('running now'),
  ...commonFields,
});
export type ContainerSpec = z.infer<typeof ContainerSpec>;

/** The spec after load: env files resolved to their paths. */
export type ContainerDesired = ContainerSpec & { envFilePaths?: string[] };
