#!/usr/bin/env node
// The converge command: the bundled CLI in ../dist (npm run build).
import '../dist/main.js';
