#!/usr/bin/env node
// The converge command: the compiled CLI in ../dist.
import '../dist/cli/main.js';
