// Floats in vars as Ansible reads them. A JavaScript number does not say
// whether `1.0` or `1` was written, and a template prints the two differently
// (`1.0`, `1`), so a var's YAML float becomes a template float (PyFloat). A
// number YAML 1.2 reads where Ansible's YAML 1.1 reads a string (`1e3`) is an
// error at the scalar rather than a value that prints otherwise.
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node, Scalar } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { nodeAt } from './yaml.js';
import type { YamlFile } from './yaml.js';
import { PyFloat } from './template-float.js';

const INT = /^[-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)$/;
// PyYAML's float resolver (YAML 1.1), without the sexagesimal form.
const PYYAML_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** What to make of a scalar YAML 1.2 reads as a number and PyYAML as a string. */
type Mismatch = (node: Scalar, source: string, value: number) => unknown;

/** The value at `path` of `yaml` with its YAML floats as template floats; problems go to `diagnostics`. */
export function withYamlFloats(yaml: YamlFile, path: readonly (string | number)[], value: unknown, diagnostics: Diagnostic[]): unknown {
  // Only numbers change: a value without one needs no Document (a quickly read file has none yet).
  if (!hasNumber(value, 0)) return value;
  const node = nodeAt(yaml, path);
  const refuse: Mismatch = (scalar, source, n) => {
    const at = yaml.lines.linePos(scalar.range?.[0] ?? 0);
    diagnostics.push({ file: yaml.file, line: at.line, column: at.col, message: `'${source}' is a number in YAML 1.2 but the string '${source}' in Ansible (YAML 1.1): quote it for a string, or write a float with a point and a signed exponent (1.0e+3)` });
    return n;
  };
  return node ? convert(yaml.doc, node, value, refuse, 0) : value;
}

/** A parsed document's value as PyYAML reads it (from_yaml): floats as template floats, `1e3` as a string. */
export function asPyYaml(doc: Document.Parsed, value: unknown): unknown {
  return convert(doc, doc.contents, value, (_node, source) => source, 0);
}

function convert(doc: Document.Parsed, node: unknown, value: unknown, mismatch: Mismatch, depth: number): unknown {
  if (depth > 64) return value;
  if (isAlias(node)) node = node.resolve(doc);
  if (isScalar(node)) {
    const source = node.source;
    if (typeof value !== 'number' || typeof node.value !== 'number' || source === undefined || INT.test(source)) return value;
    return PYYAML_FLOAT.test(source) ? new PyFloat(value) : mismatch(node, source, value);
  }
  if (isSeq(node) && Array.isArray(value)) {
    const items = node.items as unknown[];
    const out = value.map((v, i) => convert(doc, items[i], v, mismatch, depth + 1));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (isMap(node) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    let out: Record<string, unknown> | undefined;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || key === '<<' || !Object.hasOwn(value, key)) continue;
      const before = (value as Record<string, unknown>)[key];
      const after = convert(doc, pair.value as Node | null, before, mismatch, depth + 1);
      if (after !== before) (out ??= { ...(value as Record<string, unknown>) })[key] = after;
    }
    return out ?? value;
  }
  return value;
}

function hasNumber(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return true;
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((v) => hasNumber(v, depth + 1));
}
