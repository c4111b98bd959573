// Server-sent events for the mock: frame encoders, how text and tool arguments are cut into deltas,
// and the writer that sends a stream in one write or paced by `chunkDelayMs`.
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

/** OpenAI chat and legacy completions: bare `data:` lines. */
export function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Anthropic and the Responses API: an `event:` line naming the type, then the `data:` line. */
export function eventFrame(type: string, payload: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export const DONE_FRAME = 'data: [DONE]\n\n';

/** Cuts code points into `n` nearly equal runs, never splitting a surrogate pair. */
function evenPieces(text: string, n: number): string[] {
  const cps = Array.from(text);
  const count = Math.max(1, Math.min(n, cps.length));
  const out: string[] = [];
  for (let i = 0; i < count; i++)
    out.push(
      cps.slice(Math.floor((i * cps.length) / count), Math.floor(((i + 1) * cps.length) / count)).join(''),
    );
  return out;
}

/**
 * Text deltas: `chunks` even pieces when scripted, otherwise one per word with its leading
 * whitespace attached, the way token deltas (" world") arrive from real models.
 */
export function splitText(text: string, chunks?: number): string[] {
  if (text === '') return [];
  if (chunks !== undefined) return evenPieces(text, chunks);
  const words = text.match(/\s*\S+/g);
  if (words === null) return [text];
  const tail = text.slice(words.join('').length);
  if (tail !== '') words[words.length - 1] += tail;
  return words;
}

const ARG_PIECE = 8;

/** Tool arguments arrive in several small deltas, as OpenAI and Anthropic both send them. */
export function splitArguments(args: string): string[] {
  if (args === '') return [];
  return evenPieces(args, Math.max(2, Math.ceil(Array.from(args).length / ARG_PIECE)));
}

/**
 * Sends the frames; without a delay the whole stream goes out in one write (fast for benchmarks),
 * with one it is paced so clients can observe or abort a stream in flight.
 */
export async function writeStream(
  res: ServerResponse,
  frames: string[],
  chunkDelayMs: number,
  signal: AbortSignal,
  headers: Record<string, string> = {},
): Promise<void> {
  if (res.destroyed) return;
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  if (chunkDelayMs === 0) {
    res.end(frames.join(''));
    return;
  }
  for (let i = 0; i < frames.length; i++) {
    if (res.destroyed) return;
    res.write(frames[i]);
    if (i < frames.length - 1) await sleep(chunkDelayMs, undefined, { signal });
  }
  res.end();
}
