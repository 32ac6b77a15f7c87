// The systemd service that runs a container: what `podman generate systemd
// --new` writes on podman 4.3 (and quadlet on 4.4+), so a host without
// quadlet runs containers the same way. Pure: the same spec gives the same
// text, and the spec's hash is a label on the container.
import { hashOf } from '../../engine/stable-json.js';
import { quoteArg, renderUnit } from '../shared/systemd/unit-file.js';
import type { UnitSection } from '../shared/systemd/unit-file.js';
import type { ContainerDesired } from './schema.js';

export const PODMAN = '/usr/bin/podman';
export const SPEC_LABEL = 'converge.spec';

/** `container-<name>.service`, as podman generate systemd names it. */
export function containerUnitName(name: string): string {
  return `container-${name}.service`;
}

/** The hash of everything that defines the running container. */
export function specHash(spec: ContainerDesired): string {
  const { image, pull, command, entrypoint, ports, volumes, env, envFilePaths, network, user, init, devices, labels, podmanArgs } = spec;
  return hashOf({ v: 1, image, pull, command, entrypoint, ports, volumes, env, envFilePaths, network, user, init, devices, labels, podmanArgs }).slice(0, 12);
}

/** The `podman run` arguments after `run`, image and command included. */
export function runArgs(spec: ContainerDesired): string[] {
  const args = ['--cidfile=%t/%n.ctr-id', '--cgroups=no-conmon', '--rm', '--sdnotify=conmon', '-d', '--replace'];
  const add = (flag: string, value: string) => args.push(`${flag}=${value}`);
  add('--name', spec.container);
  add('--label', `${SPEC_LABEL}=${specHash(spec)}`);
  add('--pull', spec.pull);
  if (spec.network) add('--network', spec.network);
  if (spec.user) add('--user', spec.user);
  if (spec.init) args.push('--init');
  if (spec.entrypoint !== undefined) add('--entrypoint', spec.entrypoint);
  for (const p of spec.ports ?? []) add('--publish', p);
  for (const v of spec.volumes ?? []) add('--volume', v);
  for (const d of spec.devices ?? []) add('--device', d);
  for (const f of spec.envFilePaths ?? []) add('--env-file', f);
  for (const [k, v] of Object.entries(spec.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) add('--env', `${k}=${String(v)}`);
  for (const [k, v] of Object.entries(spec.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) add('--label', `${k}=${v}`);
  args.push(...(spec.podmanArgs ?? []));
  args.push(spec.image, ...(spec.command ?? []));
  return args;
}

/** Host paths the container needs mounted: bind volume sources and env files. */
export function hostPathsOf(spec: ContainerDesired): string[] {
  const sources = (spec.volumes ?? []).map((v) => v.split(':')[0]!).filter((s) => s.startsWith('/'));
  return [...new Set([...sources, ...(spec.envFilePaths ?? [])])];
}

/** The unit file text. */
export function containerUnitText(spec: ContainerDesired): string {
  const name = containerUnitName(spec.container);
  const ours = new Set(['--cidfile=%t/%n.ctr-id']);
  const exec = [PODMAN, 'run', ...runArgs(spec).map((a) => (ours.has(a) ? a : quoteArg(a)))];
  const sections: UnitSection[] = [
    [
      'Unit',
      [
        ['Description', `converge container ${spec.container}`],
        ['Wants', 'network-online.target'],
        ['After', 'network-online.target'],
        ['RequiresMountsFor', ['%t/containers', ...hostPathsOf(spec).map(quoteArg)].join(' ')],
      ],
    ],
    [
      'Service',
      [
        ['Environment', 'PODMAN_SYSTEMD_UNIT=%n'],
        ['Restart', spec.restart],
        ['TimeoutStartSec', '300'],
        ['TimeoutStopSec', '70'],
        ['ExecStartPre', '/bin/rm -f %t/%n.ctr-id'],
        ['ExecStart', exec.join(' ')],
        ['ExecStop', `${PODMAN} stop --ignore -t 10 --cidfile=%t/%n.ctr-id`],
        ['ExecStopPost', `${PODMAN} rm -f --ignore -t 10 --cidfile=%t/%n.ctr-id`],
        ['Type', 'notify'],
        ['NotifyAccess', 'all'],
        // a container stopped with SIGTERM exits 143: a clean stop, not a failure
        ['SuccessExitStatus', '143'],
      ],
    ],
    ['Install', [['WantedBy', 'multi-user.target']]],
  ];
  return renderUnit(`${name}: managed by converge (container ${spec.container}, spec ${specHash(spec)})\nedits are overwritten at the next converge`, sections);
}
