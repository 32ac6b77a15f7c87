// Where each host's report lives on the status branch, in one place: the host
// a report belongs to comes from its path (never from the JSON inside), and
// every reader and writer agrees on that path.
import { HOST_NAME } from '../manifest/host-schema.js';

/** The folder of all reports at the branch's top level. */
export const STATE_ROOT = 'state';

/** The folder that holds one host's report (the unit that host signs). */
export function hostDir(host: string): string {
  return `${STATE_ROOT}/${host}`;
}

/** The files a host writes in its folder, by role. */
export const REPORT_FILES = { json: 'status.json', markdown: 'STATUS.md' } as const;

/** state/<host>/status.json. */
export function statusJsonPath(host: string): string {
  return `${hostDir(host)}/${REPORT_FILES.json}`;
}

/** The host whose folder `file` (a path in the branch's tree) is in, or null when it is not a host's report path. */
export function hostOfPath(file: string): string | null {
  const parts = file.split('/');
  if (parts.length < 2 || parts[0] !== STATE_ROOT) return null;
  return HOST_NAME.test(parts[1]!) ? parts[1]! : null;
}
