// converge ingest: one run of OS cloud ingestion (iCloud, OneDrive) into
// /space/devices/<host>/<user>, run by a per-user launchd agent.
import path from 'node:path';
import { Printer } from './output.js';
import { ingest, reportPath } from '../ingest/run.js';
import { updateStatusFile } from '../ingest/status-update.js';
import { ConvergeError } from '../platform/errors.js';

export interface IngestFlags {
  name: string;
  from: string;
  to: string;
  mount?: string;
  stateDir: string;
  status?: string;
  maxFiles?: string;
  json?: boolean;
}

export async function ingestCommand(flags: IngestFlags): Promise<number> {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(flags.name)) throw new ConvergeError('invalid-input', '--name must be lowercase letters, digits, . _ -');
  if (flags.maxFiles !== undefined && !/^[1-9]\d*$/.test(flags.maxFiles)) throw new ConvergeError('invalid-input', `--max-files takes a number of files, 1 or more (got '${flags.maxFiles}')`);
  const report = await ingest({
    name: flags.name,
    source: path.resolve(flags.from),
    destination: path.resolve(flags.to),
    mount: flags.mount ? path.resolve(flags.mount) : undefined,
    stateDir: path.resolve(flags.stateDir),
    program: process.execPath,
    maxFiles: flags.maxFiles ? Number(flags.maxFiles) : undefined,
  });
  const published = flags.status ? await updateStatusFile(path.resolve(flags.status), report) : false;
  const out = new Printer();
  if (flags.json) out.line(JSON.stringify(report, null, 2));
  else {
    out.line(`ingest ${report.name}: ${report.state}, ${report.copied} copied, ${report.unchanged} unchanged, ${report.failed.length} failed`);
    for (const a of report.attention) out.line(`  ! ${a}`);
    out.line(`  report: ${reportPath(path.resolve(flags.stateDir), report.name)}${published ? `; status: ${flags.status}` : ''}`);
  }
  return report.state === 'ok' ? 0 : report.state === 'degraded' ? 1 : 3;
}
