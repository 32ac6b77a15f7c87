// Whose report is whose: a host's report on the status branch counts as that
// host's only when the latest commit (first-parent) that touched its folder
// (state/<host>/ or state/_<shard>/<host>/) is signed by that host's own key,
// declared as `agentKey:` in hosts/<host>/host.yml on the fleet branch, or
// when its status.json.sig is that key's signature of exactly that
// status.json (a report an aggregator committed). Everything else is shown as
// unverified, with the reason. The branch is read as data: bounded sizes,
// host names from paths, no value from a report on a command line.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ReadRepo, OBJECT_ID } from './read-repo.js';
import { REBUILD_AFTER, verdictKey } from './read-cache.js';
import type { ReadCache } from './read-cache.js';
import { REPORT_FILES, STATE_ROOT, folderOfPath, hostOfPath } from './status-paths.js';
import { statusFiles } from './status-files.js';
import { verifyReport } from './report-signature.js';
import type { StatusDocument } from './status-document.js';
import { splitSignedCommit, verifySsh } from '../source/signature.js';
import { gitEnvironment } from '../source/git.js';
import { SSH_PUBLIC_KEY } from '../manifest/host-schema.js';

/** The largest status.json read (a bigger one is shown as unreadable, never loaded). */
export const MAX_STATUS_BYTES = 2 * 1024 * 1024;
/** The largest status.json.sig read (an SSH signature is well under 1 KiB). */
const MAX_SIGNATURE_BYTES = 16 * 1024;
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
  /** True only when the latest commit that touched its folder, or its status.json.sig, is signed by the host's own agentKey. */
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
  /**
   * Keep the repository in `workDir` between reads and remember what was verified: the next read with the same cache
   * fetches only the new status history, and checks only the reports that changed. Without `workDir`, ignored.
   */
  cache?: ReadCache;
  /** The fleet head as just listed (ls-remote): when it is the one cached, the fleet is not fetched again. */
  fleetTip?: string | null;
}

/**
 * Read every host's report from the status branch and say, per host, whether
 * it is that host's own (signed by its agentKey). The one way converge,
 * `converge status` and rollout gating read the status branch.
 */
export async function readVerifiedStatuses(source: StatusSource, options: VerifyOptions = {}): Promise<VerifiedStatuses> {
  const temp = options.workDir ? null : await mkdtemp(path.join(os.tmpdir(), 'converge-status-'));
  const dir = options.workDir ?? temp!;
  const cache = options.workDir ? options.cache : undefined;
  try {
    const incremental = cache?.ready === true && cache.reads < REBUILD_AFTER;
    if (cache && !incremental) {
      // Built from nothing: a kept repository that is not known whole (a read failed part-way, or it has many packs) is not trusted.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      Object.assign(cache, { reads: 0, fleet: null });
    }
    if (cache) cache.ready = false;
    const repo = incremental ? ReadRepo.open(dir) : await ReadRepo.create(dir);
    const max = options.maxStatusBytes ?? MAX_STATUS_BYTES;
    const statusUrl = source.statusUrl ?? source.url;
    const refspec = `+refs/heads/${source.statusBranch}:refs/s`;
    let whole = true;
    let found: 'ok' | 'missing';
    // Kept: what is new since the last read (its commits, trees and small blobs). Else the tip with its small blobs, then its history without any blob (enough to see which commit touched what).
    if (incremental) found = await repo.fetch('status', statusUrl, [refspec], [`--filter=blob:limit=${max + 1}`], true);
    else {
      found = await repo.fetch('status', statusUrl, [refspec], ['--depth=1', `--filter=blob:limit=${max + 1}`]);
      if (found === 'ok') await repo.fetch('status', statusUrl, [refspec], ['--unshallow', '--filter=blob:none']).catch(() => (whole = false));
    }
    const known = cache?.fleet && options.fleetTip === cache.fleet.head && (await repo.ref('refs/m')) === cache.fleet.head ? cache.fleet : null;
    const fleetHead = known ? known.head : await fetchFleet(repo, source, options.fleetHistory ?? false);
    const keys = known ? known.keys : fleetHead ? await agentKeys(repo, fleetHead) : new Map<string, string[]>();
    await repo.seal();
    const statusHead = found === 'ok' ? await repo.ref('refs/s') : null;
    const hosts = statusHead ? await readHosts(repo, statusHead, keys, max, options.now ?? new Date(), cache) : [];
    if (cache) Object.assign(cache, { ready: whole, reads: cache.reads + 1, fleet: fleetHead ? { head: fleetHead, keys } : null });
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

/** One report folder on the branch: a host can have two while its fleet moves to shards. */
interface Candidate {
  host: string;
  dir: string;
  json: string | undefined;
  sig: string | undefined;
}

async function readHosts(repo: ReadRepo, tip: string, keys: Map<string, string[]>, max: number, now: Date, cache: ReadCache | undefined): Promise<VerifiedStatus[]> {
  // Report folders from the tree's paths (flat, or sharded by state/index.json): names that are not host names are not hosts.
  const listing = await repo.git.raw(['ls-tree', '--full-tree', tip, '--', `${STATE_ROOT}/`]).catch(() => '');
  const top = listing.split('\n').map((l) => /^040000 tree [0-9a-f]+\t(.+)$/.exec(l)?.[1]).filter((p): p is string => p !== undefined);
  // A hand-made tree can list a name twice; git never writes one.
  const twice = new Set(top.filter((p, i) => top.indexOf(p) !== i).map((p) => hostOfPath(`${p}/`)).filter((h): h is string => h !== null));
  const oids = new Map<string, string>();
  const all = await repo.git.raw(['ls-tree', '-r', '--full-tree', tip, '--', `${STATE_ROOT}/`]).catch(() => '');
  for (const line of all.split('\n')) {
    const m = /^100644 blob ([0-9a-f]+)\t(.+)$/.exec(line);
    if (m) oids.set(m[2]!, m[1]!);
  }
  const folders = new Set([...top.map((p) => folderOfPath(`${p}/`)), ...[...oids.keys()].map(folderOfPath)]);
  const candidates: Candidate[] = (await statusFiles(repo.dir, tip))
    .map((f) => ({ host: f.host, dir: path.posix.dirname(f.path) }))
    .filter((c) => folders.has(c.dir))
    .map((c) => ({ ...c, json: oids.get(`${c.dir}/${REPORT_FILES.json}`), sig: oids.get(`${c.dir}/${REPORT_FILES.signature}`) }));
  const blobs = await repo.blobs(candidates.flatMap((c) => (c.json ? [c.json] : [])), max);
  const sigs = await repo.blobs(candidates.flatMap((c) => (c.sig ? [c.sig] : [])), MAX_SIGNATURE_BYTES);
  const latest = await latestCommits(repo, tip, new Set(candidates.map((c) => c.dir)));
  // Reports verified at the last read from exactly these ids need no signature check; the cache keeps only this read's.
  const before = cache?.verified ?? new Set<string>();
  const verified = new Set<string>();
  const keyOf = (c: Candidate) => verdictKey(c.host, c.dir, latest.get(c.dir) ?? null, c.json, c.sig, keys.get(c.host));
  const signers = candidates.every((c) => before.has(keyOf(c))) ? null : await signersFile(keys);
  try {
    // The signatures, checked a few at a time (one ssh-keygen each), from commit objects read in one process.
    const checked = candidates.filter((c) => !before.has(keyOf(c))).map((c) => latest.get(c.dir));
    const objects = await repo.objects([...new Set(checked.filter((id): id is string => id !== undefined))], 'commit', 256 * 1024);
    const read = await mapLimited(candidates, VERIFY_CONCURRENCY, async (c): Promise<VerifiedStatus> => {
      const commit = latest.get(c.dir) ?? null;
      let report: StatusDocument | null = null;
      let problem: string | null = null;
      if (twice.has(c.host)) problem = `the branch lists ${STATE_ROOT}/${c.host}/ more than once`;
      else if (!c.json) problem = 'no status.json';
      else if (!blobs.has(c.json)) problem = `status.json is larger than ${max} bytes (not read)`;
      else {
        report = parseReport(blobs.get(c.json)!);
        if (!report) problem = 'status.json does not parse as a report';
        else if (report.host !== c.host) problem = `status.json names another host (${String(report.host).slice(0, 64)})`;
      }
      const key = keyOf(c);
      let signature: string | null = null;
      if (!before.has(key)) {
        if (cache) cache.checks++;
        signature = await verifyFolder(c, commit, commit ? objects.get(commit) : undefined, blobs, sigs, keys.get(c.host), signers, now);
      }
      // Only a pass is kept: a failure may be a passing trouble (a timed-out ssh-keygen), and costs nothing on an honest fleet.
      if (signature === null) verified.add(key);
      const reason = problem && signature ? `${problem}; ${signature}` : (problem ?? signature);
      return { host: c.host, report, verified: reason === null, reason, commit };
    });
    if (cache) cache.verified = verified;
    // A host in two folders (part-way through sharding): its verified report, then its latest.
    const best = new Map<string, VerifiedStatus>();
    for (const r of read) {
      const seen = best.get(r.host);
      if (!seen || rank(r) > rank(seen)) best.set(r.host, r);
    }
    return [...best.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  } finally {
    if (signers) await rm(path.dirname(signers), { recursive: true, force: true });
  }
}

/** Verified first, then the newest report. */
function rank(r: VerifiedStatus): number {
  const at = Date.parse(r.report?.endedAt ?? '');
  return (r.verified ? 1e15 : 0) + (Number.isFinite(at) ? at : 0);
}

/**
 * Null when the folder's report is its host's own: its status.json.sig is the
 * host's signature of exactly that status.json (aggregated), or the last commit
 * that touched the folder is signed by the host's agentKey (direct push). Else why not.
 */
async function verifyFolder(c: Candidate, commit: string | null, raw: Buffer | undefined, blobs: Map<string, Buffer>, sigs: Map<string, Buffer>, keys: string[] | undefined, signers: string | null, now: Date): Promise<string | null> {
  let sigProblem: string | null = null;
  if (c.sig && keys && c.json && blobs.has(c.json)) {
    const sig = sigs.get(c.sig);
    if (!sig) sigProblem = `status.json.sig is larger than ${MAX_SIGNATURE_BYTES} bytes (not read)`;
    else {
      const json = blobs.get(c.json)!.toString('utf8');
      for (const key of keys) if (await verifyReport(c.host, json, sig.toString('utf8'), key.split(' ').slice(0, 2).join(' '))) return null;
      sigProblem = `status.json.sig is not ${c.host}'s agentKey signature of this status.json`;
    }
  }
  const byCommit = await verifyHost(c.host, commit, raw, keys, signers, now);
  if (byCommit === null) return null;
  return sigProblem ? `${sigProblem}; ${byCommit}` : byCommit;
}

/** The newest first-parent commit that touched each report folder in `dirs` (one walk, stopped once every folder is found). */
function latestCommits(repo: ReadRepo, tip: string, dirs: Set<string>): Promise<Map<string, string>> {
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
          const dir = folderOfPath(line);
          if (dir && dirs.has(dir) && !found.has(dir)) found.set(dir, current);
        }
      }
      if (found.size === dirs.size) child.kill();
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
