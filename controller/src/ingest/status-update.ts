// After a run, the ingestion report also goes into _status.json (under
// ingestion.<name>), so the health signal is current after ingestion and not
// only after a converge. The file is converge's: only that key is replaced,
// atomically; a missing file is left for converge to create.
import { readFile, stat } from 'node:fs/promises';
import type { IngestReport } from './run.js';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import { errnoOf } from '../platform/errors.js';

/** Put `report` under ingestion.<name> of the status file; false when there is no status file yet. */
export async function updateStatusFile(file: string, report: IngestReport): Promise<boolean> {
  let doc: Record<string, unknown>;
  let mode: number;
  try {
    doc = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
  const ingestion = (doc.ingestion && typeof doc.ingestion === 'object' ? doc.ingestion : {}) as Record<string, unknown>;
  doc.ingestion = { ...ingestion, [report.name]: report };
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n', { mode });
  return true;
}
