// converge schema: write controller/schema/*.json (or check they are current).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { jsonSchemas } from '../manifest/json-schema.js';
import { resolveRepo } from './host-run.js';
import { Printer } from './output.js';

export interface SchemaFlags {
  repo?: string;
  out?: string;
  check?: boolean;
}

export async function schemaCommand(flags: SchemaFlags): Promise<number> {
  const dir = flags.out ? path.resolve(flags.out) : path.join(resolveRepo(flags.repo), 'controller', 'schema');
  const out = new Printer();
  const stale: string[] = [];
  await mkdir(dir, { recursive: true });
  for (const [name, schema] of Object.entries(jsonSchemas())) {
    const file = path.join(dir, name);
    const text = JSON.stringify(schema, null, 2) + '\n';
    if (flags.check) {
      const current = await readFile(file, 'utf8').catch(() => '');
      if (current !== text) stale.push(file);
      continue;
    }
    await writeFile(file, text);
    out.line(`wrote ${file}`);
  }
  if (flags.check && stale.length) {
    for (const f of stale) out.line(`out of date: ${f} (run converge schema)`);
    return 1;
  }
  return 0;
}
