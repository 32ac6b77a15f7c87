// Parse PowerShell text with the tree-sitter PowerShell grammar (WebAssembly,
// no PowerShell needed): the scripts converge sends must at least be valid
// PowerShell. What they do on Windows is confirmed there (docs/platforms.md).
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

let parser: Parser | null = null;

/** Syntax errors in `script` as "line:column near 'text'"; [] when it parses. */
export async function powershellSyntaxErrors(script: string): Promise<string[]> {
  if (!parser) {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
    const p = new Parser();
    p.setLanguage(await Language.load(wasm));
    parser = p;
  }
  const tree = parser.parse(script);
  if (!tree) return ['could not parse'];
  const errors: string[] = [];
  const visit = (node: NonNullable<typeof tree>['rootNode']) => {
    if (node.type === 'ERROR' || node.isMissing) {
      errors.push(`${node.startPosition.row + 1}:${node.startPosition.column + 1} near '${node.text.slice(0, 40)}'`);
      return;
    }
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  return errors;
}
