// What a change to the fleet repository does to each host: per host, the
// resources added, changed and removed in its desired state, and for each
// changed role file or secrets-map.yml entry, the hosts it reaches. Pure: it
// compares two loaded snapshots.
import type { Change } from '../resources/types.js';
import type { Diagnostic } from '../manifest/diagnostics.js';
import { formatLocation } from '../manifest/diagnostics.js';
import type { LoadedHost } from '../manifest/load-host.js';
import { stableJson } from '../engine/stable-json.js';
import type { FleetSnapshot, HostSnapshot } from './snapshot.js';
import { desiredView } from './desired-view.js';
import { resourceChanges } from './resource-changes.js';
import type { RingReach } from './rollout-order.js';

export interface ResourceDiff {
  id: string;
  action: 'add' | 'change' | 'remove';
  changes: Change[];
  /** Where it is declared (head; base for a removal). */
  source: string;
}

export interface HostDiff {
  name: string;
  os: string | null;
  /** added: new folder; removed: folder gone; changed: desired state differs; invalid: does not validate at head. */
  status: 'added' | 'removed' | 'changed' | 'invalid';
  resources: ResourceDiff[];
  /** Why it is invalid at head. */
  diagnostics: Diagnostic[];
  /** What else a reader must know (the host was invalid at base, what happens to a removed host). */
  note?: string;
}

export interface Reach {
  kind: 'role' | 'envFile';
  /** The role, or the env file of secrets-map.yml. */
  name: string;
  files: string[];
  /** Every host using it (at base or head); `changes`: its desired state differs. */
  hosts: { name: string; changes: boolean }[];
}

export interface FleetDiff {
  base: { ref: string; commit: string };
  head: { ref: string; commit: string };
  /** Head validates. */
  ok: boolean;
  /** Every problem at head, file:line:column. */
  diagnostics: Diagnostic[];
  /** Hosts that change or are invalid, by name. */
  hosts: HostDiff[];
  /** Hosts whose desired state is the same at both commits. */
  unchanged: string[];
  reach: Reach[];
  /** Every file that differs between the commits. */
  files: string[];
  /** With hosts/_fleet.yml at head: the rings the change reaches, in rollout order. */
  rollout?: RingReach[];
}

/** Compare the fleet at two commits; `files` are the paths that differ between them. */
export function diffFleets(base: FleetSnapshot & { ref: string }, head: FleetSnapshot & { ref: string }, files: string[]): FleetDiff {
  const names = [...new Set([...base.hosts.keys(), ...head.hosts.keys()])].sort();
  const hosts: HostDiff[] = [];
  const unchanged: string[] = [];
  for (const name of names) {
    const diff = diffHost(name, base.hosts.get(name), head.hosts.get(name), base, head);
    if (diff) hosts.push(diff);
    else unchanged.push(name);
  }
  const changedHosts = new Set(hosts.filter((h) => h.status !== 'invalid' || h.resources.length > 0).map((h) => h.name));
  return {
    base: { ref: base.ref, commit: base.commit },
    head: { ref: head.ref, commit: head.commit },
    ok: head.diagnostics.length === 0,
    diagnostics: head.diagnostics,
    hosts,
    unchanged,
    reach: reachOf(files, base, head, changedHosts),
    files,
  };
}

function diffHost(name: string, before: HostSnapshot | undefined, after: HostSnapshot | undefined, base: FleetSnapshot, head: FleetSnapshot): HostDiff | null {
  if (!after) {
    const count = before?.loaded?.resources.length;
    return {
      name, os: before?.loaded?.host.os ?? null, status: 'removed', resources: [], diagnostics: [],
      note: `hosts/${name}/ is gone${count !== undefined ? ` (it declared ${count} resources)` : ''}: its agent no longer finds its manifests and reports failed until it is stopped; nothing on the machine is removed`,
    };
  }
  if (!after.loaded) {
    return { name, os: null, status: 'invalid', resources: [], diagnostics: after.diagnostics };
  }
  const was = before?.loaded ?? null;
  const resources = diffResources(was, after.loaded, base, head);
  if (!before) return { name, os: after.loaded.host.os, status: 'added', resources, diagnostics: [], note: `new host: ${after.loaded.resources.length} resources` };
  const note = before.loaded ? undefined : `invalid at ${base.commit.slice(0, 7)}: everything is shown as new`;
  if (resources.length === 0 && before.loaded && stableJson(prunePolicy(was)) === stableJson(prunePolicy(after.loaded))) return null;
  return { name, os: after.loaded.host.os, status: 'changed', resources, diagnostics: [], ...(note ? { note } : {}) };
}

function prunePolicy(h: LoadedHost | null): unknown {
  return h ? { prune: h.prune, os: h.host.os } : null;
}

function diffResources(before: LoadedHost | null, after: LoadedHost, base: FleetSnapshot, head: FleetSnapshot): ResourceDiff[] {
  const out: ResourceDiff[] = [];
  const old = new Map((before?.resources ?? []).map((r) => [r.id, r]));
  const seen = new Set<string>();
  for (const r of after.resources) {
    seen.add(r.id);
    const prior = old.get(r.id);
    const next = desiredView(r, after.host.os, head.secretsMap);
    if (!prior) {
      out.push({ id: r.id, action: 'add', changes: resourceChanges(r.title, null, next), source: formatLocation(r.source) });
      continue;
    }
    const changes = resourceChanges(r.title, desiredView(prior, before!.host.os, base.secretsMap), next);
    if (changes.length) out.push({ id: r.id, action: 'change', changes, source: formatLocation(r.source) });
  }
  for (const r of before?.resources ?? []) {
    if (seen.has(r.id)) continue;
    const fate = after.prune ? 'removed from the host if converge created it (prune: true)' : 'no longer managed, left in place (prune is off)';
    out.push({ id: r.id, action: 'remove', changes: [{ property: 'ensure', from: 'declared', to: fate }], source: formatLocation(r.source) });
  }
  return out;
}

/** Which hosts each changed role and each changed env file of secrets-map.yml reaches. */
function reachOf(files: string[], base: FleetSnapshot, head: FleetSnapshot, changed: Set<string>): Reach[] {
  const reach: Reach[] = [];
  const roles = new Map<string, string[]>();
  for (const f of files) {
    const m = /^hosts\/_roles\/([^/]+)\//.exec(f);
    if (m) roles.set(m[1]!, [...(roles.get(m[1]!) ?? []), f]);
  }
  for (const [role, roleFiles] of roles) {
    // A host uses a role when the role's own *.yml files are among its manifests.
    const manifest = new RegExp(`^hosts/_roles/${role.replace(/[.]/g, '\\.')}/[^/]+\\.ya?ml$`);
    const users = hostsWhere(base, head, (h) => h.files.some((f) => manifest.test(f)));
    reach.push({ kind: 'role', name: role, files: roleFiles, hosts: users.map((name) => ({ name, changes: changed.has(name) })) });
  }
  if (files.includes('secrets-map.yml')) {
    const names = [...new Set([...Object.keys(base.secretsMap), ...Object.keys(head.secretsMap)])].sort();
    for (const envFile of names) {
      if (stableJson(base.secretsMap[envFile] ?? null) === stableJson(head.secretsMap[envFile] ?? null)) continue;
      const users = hostsWhere(base, head, (h) => h.resources.some((r) => r.type === 'envFile' && r.title === envFile));
      reach.push({ kind: 'envFile', name: envFile, files: ['secrets-map.yml'], hosts: users.map((name) => ({ name, changes: changed.has(name) })) });
    }
  }
  return reach;
}

function hostsWhere(base: FleetSnapshot, head: FleetSnapshot, test: (h: LoadedHost) => boolean): string[] {
  const out = new Set<string>();
  for (const snapshot of [base, head]) for (const [name, h] of snapshot.hosts) if (h.loaded && test(h.loaded)) out.add(name);
  return [...out].sort();
}
