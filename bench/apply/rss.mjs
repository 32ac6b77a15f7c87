// Loaded with --import into the measured converge process: reports its peak
// resident set size (maxRSS) on exit, to the file named by CONVERGE_BENCH_RSS.
import { appendFileSync } from 'node:fs';

const out = process.env.CONVERGE_BENCH_RSS;
if (out) process.on('exit', () => appendFileSync(out, `${process.resourceUsage().maxRSS}\n`));
