// A text source (content, source or template) resolved at load, without the schema's zod.
import type { PrepareHelper } from '../types.js';
import type { TextSource } from './text-source.js';

/** The text, resolved (source read as UTF-8, template rendered); undefined when none is given. */
export function resolveText(spec: TextSource, helper: PrepareHelper): string | undefined {
  if (spec.template !== undefined) return helper.renderTemplate(spec.template);
  if (spec.source !== undefined) return new TextDecoder('utf-8', { fatal: true }).decode(helper.readSource(spec.source));
  return spec.content;
}
