// Strict request-body decoding: valid UTF-8, bounded nesting depth (checked on the bytes before
// parsing, so hostile nesting never reaches a recursive walk), then JSON.parse.
import { bodyInvalid } from '../../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Nesting depth of JSON text, ignoring brackets inside strings; one linear pass. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

export function decodeJsonBody(raw: Buffer, maxDepth: number): unknown {
  if (raw.length === 0) throw bodyInvalid('the request body is empty; a JSON object is required');
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch (err) {
    throw bodyInvalid('the request body is not valid UTF-8', err);
  }
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw bodyInvalid(`the request body nests deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw bodyInvalid(`the request body is not valid JSON: ${(err as Error).message}`, err);
  }
}
