// The bundle's `/.manifest`: its shape, validation of untrusted manifests, and byte-exact encoding
// the way OPA's Go `json.Encoder` writes it (field order, HTML escaping, trailing newline).
import { manifestInvalid } from '../errors.js';

export interface WasmResolver {
  /** The entrypoint path, `pkg/rule`. */
  entrypoint: string;
  /** The bundle path of the module, `/policy.wasm`. */
  module: string;
}

export interface Manifest {
  revision: string;
  roots: string[];
  wasm?: WasmResolver[];
  rego_version?: number;
  metadata?: Record<string, unknown>;
}

/**
 * Go's encoder escapes `<`, `>`, `&` and the JS line separators; doing the same keeps our
 * manifests byte-identical to `opa build` for the same content.
 */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Encodes with OPA's field order: revision, roots, wasm, rego_version, metadata. */
export function encodeManifest(m: Manifest): string {
  const ordered: Record<string, unknown> = { revision: m.revision, roots: m.roots };
  if (m.wasm) ordered.wasm = m.wasm.map((w) => ({ entrypoint: w.entrypoint, module: w.module }));
  if (m.rego_version !== undefined) ordered.rego_version = m.rego_version;
  if (m.metadata !== undefined) ordered.metadata = m.metadata;
  return `${goJson(ordered)}\n`;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a manifest read from an untrusted bundle. Unknown fields are kept out. */
export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw manifestInvalid('not valid JSON', err);
  }
  if (!isRecord(raw)) throw manifestInvalid('must be a JSON object');
  const revision = raw.revision ?? '';
  if (typeof revision !== 'string') throw manifestInvalid('"revision" must be a string');
  const roots = raw.roots ?? [''];
  if (!Array.isArray(roots) || !roots.every((r) => typeof r === 'string'))
    throw manifestInvalid('"roots" must be an array of strings');
  const m: Manifest = { revision, roots: roots as string[] };
  if (raw.wasm !== undefined) {
    if (!Array.isArray(raw.wasm)) throw manifestInvalid('"wasm" must be an array');
    m.wasm = raw.wasm.map((w, i) => {
      if (!isRecord(w) || typeof w.entrypoint !== 'string' || typeof w.module !== 'string')
        throw manifestInvalid(`"wasm[${i}]" must have string "entrypoint" and "module" fields`);
      return { entrypoint: w.entrypoint, module: w.module };
    });
  }
  if (raw.rego_version !== undefined) {
    if (raw.rego_version !== 0 && raw.rego_version !== 1)
      throw manifestInvalid('"rego_version" must be 0 or 1');
    m.rego_version = raw.rego_version;
  }
  if (raw.metadata !== undefined) {
    if (!isRecord(raw.metadata)) throw manifestInvalid('"metadata" must be an object');
    m.metadata = raw.metadata;
  }
  return m;
}
