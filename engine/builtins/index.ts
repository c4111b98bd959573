// Public entry of the builtins component: the catalog, which builtins are native, and the
// TypeScript host builtins handed to the opa-wasm SDK as custom builtins.
import { readFileSync } from 'node:fs';
import { awsBuiltins } from './host/aws.js';
import { coreBuiltins } from './host/core.js';
import { scalarBuiltins } from './host/core-scalars.js';
import { cryptoBuiltins } from './host/crypto.js';
import { encodingBuiltins } from './host/encoding.js';
import { globBuiltins } from './host/glob.js';
import { graphqlBuiltins } from './host/graphql.js';
import { jsonSchemaBuiltins } from './host/json-schema.js';
import { jwtBuiltins } from './host/jwt.js';
import { netBuiltins } from './host/net.js';
import { regexBuiltins } from './host/regex.js';
import { guard, type HostBuiltin } from './host/runtime.js';
import { semverBuiltins } from './host/semver.js';
import { stringBuiltins } from './host/strings.js';
import { extraBuiltins } from './host/strings-extra.js';
import { timeBuiltins } from './host/time.js';
import { unitsBuiltins } from './host/units.js';
import { uriBuiltins } from './host/uri.js';

export {
  BUILTINS,
  type BuiltinDecl,
  INFIX_BUILTINS,
  lookupBuiltin,
  type TypeDesc,
  type TypeName,
  typeAccepts,
  typeOfValue,
} from './catalog.js';
export { BuiltinError, type BuiltinErrorCode } from './errors.js';
export { parseRegoValue } from './host/rego-text.js';
export type { HostBuiltin } from './host/runtime.js';
export { lastHostErrors, RegoSet, setEncoding } from './host/runtime.js';

const groups: Record<string, HostBuiltin>[] = [
  coreBuiltins,
  scalarBuiltins,
  stringBuiltins,
  regexBuiltins,
  globBuiltins,
  timeBuiltins,
  unitsBuiltins,
  encodingBuiltins,
  jsonSchemaBuiltins,
  cryptoBuiltins,
  jwtBuiltins,
  netBuiltins,
  semverBuiltins,
  extraBuiltins,
  awsBuiltins,
  graphqlBuiltins,
  uriBuiltins,
];

// natives.json is written by the runtime build; read lazily so a missing file (runtime not built
// yet) just means every builtin is a host builtin.
const NATIVES_URL = new URL('../wasm/runtime/natives.json', import.meta.url);

let natives: ReadonlySet<string> | undefined;

function load(): ReadonlySet<string> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(NATIVES_URL, 'utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return new Set(Object.keys(parsed));
    }
  } catch {
    // Missing or unreadable: the runtime has no natives yet, so everything goes to the host.
  }
  return new Set();
}

/** Names of the builtins runtime.wasm exports natively. */
export function nativeBuiltins(): ReadonlySet<string> {
  natives ??= load();
  return natives;
}

/** Forget the cached natives.json (tests, or a rebuilt runtime in the same process). */
export function resetNativeBuiltins(): void {
  natives = undefined;
}

/** True when calls to `name` must go through `opa_builtinN` to a TypeScript implementation. */
export function isHostBuiltin(name: string): boolean {
  return !nativeBuiltins().has(name);
}

/**
 * Builtins the SDK ships itself; its dispatch prefers them over custom builtins. Modules name host
 * builtins as OPA does (so they run in the stock SDK as OPA's would); of these, only `yaml.*` still
 * reach the host (sprintf, regex.split and json.is_valid are native in runtime.wasm), and for those
 * the SDK's version answers, as it does for OPA's own modules (docs/wasm-sdk.md).
 */
export const SDK_SHADOWED: ReadonlySet<string> = new Set([
  'sprintf',
  'regex.split',
  'json.is_valid',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
]);

function build(): Record<string, HostBuiltin> {
  const out: Record<string, HostBuiltin> = {};
  for (const group of groups) {
    for (const [name, impl] of Object.entries(group)) {
      out[name] = guard(name, impl);
    }
  }
  return out;
}

/** Every TypeScript builtin, by its Rego name (the name the module's `builtins()` map uses). */
export const hostBuiltins: Record<string, HostBuiltin> = build();
