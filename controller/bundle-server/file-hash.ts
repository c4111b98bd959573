// Computes a bundle file's digest the way OPA does for `.signatures.json`: raw bytes for policy and
// wasm files; for JSON/YAML documents a canonical form (keys sorted bytewise, no whitespace, number
// literals kept as written) so the digest ignores formatting.
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';

/** OPA treats these base names as structured documents (bundle.IsStructuredDoc). */
const STRUCTURED = new Set(['data.json', 'data.yaml', 'data.yml', '.manifest', 'signatures.json']);

export function isStructuredDoc(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return STRUCTURED.has(base);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Go's json.Encoder with SetEscapeHTML(false): like JSON.stringify, plus U+2028/2029 escaped. */
function goString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, '\uFFFD')).replace(
    /[\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}

/** Go sorts map keys by their UTF-8 bytes, which differs from JS's UTF-16 order above U+FFFF. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

class JsonScanner {
  private i = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new SyntaxError(`${what} at offset ${this.i}`);
  }

  private ws(): void {
    while (this.i < this.text.length && ' \t\n\r'.includes(this.text[this.i])) this.i++;
  }

  document(): string {
    const out = this.value();
    this.ws();
    if (this.i !== this.text.length) this.fail('trailing characters');
    return out;
  }

  private value(): string {
    this.ws();
    const c = this.text[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return goString(this.stringToken());
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(
      this.text.slice(this.i),
    );
    if (!m) this.fail('unexpected character');
    this.i += m[0].length;
    return m[0];
  }

  private stringToken(): string {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(this.text.slice(this.i));
    if (!m) this.fail('bad string');
    this.i += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  private object(): string {
    this.i++;
    const members = new Map<string, string>();
    this.ws();
    if (this.text[this.i] === '}') {
      this.i++;
      return '{}';
    }
    for (;;) {
      this.ws();
      if (this.text[this.i] !== '"') this.fail('expected a key');
      const key = this.stringToken();
      this.ws();
      if (this.text[this.i++] !== ':') this.fail('expected ":"');
      members.set(key, this.value()); // Go keeps the last of duplicate keys.
      this.ws();
      const c = this.text[this.i++];
      if (c === '}') break;
      if (c !== ',') this.fail('expected "," or "}"');
    }
    const keys = [...members.keys()].sort(byteOrder);
    return `{${keys.map((k) => `${goString(k)}:${members.get(k)}`).join(',')}}`;
  }

  private array(): string {
    this.i++;
    const items: string[] = [];
    this.ws();
    if (this.text[this.i] === ']') {
      this.i++;
      return '[]';
    }
    for (;;) {
      items.push(this.value());
      this.ws();
      const c = this.text[this.i++];
      if (c === ']') break;
      if (c !== ',') this.fail('expected "," or "]"');
    }
    return `[${items.join(',')}]`;
  }
}

/** Canonical text of a JS value (used for YAML documents, whose numbers have no literal text). */
function canonicalValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalValue).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort(byteOrder);
    return `{${keys.map((k) => `${goString(k)}:${canonicalValue(o[k])}`).join(',')}}`;
  }
  if (typeof v === 'string') return goString(v);
  return JSON.stringify(v) ?? 'null';
}

/** The canonical JSON text OPA hashes for a structured document; throws SyntaxError on bad input. */
export function canonicalJson(name: string, body: Buffer): string {
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (/\.ya?ml$/.test(name)) return canonicalValue(parseYaml(text));
  return new JsonScanner(text).document();
}

/** OPA's algorithm names (bundle.HashingAlgorithm) → node:crypto's. */
const ALGORITHMS: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
};

export function isHashAlgorithm(name: string): boolean {
  return Object.hasOwn(ALGORITHMS, name);
}

/** Hex digest of a bundle file as it appears in a signature's `files` claim (default SHA-256). */
export function fileDigest(name: string, body: Buffer, algorithm = 'SHA-256'): string {
  const h = createHash(ALGORITHMS[algorithm] ?? 'sha256');
  h.update(isStructuredDoc(name) ? Buffer.from(canonicalJson(name, body), 'utf8') : body);
  return h.digest('hex');
}
