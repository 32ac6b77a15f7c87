// Providers whose code is imported only when a host uses the type, so a Linux
// apply does not load the XML and plist libraries of Windows and macOS types.
import type { OS } from '../../platform/os.js';
import type { Provider, ResourceType, Spec } from '../types.js';

/** `load` and `provider` for a type whose providers live behind a dynamic import. */
export function lazyProviders<S extends Spec, O>(importer: () => Promise<(os: OS) => Provider<S, O>>): Pick<ResourceType<S, O>, 'load' | 'provider'> {
  let pick: ((os: OS) => Provider<S, O>) | undefined;
  return {
    async load() {
      pick ??= await importer();
    },
    provider(os) {
      if (!pick) throw new Error('a lazily loaded provider was used before load()');
      return pick(os);
    },
  };
}

/** Load the providers of every type named. */
export async function loadTypes(types: Iterable<ResourceType | undefined>): Promise<void> {
  await Promise.all([...new Set(types)].map((t) => t?.load?.()));
}
