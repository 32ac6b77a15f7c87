import { z } from '../../platform/zod.js';
import { commonFields, Ensure, HostPath, posixAttributes } from '../shared/fields.js';

/** A regular file: its content (inline, copied from the repository, or rendered from a template), mode and owner. */
export const FileSpec = z
  .strictObject({
    file: HostPath.describe('absolute path of the file'),
    ensure: Ensure,
    content: z.string().optional().describe('the content, inline (templated like every string)'),
    source: z.string().optional().describe('a file in the repository, relative to this manifest, copied byte for byte'),
    template: z.string().optional().describe('a nunjucks template in the repository, relative to this manifest'),
    sensitive: z.boolean().optional().describe('never show this content in plans, diffs or reports'),
    force: z.boolean().optional().describe('replace a directory standing at this path'),
    ...posixAttributes,
    ...commonFields,
  })
  .superRefine((spec, ctx) => {
    const given = (['content', 'source', 'template'] as const).filter((k) => spec[k] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `give one of content, source or template, not ${given.join(' and ')}` });
    }
  });
export type FileSpec = z.infer<typeof FileSpec>;

/** The spec after load: content resolved to bytes-as-text or base64. */
export type FileDesired = FileSpec & { contentBase64?: string };
