// converge diff: which hosts a change to the fleet touches, and how. Loads
// every host at both commits, compares desired states, prints them for
// people, as JSON or as markdown, and with --comment keeps one comment on the
// pull request up to date. Exit 1 when head does not validate.
import process from 'node:process';
import { resolveRepo } from './host-run.js';
import { Printer } from './output.js';
import { changedFiles, materialize, resolveCommit } from '../fleet-diff/git-commits.js';
import { loadSnapshot } from '../fleet-diff/snapshot.js';
import { diffFleets } from '../fleet-diff/fleet-diff.js';
import { rolloutOrder } from '../fleet-diff/rollout-order.js';
import { fleetRingsAt } from '../rollout/rings-at.js';
import { diffLines } from '../fleet-diff/render-text.js';
import { COMMENT_MARKER, diffMarkdown } from '../fleet-diff/render-markdown.js';
import { ConvergeError } from '../platform/errors.js';

export interface DiffFlags {
  base: string;
  head?: string;
  repo?: string;
  json?: boolean;
  markdown?: boolean;
  /** Also write the markdown to this file (CI: the artifact the privileged comment job posts). */
  output?: string;
  comment?: string;
  githubRepo?: string;
  tokenFile?: string;
  apiUrl?: string;
  config?: string;
  detailedExitcode?: boolean;
}

export async function diffCommand(flags: DiffFlags): Promise<number> {
  if (flags.json && flags.markdown) throw new ConvergeError('invalid-input', 'give --json or --markdown, not both');
  const pr = flags.comment === undefined ? undefined : Number(flags.comment);
  if (pr !== undefined && !(Number.isInteger(pr) && pr > 0)) throw new ConvergeError('invalid-input', `--comment takes a pull request number, not '${flags.comment}'`);
  const repo = resolveRepo(flags.repo);
  const headRef = flags.head ?? 'HEAD';
  const [base, head] = await Promise.all([resolveCommit(repo, flags.base), resolveCommit(repo, headRef)]);
  const files = await changedFiles(repo, base, head);
  const trees = await Promise.all([materialize(repo, base), materialize(repo, head)]);
  let diff;
  try {
    diff = diffFleets({ ...loadSnapshot(trees[0].dir, base), ref: flags.base }, { ...loadSnapshot(trees[1].dir, head), ref: headRef }, files);
  } finally {
    await Promise.all(trees.map((t) => t.cleanup()));
  }
  const order = rolloutOrder(diff, await fleetRingsAt(repo, head).catch(() => null));
  if (order) diff.rollout = order;

  const out = new Printer();
  const command = `npx converge diff --base ${base.slice(0, 12)} --head ${head.slice(0, 12)}`;
  const markdown = flags.markdown || flags.output || pr !== undefined ? diffMarkdown(diff, command) : '';
  if (flags.output) {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    await mkdir(dirname(flags.output), { recursive: true });
    await writeFile(flags.output, markdown);
  }
  if (flags.json) out.line(JSON.stringify(diff, null, 2));
  else if (flags.markdown) out.line(markdown.trimEnd());
  else for (const line of diffLines(diff, out.style.bind(out))) out.line(line);

  if (pr !== undefined) {
    const { postDiffComment } = await import('../fleet-diff/post-comment.js');
    const result = await postDiffComment({ repoDir: repo, pr, body: markdown, marker: COMMENT_MARKER, flags });
    new Printer(process.stderr).line(`converge diff: comment ${result.action} on pull request #${pr}: ${result.url}`);
  }
  if (!diff.ok) return 1;
  return flags.detailedExitcode && diff.hosts.length > 0 ? 2 : 0;
}
