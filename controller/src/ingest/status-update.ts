// After a run, the ingestion report also goes into _status.json (under
// ingestion.<name>), so the health signal is current after ingestion and not
// only after a converge. The file is converge's: only that key is replaced,
// atomically; a missing file is left for converge to create.
import { readFile, stat } from 'node:fs/promises';
import type { IngestReport } from './run.js';
import { writeFileAtomic } from '../platform/fs-atomic.js';
import { ConvergeError, errnoOf } from '../platform/errors.js';

/** Put `report` under ingestion.<name> of the status file; false when there is no status file yet. */
export async function updateStatusFile(file: string, report: IngestReport): Promise<boolean> {
  let text: string;
  let mode: number;
  try {
    text = await readFile(file, 'utf8');
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
  const doc = parseObject(text);
  if (!doc) throw new ConvergeError('invalid-input', `${file} is not a status file (a JSON object, as the statusFile resource writes it); left as it is, the report is in the state directory`);
  const ingestion = (doc.ingestion && typeof doc.ingestion === 'object' ? doc.ingestion : {}) as Record<string, unknown>;
  doc.ingestion = { ...ingestion, [report.name]: report };
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n', { mode });
  return true;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
