// Text given inline (`content`), copied from the repository (`source`) or
// rendered from a template (`template`): exactly one of them, resolved at load.
import { z } from '../../platform/zod.js';

/** The three ways to give a text; a schema's superRefine checks that one is given. */
export const textSourceFields = {
  content: z.string().optional().describe('the text, inline (templated like every string)'),
  source: z.string().optional().describe('a file in the repository, relative to this manifest, copied as is'),
  template: z.string().optional().describe('a nunjucks template in the repository, relative to this manifest'),
};

export type TextSource = { content?: string; source?: string; template?: string };

/** Problems with the text fields: more than one given, or none when `required`. */
export function textSourceIssues(spec: TextSource, required: boolean): { path: string[]; message: string }[] {
  const given = (['content', 'source', 'template'] as const).filter((k) => spec[k] !== undefined);
  if (given.length > 1) return [{ path: [given[1]!], message: `give one of content, source or template, not ${given.join(' and ')}` }];
  if (given.length === 0 && required) return [{ path: [], message: 'give the text as content, source or template' }];
  return [];
}
