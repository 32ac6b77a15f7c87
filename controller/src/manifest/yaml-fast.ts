// The quick read of a manifest. js-yaml's event parser reads a 100 KB manifest
// in about a fifth of the time `yaml` takes to build its Document (bench/yaml),
// so a manifest is read with it first, and `yaml` parses it only when a message
// needs a node the quick read cannot place, or when the quick read gives up.
//
// The quick read gives up (returns null) on whatever it would not read exactly
// as `yaml` does (yaml.ts's options): an error of any kind, no document or
// several, a tag, an anchor or alias, a merge key, a null or collection as a
// key, a key over 1024 characters, a number written with an exponent. `yaml`
// then reads the file as before, with its own messages.
import { boolCoreTag, constructFromEvents, CORE_SCHEMA, EVENT_ID, floatCoreTag, getScalarValue, intCoreTag, NOT_RESOLVED, nullCoreTag, parseEvents, SCALAR_STYLE } from 'js-yaml';
import type { Event, ScalarEvent } from 'js-yaml';

/** Where a node starts (an offset into the text), or -1 where only `yaml` can say (block and empty scalars). */
export type Start = number;

export interface FastMap {
  kind: 'map';
  start: Start;
  /** Key (as the value's own key reads) → its pair's index. */
  index: Map<string, number>;
  keyStarts: Start[];
  values: FastNode[];
}

export interface FastSeq {
  kind: 'seq';
  start: Start;
  items: FastNode[];
}

export interface FastScalar {
  kind: 'scalar';
  start: Start;
}

export type FastNode = FastMap | FastSeq | FastScalar;

export interface FastYaml {
  value: unknown;
  root: FastNode;
}

/** `yaml` refuses an implicit key longer than this. */
const MAX_KEY_CHARS = 1024;
const KEY_RESOLVERS = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];
// A number with an exponent: `yaml` and js-yaml read its overflow (1e400) differently.
const EXPONENT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;

/** The manifest's value and where each node starts, or null when `yaml` must read it. */
export function parseFast(text: string): FastYaml | null {
  let events: Event[];
  let docs: unknown[];
  try {
    events = parseEvents(text, {});
    docs = constructFromEvents(events, { source: text, schema: CORE_SCHEMA });
  } catch {
    return null;
  }
  if (docs.length !== 1) return null;
  const root = new Walk(text, events).document();
  return root ? { value: docs[0], root } : null;
}

/** The start of the node at `path` (of its key, with `key`), or of its nearest ancestor there is; null where the quick read cannot place it. */
export function locateFast(root: FastNode, path: readonly PropertyKey[], key: boolean): number | null {
  let node: FastNode = root;
  let best = root.start;
  for (let i = 0; i < path.length; i++) {
    const part = path[i]!;
    if (node.kind === 'map') {
      const at = node.index.get(String(part));
      if (at === undefined) break;
      if (i === path.length - 1 && key) {
        best = node.keyStarts[at]!;
        break;
      }
      node = node.values[at]!;
    } else if (node.kind === 'seq' && typeof part === 'number') {
      const item = node.items[part];
      if (!item) break;
      node = item;
    } else {
      break;
    }
    best = node.start;
  }
  return best < 0 ? null : best;
}

/** One pass over the events, building the position tree; null on anything the quick read does not take. */
class Walk {
  private at = 0;

  constructor(
    private readonly text: string,
    private readonly events: Event[],
  ) {}

  document(): FastNode | null {
    if (this.events[this.at++]?.type !== EVENT_ID.DOCUMENT) return null;
    const root = this.node();
    return root && this.events[this.at]?.type === EVENT_ID.POP ? root : null;
  }

  private node(): FastNode | null {
    const event = this.events[this.at++];
    if (!event || event.type === EVENT_ID.ALIAS || event.type === EVENT_ID.POP || event.type === EVENT_ID.DOCUMENT) return null;
    if (event.anchorStart >= 0 || event.tagStart >= 0) return null;
    if (event.type === EVENT_ID.SCALAR) return this.scalar(event);
    if (event.type === EVENT_ID.SEQUENCE) {
      const items: FastNode[] = [];
      while (this.events[this.at]?.type !== EVENT_ID.POP) {
        const item = this.node();
        if (!item) return null;
        items.push(item);
      }
      this.at++;
      return { kind: 'seq', start: event.start, items };
    }
    const map: FastMap = { kind: 'map', start: event.start, index: new Map(), keyStarts: [], values: [] };
    while (this.events[this.at]?.type !== EVENT_ID.POP) {
      const keyEvent = this.events[this.at++];
      if (keyEvent?.type !== EVENT_ID.SCALAR || keyEvent.anchorStart >= 0 || keyEvent.tagStart >= 0) return null;
      const name = this.keyName(keyEvent);
      const keyNode = this.scalar(keyEvent);
      if (name === null || !keyNode || map.index.has(name)) return null;
      const value = this.node();
      if (!value) return null;
      map.index.set(name, map.values.length);
      map.keyStarts.push(keyNode.start);
      map.values.push(value);
    }
    this.at++;
    return map;
  }

  private scalar(event: ScalarEvent): FastScalar | null {
    const { style, valueStart, valueEnd } = event;
    if (style === SCALAR_STYLE.PLAIN) {
      if (numberLike(this.text.charCodeAt(valueStart)) && EXPONENT.test(this.text.slice(valueStart, valueEnd))) return null;
      return { kind: 'scalar', start: valueEnd > valueStart ? valueStart : -1 };
    }
    if (style === SCALAR_STYLE.SINGLE_QUOTED || style === SCALAR_STYLE.DOUBLE_QUOTED) {
      const quote = style === SCALAR_STYLE.SINGLE_QUOTED ? "'" : '"';
      return { kind: 'scalar', start: this.text[valueStart - 1] === quote ? valueStart - 1 : -1 };
    }
    return { kind: 'scalar', start: -1 };
  }

  /** A key as the constructed object has it (String of its value); null for a key `yaml` would read otherwise. */
  private keyName(event: ScalarEvent): string | null {
    if (event.valueEnd - event.valueStart > MAX_KEY_CHARS - 8) return null;
    const source = getScalarValue(this.text, event);
    if (event.style !== SCALAR_STYLE.PLAIN) return source;
    if (source === '<<') return null;
    for (const tag of KEY_RESOLVERS) {
      const value = tag.resolve(source, false, tag.tagName);
      if (value === NOT_RESOLVED) continue;
      return value === null ? null : String(value);
    }
    return source;
  }
}

/** A digit, `+`, `-` or `.`: how a YAML number starts. */
function numberLike(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
}
