// `unit`: a systemd unit or timer converge writes, enables and runs.
import type { ResourceType } from '../types.js';
import type { UnitSpec } from './schema.js';
import { unitProvider } from './provider.js';
import { resolveText } from '../shared/resolve-text.js';
import { addToSection, hasSection } from '../shared/systemd/unit-file.js';
import { unitFilePath, unitSuffix } from '../shared/systemd/names.js';

export const unit: ResourceType<UnitSpec> = {
  name: 'unit',
  description: 'a systemd unit or timer: content, source or template; enabled, running; requires: [mount:/x] waits for storage',
  os: ['linux'],
  prepare(spec, helper) {
    const text = resolveText(spec, helper);
    if (text === undefined) return spec;
    const mounts = (spec.requires ?? []).filter((id) => id.startsWith('mount:')).map((id) => id.slice('mount:'.length));
    const content = mounts.length ? addToSection(text, 'Unit', [`RequiresMountsFor=${mounts.join(' ')}`]) : text;
    if (spec.enabled === true && !hasSection(content, 'Install')) {
      throw new Error(`${spec.unit} has no [Install] section, so it cannot be enabled: add one (WantedBy=…) or drop enabled`);
    }
    return { ...spec, content };
  },
  autoRequires(spec) {
    return triggeredUnits(spec).map((u) => `unit:${u}`);
  },
  watchPaths: (spec) => [unitFilePath(spec.unit)],
  inventorySpec: ({ content: _c, ...rest }) => rest,
  provider: () => unitProvider,
};

/** The unit a timer, socket, path or automount starts: `Unit=` in it, else the same name as a service (or mount). */
function triggeredUnits(spec: UnitSpec): string[] {
  const suffix = unitSuffix(spec.unit);
  if (!['timer', 'socket', 'path', 'automount'].includes(suffix)) return [];
  const explicit = /^\s*Unit\s*=\s*(\S+)\s*$/m.exec(spec.content ?? '')?.[1];
  const base = spec.unit.slice(0, -suffix.length - 1);
  return [explicit ?? `${base}.${suffix === 'automount' ? 'mount' : 'service'}`];
}
