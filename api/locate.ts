// Finds where a path into a parsed document sits in the YAML source, so diagnostics point at the offending node.
import { type Document, isAlias, isMap, isNode, isScalar, isSeq, type Node } from 'yaml';
import type { PathSegment } from './diagnostics.js';

function start(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[0] : undefined;
}

/** An omitted value (`spec:` with nothing after it) has an empty range; its key is where the reader looks. */
function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (node.source === '' || node.source === undefined);
}

/**
 * The source offset of the node at `path`, or of the deepest ancestor that exists (a missing field
 * points at its parent map). With `atKey`, the last segment is located by its key, not its value.
 */
export function locateOffset(doc: Document, path: readonly PathSegment[], atKey = false): number {
  let node: unknown = doc.contents;
  let best = start(node) ?? doc.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      keyOffset = start(pair.key);
      if (atKey && i === path.length - 1 && keyOffset !== undefined) return keyOffset;
      next = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    } else {
      break;
    }
    if (next === null || next === undefined || isEmptyScalar(next)) {
      if (keyOffset !== undefined) best = keyOffset;
      break;
    }
    best = start(next) ?? best;
    node = next as Node;
  }
  return best;
}
