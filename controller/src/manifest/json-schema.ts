// JSON Schemas for every YAML file converge reads, generated from the zod
// schemas, so editors (yaml-language-server) complete and check manifests.
import { z } from '../platform/zod.js';
import { HostFile } from './host-schema.js';
import { FleetFile } from './fleet-schema.js';
import { MaintenanceWindow } from './window-schema.js';
import { resourceTypes } from '../resources/registry.js';
import { resourceSchema } from '../resources/schemas.js';
import { SecretsMap } from '../secrets/schema.js';
import { AgentConfig } from '../agent/config-schema.js';

/** File name → JSON Schema object. */
export function jsonSchemas(): Record<string, unknown> {
  const resource = z.union(resourceTypes.map((t) => resourceSchema(t.name).describe(t.description)) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  const resourcesFile = z.strictObject({
    resources: z.array(resource).optional().describe('the resources of this host or role'),
    vars: z.record(z.string(), z.unknown()).optional().describe('in a role: default vars (host.yml vars win)'),
    window: MaintenanceWindow.optional().describe("in a role: the maintenance window of its hosts (host.yml's window: wins)"),
  });
  const schemas: Record<string, z.ZodType> = {
    'host.schema.json': HostFile,
    'fleet.schema.json': FleetFile,
    'resources.schema.json': resourcesFile,
    'secrets-map.schema.json': SecretsMap,
    'config.schema.json': AgentConfig,
  };
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-07' }) as Record<string, unknown>;
      if (schema === resourcesFile) allowNullResources(json);
      return [name, { ...allowTemplates(json), $id: `https://converge.dev/schema/${name}` }];
    }),
  );
}

/** `resources:` with every entry commented out reads as null, which converge accepts (an empty file). */
function allowNullResources(json: Record<string, unknown>): void {
  const resources = (json.properties as Record<string, Record<string, unknown>>).resources!;
  resources.type = ['array', 'null'];
}

/** Strings with a pattern also accept a template ("{{ vars.mode }}"): the pattern is checked after rendering. */
function allowTemplates(node: unknown): Record<string, unknown> {
  if (Array.isArray(node)) return node.map(allowTemplates) as unknown as Record<string, unknown>;
  if (!node || typeof node !== 'object') return node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = allowTemplates(v);
  if (out.type === 'string' && typeof out.pattern === 'string') out.pattern = `(?:${out.pattern})|\\{\\{|\\{%`;
  return out;
}
