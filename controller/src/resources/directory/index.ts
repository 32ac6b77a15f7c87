// `directory`: a directory with mode and owner. Resources below it follow it.
import type { Provider, ResourceType } from '../types.js';
import type { DirectorySpec } from './schema.js';
import { posixDirectoryProvider } from './provider.js';
import { windowsDirectoryProvider } from './windows-provider.js';
import { rejectPosixOnWindows } from '../shared/windows-attributes.js';
import { OSES } from '../../platform/os.js';

export const directory: ResourceType<DirectorySpec> = {
  name: 'directory',
  description: 'a directory: mode, owner, group; ensure absent',
  os: OSES,
  titleIsPath: true,
  concurrent: true,
  holdsPaths: true,
  check: rejectPosixOnWindows,
  watchPaths: (spec) => [spec.directory],
  provider: (os) => (os === 'windows' ? windowsDirectoryProvider : posixDirectoryProvider) as Provider<DirectorySpec>,
};
