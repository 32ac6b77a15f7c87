// A resource's desired state as a fleet diff compares it: its spec fields,
// file content as bytes, and for env files the variable names only. Secret
// values are never in a spec at load time; vault secret names are kept only
// to notice a variable being mapped elsewhere, and are never shown.
import type { Resource } from '../resources/types.js';
import type { OS } from '../platform/os.js';
import type { SecretsMap } from '../secrets/schema.js';

export interface DesiredView {
  /** Spec fields that shape the result (not when/vars, which are already applied). */
  fields: Record<string, unknown>;
  /** Managed content, when the resource has any. */
  content?: Uint8Array;
  /** Never show the content (sensitive: true). */
  sensitive: boolean;
  /** Env files: VAR → where its value comes from (compared, never shown). */
  secretSources?: Record<string, string>;
}

// Fields never shown: how a resource was written (already applied), or secret material.
const HIDDEN = new Set(['when', 'vars', 'secrets', 'values']);

/** The view of `resource` on a host of `os`, with `secretsMap` of the same commit. */
export function desiredView(resource: Resource, os: OS, secretsMap: SecretsMap['envFiles']): DesiredView {
  const spec = resource.spec;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    if (key === resource.type || HIDDEN.has(key) || key === 'content' || key === 'contentBase64' || value === undefined) continue;
    fields[key] = value;
  }
  const view: DesiredView = { fields, sensitive: spec.sensitive === true };
  if (typeof spec.contentBase64 === 'string') view.content = Buffer.from(spec.contentBase64, 'base64');
  else if (typeof spec.content === 'string') view.content = Buffer.from(spec.content, 'utf8');
  if (resource.type === 'envFile') {
    const entry = secretsMap[resource.title];
    const sources = isStringRecord(spec.secrets) ? spec.secrets : (entry?.vars ?? {});
    if (entry) {
      const where = typeof entry.path === 'string' ? entry.path : entry.path[os];
      if (fields.path === undefined && where !== undefined) fields.path = where;
      if (fields.owner === undefined && entry.owner !== undefined) fields.owner = entry.owner;
      if (fields.group === undefined && entry.group !== undefined) fields.group = entry.group;
    } else if (!isStringRecord(spec.secrets)) {
      fields.path = '(not in secrets-map.yml)';
    }
    fields.variables = Object.keys(sources).sort();
    view.secretSources = { ...sources };
  }
  return view;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}
