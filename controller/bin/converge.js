#!/usr/bin/env node
// The converge command: the bundled CLI in ../dist (npm run build).
import module from 'node:module';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Eight libuv threads (before any is started): the engine keeps eight file fsyncs in flight.
process.env.UV_THREADPOOL_SIZE ??= '8';

// V8's compiled code of the bundle is kept in dist/.compile-cache (Node >= 22.1:
// a folder per Node version and user, entries 0600, each checked against the
// source it was compiled from), so a start does not compile the bundle again.
// The cache sits beside the code it caches and is trusted as that code is: it
// is used only when the bundle's folder belongs to this user or to root and no
// one else can write to it. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const dist = fileURLToPath(new URL('../dist/', import.meta.url));
if (module.enableCompileCache && trustedLikeCode(dist)) module.enableCompileCache(`${dist}.compile-cache`);

await import('../dist/main.js');

function trustedLikeCode(dir) {
  if (!process.getuid) return true; // Windows: the install folder's ACL is the boundary
  try {
    const st = statSync(dir);
    return (st.uid === 0 || st.uid === process.geteuid()) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
