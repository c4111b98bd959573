// Reads the Rego value text our runtime's opa_value_dump writes (JSON scalars, `[..]`, `{k: v}`,
// sets as `{a, b}` / `set()`) into host values with sets as RegoSet and integers beyond 2^53 as
// bigint. Object keys that are not
// strings become their text, as opa_json_dump writes them, since JS object keys are strings.
import { type HostValue, RegoSet } from './runtime.js';

class Reader {
  private i = 0;

  constructor(private readonly s: string) {}

  private ws(): void {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i])) this.i++;
  }

  private peek(): string {
    this.ws();
    return this.s[this.i] ?? '';
  }

  private expect(c: string): void {
    if (this.peek() !== c) throw new Error(`rego value text: '${c}' expected at ${this.i}`);
    this.i++;
  }

  value(): HostValue {
    const c = this.peek();
    if (c === '[') {
      this.i++;
      const out: HostValue[] = [];
      while (this.peek() !== ']') {
        if (out.length > 0) this.expect(',');
        out.push(this.value());
      }
      this.i++;
      return out;
    }
    if (c === '{') return this.braces();
    if (this.s.startsWith('set()', this.i)) {
      this.i += 5;
      return new RegoSet([]);
    }
    return this.scalar();
  }

  /** `{}`, an object `{k: v, ...}` or a non-empty set `{a, ...}`. */
  private braces(): HostValue {
    this.i++;
    if (this.peek() === '}') {
      this.i++;
      return {};
    }
    const start = this.i;
    const first = this.value();
    if (this.peek() !== ':') {
      const items = [first];
      while (this.peek() !== '}') {
        this.expect(',');
        items.push(this.value());
      }
      this.i++;
      return new RegoSet(items);
    }
    const out: Record<string, HostValue> = {};
    let key = typeof first === 'string' ? first : this.s.slice(start, this.i).trim();
    for (;;) {
      this.expect(':');
      out[key] = this.value();
      if (this.peek() === '}') break;
      this.expect(',');
      const at = this.i;
      const k = this.value();
      key = typeof k === 'string' ? k : this.s.slice(at, this.i).trim();
    }
    this.i++;
    return out;
  }

  private scalar(): HostValue {
    this.ws();
    const start = this.i;
    if (this.s[this.i] === '"') {
      this.i++;
      while (this.i < this.s.length && this.s[this.i] !== '"') this.i += this.s[this.i] === '\\' ? 2 : 1;
      this.i++;
    } else {
      while (
        this.i < this.s.length &&
        !',:]}'.includes(this.s[this.i]) &&
        !' \t\r\n'.includes(this.s[this.i])
      )
        this.i++;
    }
    const text = this.s.slice(start, this.i);
    // An integer beyond 2^53 stays exact (int64 nanoseconds), as a bigint.
    if (/^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text))) return BigInt(text);
    return JSON.parse(text) as HostValue;
  }

  end(): void {
    if (this.peek() !== '') throw new Error(`rego value text: unexpected text at ${this.i}`);
  }
}

/** The value of Rego value text as opa_value_dump writes it; throws on anything else. */
export function parseRegoValue(text: string): HostValue {
  const r = new Reader(text);
  const v = r.value();
  r.end();
  return v;
}
