#!/usr/bin/env node
// The converge command: the bundled CLI in ../dist (npm run build).
// Eight libuv threads (before any is started): the engine keeps eight file fsyncs in flight.
process.env.UV_THREADPOOL_SIZE ??= '8';
await import('../dist/main.js');
