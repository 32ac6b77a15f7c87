// Whose report is whose: a host's report on the status branch counts as that
// host's only when the latest commit (first-parent) that touched
// state/<host>/ is signed by that host's own key, declared as `agentKey:` in
// hosts/<host>/host.yml on the fleet branch. Everything else is shown as
// unverified, with the reason. The branch is read as data: bounded sizes,
// host names from paths, no value from a report on a command line.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ReadRepo, OBJECT_ID } from './read-repo.js';
import { STATE_ROOT, hostOfPath, statusJsonPath } from './status-paths.js';
import type { StatusDocument } from './status-document.js';
import { splitSignedCommit, verifySsh } from '../source/signature.js';
import { gitEnvironment } from '../source/git.js';
import { SSH_PUBLIC_KEY } from '../manifest/host-schema.js';

/** The largest status.json read (a bigger one is shown as unreadable, never loaded). */
export const MAX_STATUS_BYTES = 2 * 1024 * 1024;
/** How many signatures are checked at once. */
const VERIFY_CONCURRENCY = 8;
/** The largest host.yml read for its agentKey. */
const MAX_HOST_FILE_BYTES = 1024 * 1024;

/** One host's report as read from the status branch. */
export interface VerifiedStatus {
  /** From the path state/<host>/, never from the JSON. */
  host: string;
  /** The parsed status.json; null when missing, too big or unreadable (see reason). */
  report: StatusDocument | null;
  /** True only when the latest commit that touched state/<host>/ is signed by the host's own agentKey. */
  verified: boolean;
  /** Why it is not verified (null when it is). */
  reason: string | null;
  /** The latest commit that touched state/<host>/ (null if not found). */
  commit: string | null;
}

export interface StatusSource {
  /** The fleet repository (where hosts/<host>/host.yml declares agentKey). */
  url: string;
  branch: string;
  /** Where the status branch lives (default: url). */
  statusUrl?: string;
  statusBranch: string;
}

export interface VerifiedStatuses {
  fleetHead: string | null;
  statusHead: string | null;
  hosts: VerifiedStatus[];
}

export interface VerifyOptions {
  /** An empty directory to work in (kept for the caller, e.g. to count commits); default: a temporary one, removed after. */
  workDir?: string;
  /** Fetch the fleet branch's whole commit history (no trees or blobs), for counting how far behind a host is. */
  fleetHistory?: boolean;
  maxStatusBytes?: number;
  /** Key validity time (default now). */
  now?: Date;
}

/**
 * Read every host's report from the status branch and say, per host, whether
 * it is that host's own (signed by its agentKey). The one way converge,
 * `converge status` and rollout gating read the status branch.
 */
export async function readVerifiedStatuses(source: StatusSource, options: VerifyOptions = {}): Promise<VerifiedStatuses> {
  const temp = options.workDir ? null : await mkdtemp(path.join(os.tmpdir(), 'converge-status-'));
  const dir = options.workDir ?? temp!;
  try {
    const repo = await ReadRepo.create(dir);
    const max = options.maxStatusBytes ?? MAX_STATUS_BYTES;
    const statusUrl = source.statusUrl ?? source.url;
    // The tip with its small blobs, then its history without any blob (enough to see which commit touched what).
    const found = await repo.fetch('status', statusUrl, [`+refs/heads/${source.statusBranch}:refs/s`], ['--depth=1', `--filter=blob:limit=${max + 1}`]);
    if (found === 'ok') await repo.fetch('status', statusUrl, [`+refs/heads/${source.statusBranch}:refs/s`], ['--unshallow', '--filter=blob:none']).catch(() => 'ok');
    const fleetHead = await fetchFleet(repo, source, options.fleetHistory ?? false);
    const keys = fleetHead ? await agentKeys(repo, fleetHead) : new Map<string, string[]>();
    await repo.seal();
    const statusHead = found === 'ok' ? await repo.ref('refs/s') : null;
    const hosts = statusHead ? await readHosts(repo, statusHead, keys, max, options.now ?? new Date()) : [];
    return { fleetHead, statusHead, hosts };
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

/** The fleet branch head, with trees (no blobs) and every host.yml. */
async function fetchFleet(repo: ReadRepo, source: StatusSource, history: boolean): Promise<string | null> {
  const refspec = `+refs/heads/${source.branch}:refs/m`;
  const found = await repo.fetch('fleet', source.url, [refspec], history ? ['--filter=tree:0'] : ['--depth=1', '--filter=tree:0']).catch(() => 'missing' as const);
  if (found !== 'ok') return null;
  const head = await repo.ref('refs/m');
  if (!head) return null;
  const tree = (await repo.git.raw(['rev-parse', `${head}^{tree}`])).trim();
  await repo.fetch('fleet', source.url, [tree], ['--filter=blob:none']);
  const hostFiles = await hostYmlBlobs(repo, head);
  if (hostFiles.size > 0) await repo.fetch('fleet', source.url, [...new Set(hostFiles.values())]);
  return head;
}

async function hostYmlBlobs(repo: ReadRepo, head: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await repo.git.raw(['ls-tree', '-r', '--full-tree', head, '--', 'hosts/']).catch(() => '');
  for (const line of text.split('\n')) {
    const m = /^100644 blob ([0-9a-f]+)\thosts\/([^/]+)\/host\.yml$/.exec(line);
    if (m && !m[2]!.startsWith('_')) out.set(m[2]!, m[1]!);
  }
  return out;
}

/** Each host's declared agentKey(s), from hosts/<host>/host.yml at `head`. */
async function agentKeys(repo: ReadRepo, head: string): Promise<Map<string, string[]>> {
  const files = await hostYmlBlobs(repo, head);
  const blobs = await repo.blobs([...files.values()], MAX_HOST_FILE_BYTES);
  const keys = new Map<string, string[]>();
  for (const [host, oid] of files) {
    const blob = blobs.get(oid);
    if (!blob) continue;
    try {
      const doc = parseYaml(blob.toString('utf8'), { maxAliasCount: 10 }) as { agentKey?: unknown } | null;
      const declared = typeof doc?.agentKey === 'string' ? [doc.agentKey] : Array.isArray(doc?.agentKey) ? doc.agentKey : [];
      const valid = declared.filter((k): k is string => typeof k === 'string' && SSH_PUBLIC_KEY.test(k.trim())).map((k) => k.trim());
      if (valid.length) keys.set(host, valid);
    } catch {
      // a host.yml that does not parse declares no key: its reports stay unverified
    }
  }
  return keys;
}

async function readHosts(repo: ReadRepo, tip: string, keys: Map<string, string[]>, max: number, now: Date): Promise<VerifiedStatus[]> {
  // Host folders from the tree's paths: names that are not host names are not hosts.
  const listing = await repo.git.raw(['ls-tree', '--full-tree', tip, '--', `${STATE_ROOT}/`]).catch(() => '');
  const hosts = listing
    .split('\n')
    .map((l) => /^040000 tree [0-9a-f]+\t(.+)$/.exec(l)?.[1])
    .map((p) => (p ? hostOfPath(`${p}/`) : null))
    .filter((h): h is string => h !== null);
  const unique = [...new Set(hosts)].sort();
  // A hand-made tree can list a name twice; git never writes one.
  const twice = new Set(hosts.filter((h, i) => hosts.indexOf(h) !== i));
  const jsonOids = new Map<string, string>();
  const files = await repo.git.raw(['ls-tree', '--full-tree', tip, '--', ...unique.map(statusJsonPath)]).catch(() => '');
  for (const line of files.split('\n')) {
    const m = /^100644 blob ([0-9a-f]+)\t(.+)$/.exec(line);
    const host = m ? hostOfPath(m[2]!) : null;
    if (m && host && m[2] === statusJsonPath(host)) jsonOids.set(host, m[1]!);
  }
  const blobs = await repo.blobs([...jsonOids.values()], max);
  const latest = await latestCommits(repo, tip, new Set(unique));
  const signers = await signersFile(keys);
  try {
    // The signatures, checked a few at a time (one ssh-keygen each), from commit objects read in one process.
    const objects = await repo.objects([...new Set(latest.values())], 'commit', 256 * 1024);
    const signatures = await mapLimited(unique, VERIFY_CONCURRENCY, (host) => {
      const commit = latest.get(host) ?? null;
      return verifyHost(host, commit, commit ? objects.get(commit) : undefined, keys.get(host), signers, now);
    });
    const out: VerifiedStatus[] = [];
    for (const [i, host] of unique.entries()) {
      const oid = jsonOids.get(host);
      const commit = latest.get(host) ?? null;
      let report: StatusDocument | null = null;
      let problem: string | null = null;
      if (twice.has(host)) problem = `the branch lists ${STATE_ROOT}/${host}/ more than once`;
      else if (!oid) problem = 'no status.json';
      else if (!blobs.has(oid)) problem = `status.json is larger than ${max} bytes (not read)`;
      else {
        report = parseReport(blobs.get(oid)!);
        if (!report) problem = 'status.json does not parse as a report';
        else if (report.host !== host) {
          problem = `status.json names another host (${String(report.host).slice(0, 64)})`;
        }
      }
      const signature = signatures[i]!;
      const reason = problem && signature ? `${problem}; ${signature}` : (problem ?? signature);
      out.push({ host, report, verified: reason === null, reason, commit });
    }
    return out;
  } finally {
    if (signers) await rm(path.dirname(signers), { recursive: true, force: true });
  }
}

/** The newest first-parent commit that touched state/<host>/, per host (one walk, stopped once every host is found). */
function latestCommits(repo: ReadRepo, tip: string, hosts: Set<string>): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const found = new Map<string, string>();
    const child = spawn('git', ['log', '--first-parent', '--no-renames', '--format=commit %H', '--name-only', tip, '--', `${STATE_ROOT}/`], { cwd: repo.dir, env: gitEnvironment(), stdio: ['ignore', 'pipe', 'ignore'] });
    let current = '';
    let rest = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('commit ')) current = line.slice(7);
        else if (line) {
          const host = hostOfPath(line);
          if (host && hosts.has(host) && !found.has(host)) found.set(host, current);
        }
      }
      if (found.size === hosts.size) child.kill();
    });
    child.on('error', reject);
    child.on('close', () => resolve(found));
  });
}

/** An allowed-signers file with each host's agentKey(s), the host as principal, for namespace "git" only. */
async function signersFile(keys: Map<string, string[]>): Promise<string | null> {
  if (keys.size === 0) return null;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'converge-signers-'));
  const file = path.join(dir, 'allowed_signers');
  const lines = [...keys].flatMap(([host, list]) => list.map((k) => `${host} namespaces="git" ${k.split(' ').slice(0, 2).join(' ')}`));
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 });
  return file;
}

/** Null when `commit` is signed by `host`'s own key; else why not. */
async function verifyHost(host: string, commit: string | null, raw: Buffer | undefined, keys: string[] | undefined, signers: string | null, now: Date): Promise<string | null> {
  if (!commit || !OBJECT_ID.test(commit)) return 'no commit touched its folder';
  if (!keys || !signers) return `hosts/${host}/host.yml declares no agentKey`;
  if (!raw) return `commit ${commit.slice(0, 7)} cannot be read (or is over 256 KiB)`;
  const object = raw.toString('utf8');
  const signed = splitSignedCommit(object);
  if (!signed.signature) return `the last change (${commit.slice(0, 7)}) is unsigned`;
  if (signed.kind !== 'ssh') return `the last change (${commit.slice(0, 7)}) is not SSH-signed`;
  const v = await verifySsh(signed.payload, signed.signature, signers, now, 'git', host);
  if (v.ok) return null;
  return v.reason === 'unknown key'
    ? `the last change (${commit.slice(0, 7)}) is signed by a key that is not ${host}'s agentKey`
    : `the last change (${commit.slice(0, 7)}): ${v.detail}`;
}

/** A status.json with the fields readers use, of the right types; null otherwise. */
function parseReport(bytes: Buffer): StatusDocument | null {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const d = doc as Record<string, unknown> | null;
  const optional = (v: unknown, type: 'string' | 'object') => v === undefined || v === null || typeof v === type;
  const ok =
    typeof d === 'object' && d !== null && !Array.isArray(d) &&
    typeof d.host === 'string' && typeof d.endedAt === 'string' && typeof d.result === 'string' && typeof d.event === 'string' &&
    optional(d.applied, 'string') && optional(d.agent, 'object') &&
    (d.resources === undefined || (Array.isArray(d.resources) && d.resources.every((r: { id?: unknown } | null) => typeof r?.id === 'string'))) &&
    (d.errors === undefined || (Array.isArray(d.errors) && d.errors.every((e) => typeof e === 'string')));
  if (!ok) return null;
  const report = d as unknown as StatusDocument;
  // A commit id or nothing: this value is later handed to git.
  if (typeof report.applied === 'string' && !OBJECT_ID.test(report.applied)) return { ...report, applied: null };
  return report;
}

/** `fn` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
