// `file`: a regular file with content from inline text, a repository file or a template.
import type { Provider, ResourceType } from '../types.js';
import type { FileDesired } from './schema.js';
import { posixFileProvider } from './provider.js';
import { windowsFileProvider } from './windows-provider.js';
import { rejectPosixOnWindows } from '../shared/windows-attributes.js';
import { OSES } from '../../platform/os.js';

export const file: ResourceType<FileDesired> = {
  name: 'file',
  description: 'a file: content, source or template; mode, owner, group; ensure absent',
  os: OSES,
  titleIsPath: true,
  concurrent: true,
  check: rejectPosixOnWindows,
  prepare(spec, helper) {
    if (spec.template !== undefined) return { ...spec, content: helper.renderTemplate(spec.template) };
    if (spec.source !== undefined) {
      const bytes = helper.readSource(spec.source);
      const text = decodeText(bytes);
      return text === null ? { ...spec, contentBase64: Buffer.from(bytes).toString('base64') } : { ...spec, content: text };
    }
    return spec;
  },
  watchPaths: (spec) => [spec.file],
  inventorySpec: ({ content: _c, contentBase64: _b, ...rest }) => rest,
  provider: (os) => (os === 'windows' ? windowsFileProvider : posixFileProvider) as Provider<FileDesired>,
};

function decodeText(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}
