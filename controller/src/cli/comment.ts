// converge comment: post a diff comment rendered elsewhere (the unprivileged
// CI job that built the PR head), from the privileged workflow_run job that
// holds the token. The body is data from the PR's job: it must be a converge
// diff comment (its marker first), fit GitHub's limit, and the PR number
// comes from the trusted event, not from the artifact.
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { COMMENT_MARKER } from '../fleet-diff/render-markdown.js';
import { ConvergeError } from '../platform/errors.js';
import { Printer } from './output.js';

/** GitHub's limit on a comment body. */
const MAX_BODY = 65_536;

export interface CommentFlags {
  pr: string;
  bodyFile: string;
  githubRepo?: string;
  tokenFile?: string;
  apiUrl?: string;
}

export async function commentCommand(flags: CommentFlags): Promise<number> {
  const pr = Number(flags.pr);
  if (!(Number.isInteger(pr) && pr > 0)) throw new ConvergeError('invalid-input', `--pr takes a pull request number, not '${flags.pr}'`);
  const body = await readFile(flags.bodyFile, 'utf8').catch((error: unknown) => {
    throw new ConvergeError('not-found', `--body-file ${flags.bodyFile} cannot be read`, { cause: error });
  });
  if (!body.startsWith(COMMENT_MARKER)) throw new ConvergeError('invalid-input', `${flags.bodyFile} is not a converge diff comment (it must start with ${COMMENT_MARKER})`);
  if (body.length > MAX_BODY) throw new ConvergeError('invalid-input', `${flags.bodyFile} has ${body.length} characters; a comment holds at most ${MAX_BODY}`);
  const { postDiffComment } = await import('../fleet-diff/post-comment.js');
  const result = await postDiffComment({ repoDir: process.cwd(), pr, body, marker: COMMENT_MARKER, flags });
  new Printer(process.stderr).line(`converge comment: comment ${result.action} on pull request #${pr}: ${result.url}`);
  return 0;
}
