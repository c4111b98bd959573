// Checks a fetched pack before isomorphic-git reads it: isomorphic-git inflates every object whole
// to index the pack, so one highly compressible blob (a few KB on the wire, gigabytes inflated)
// would be materialised before any size check could run. Here each object's size is read from its
// header — the size a non-delta object inflates to, or, for a delta, the size of the object it
// rebuilds — and an object over the bound refuses the fetch without being inflated. Objects within
// the bound are inflated one at a time with the bound as a hard output cap (a lying header trips it).
import { inflateSync } from 'node:zlib';

export class PackTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackTooLargeError';
  }
}

const TYPES = ['', 'commit', 'tree', 'blob', 'tag', '', 'ofs-delta', 'ref-delta'];

/** The pack inside a git-upload-pack response: side-band channel 1, or the raw bytes after NAK. */
export function packFromResponse(body: Uint8Array): Buffer {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const parts: Buffer[] = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const len = Number.parseInt(buf.subarray(pos, pos + 4).toString('latin1'), 16);
    if (Number.isNaN(len)) break; // not pkt-lines (no side-band): the pack follows the lines read
    if (len === 0 || len === 1 || len === 2) {
      pos += 4;
      continue;
    }
    const payload = buf.subarray(pos + 4, pos + len);
    if (payload[0] === 1) parts.push(payload.subarray(1));
    else if (payload.subarray(0, 4).toString('latin1') === 'PACK') return buf.subarray(pos);
    pos += len;
  }
  if (parts.length === 0) {
    const at = buf.indexOf('PACK');
    return at >= 0 ? buf.subarray(at) : Buffer.alloc(0);
  }
  return Buffer.concat(parts);
}

/** Size varint of a delta's header (little-endian groups of 7 bits). */
function deltaVarint(b: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    if (i >= b.length) throw new PackTooLargeError('a delta header is truncated');
    const c = b[i++];
    value += (c & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(c & 0x80)) return { value, next: i };
  }
}

/**
 * Throws PackTooLargeError when an object of the pack is (or rebuilds) more than `maxObjectBytes`.
 * A pack that cannot be parsed is left to isomorphic-git, which refuses it with its own error.
 */
export function checkPack(pack: Buffer, maxObjectBytes: number): void {
  if (pack.length < 12 || pack.subarray(0, 4).toString('latin1') !== 'PACK') return;
  const count = pack.readUInt32BE(8);
  let pos = 12;
  for (let n = 0; n < count && pos < pack.length; n++) {
    let c = pack[pos++];
    const type = (c >> 4) & 7;
    let size = c & 0x0f;
    let shift = 4;
    while (c & 0x80) {
      c = pack[pos++];
      size += (c & 0x7f) * 2 ** shift;
      shift += 7;
    }
    if (type === 6) {
      do c = pack[pos++];
      while (c & 0x80);
    } else if (type === 7) pos += 20;
    const delta = type === 6 || type === 7;
    // A delta is its target's copy and insert instructions: never much more than the target.
    if (delta && size > 2 * maxObjectBytes + 64)
      throw new PackTooLargeError(`a delta of ${size} bytes is larger than any object within the bound`);
    if (!delta && size > maxObjectBytes)
      throw new PackTooLargeError(
        `a ${TYPES[type] || 'git'} object of ${size} bytes is larger than the ${maxObjectBytes}-byte bound`,
      );
    // Deltas are small; what they rebuild is checked from their header below.
    const cap = delta ? Math.max(size, 64) : size;
    let out: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      out = inflateSync(pack.subarray(pos), { info: true, maxOutputLength: Math.max(cap, 1) + 1 }) as never;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw new PackTooLargeError(`an object inflates past its declared ${size} bytes`);
      return;
    }
    if (delta) {
      const target = deltaVarint(out.buffer, deltaVarint(out.buffer, 0).next).value;
      if (target > maxObjectBytes)
        throw new PackTooLargeError(
          `a delta rebuilds an object of ${target} bytes, larger than the ${maxObjectBytes}-byte bound`,
        );
    }
    pos += out.engine.bytesWritten;
  }
}
