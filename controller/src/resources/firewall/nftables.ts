// Linux: converge's rules in `table inet converge`, replaced in one `nft -f`
// transaction. Only that table is ever named, so other tables (the
// distribution's, Docker's, Tailscale's) are never touched. An accept there
// does not override another table's drop: converge only ever adds refusals.
import type { RuleBackend } from './owned-rules.js';
import { sectionOf, tableScript, NFT_TABLE } from './nft-text.js';
import { ConvergeError } from '../../platform/errors.js';

export const nftablesBackend: RuleBackend = {
  name: 'nftables',
  what: "the kernel's nftables",
  section: sectionOf,
  script: tableScript,
  async load(ctx, file) {
    const r = await ctx.runner.run('nft', ['-f', file]);
    if (r.exitCode !== 0) throw new ConvergeError('io', `nft -f refused converge's table (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
  },
  async list(ctx) {
    const r = await ctx.runner.run('nft', ['-j', 'list', 'table', 'inet', NFT_TABLE]);
    if (r.exitCode !== 0) {
      if (/No such file or directory/.test(r.stderr)) return {};
      throw new ConvergeError('io', `nft list table inet ${NFT_TABLE} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
    }
    let items: unknown[];
    try {
      items = (JSON.parse(r.stdout) as { nftables?: unknown[] }).nftables ?? [];
    } catch (error) {
      throw new ConvergeError('io', 'nft -j printed something that is not JSON', { cause: error });
    }
    const out: Record<string, string[]> = {};
    for (const item of items) {
      const rule = (item as { rule?: { chain?: string; comment?: string; expr?: unknown } }).rule;
      if (!rule) continue;
      // a rule added to converge's table without converge's comment counts under ''
      const name = typeof rule.comment === 'string' && rule.comment.startsWith('converge:') ? rule.comment.slice('converge:'.length) : '';
      (out[name] ??= []).push(JSON.stringify({ chain: rule.chain, expr: rule.expr }));
    }
    return out;
  },
};
