// The catalog of Rego builtins the compiler knows: name, arity, argument/result types and flags. Native
// ones run in runtime.wasm (see engine/wasm/runtime/natives.json); the rest are host builtins in TS.

/** A Rego type name as used by the catalog's descriptors; `any` accepts every value. */
export type TypeName = 'any' | 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

/** A union of type names (`['string', 'array']`); `['any']` accepts everything. */
export type TypeDesc = readonly TypeName[];

export interface BuiltinDecl {
  /** Dotted name, e.g. `io.jwt.decode`. */
  name: string;
  /** Number of declared arguments (the result is not counted). For variadic builtins: the minimum. */
  arity: number;
  /** Argument types, one per declared argument. */
  args?: readonly TypeDesc[];
  /** Result type (`['boolean']` for operators that only succeed or fail). */
  result?: TypeDesc;
  /** True for builtins without a usable result (e.g. `print`): calls are statements. */
  void?: boolean;
  /** True when any number of arguments is accepted (only `print`, which the compiler rewrites). */
  variadic?: boolean;
  /** True when the builtin's result varies between calls with equal arguments (time.now_ns, rand.*). */
  nondeterministic?: boolean;
  /** Infix spelling, if any (`+`, `==`, ...). */
  infix?: string;
  /** True for names OPA keeps only for old policies (`re_match`, `set_diff`, `cast_*`, ...). */
  deprecated?: boolean;
  /** True for relations such as `walk`, whose last argument is an output that can bind many values. */
  relation?: boolean;
}

type Flags = Pick<
  BuiltinDecl,
  'void' | 'variadic' | 'nondeterministic' | 'infix' | 'deprecated' | 'relation'
>;

const TYPE_NAMES = new Set<string>(['any', 'null', 'boolean', 'number', 'string', 'array', 'object', 'set']);

function parseType(text: string): TypeDesc {
  const names = text.split('|').map((s) => s.trim());
  for (const n of names) if (!TYPE_NAMES.has(n)) throw new Error(`catalog: unknown type ${n}`);
  return names as TypeName[];
}

/** One declaration from a compact signature: `fn('concat', 'string, array|set', 'string')`. */
function fn(name: string, args: string, result: string, flags: Flags = {}): BuiltinDecl {
  const argTypes = args === '' ? [] : args.split(',').map(parseType);
  return { name, arity: argTypes.length, args: argTypes, result: parseType(result), ...flags };
}

const nd: Flags = { nondeterministic: true };
const old: Flags = { deprecated: true };
const coll = 'array|set';
const str3 = 'string|array|set';

const operators: BuiltinDecl[] = [
  fn('eq', 'any, any', 'boolean', { infix: '=' }),
  fn('assign', 'any, any', 'boolean', { infix: ':=' }),
  fn('equal', 'any, any', 'boolean', { infix: '==' }),
  fn('neq', 'any, any', 'boolean', { infix: '!=' }),
  fn('lt', 'any, any', 'boolean', { infix: '<' }),
  fn('lte', 'any, any', 'boolean', { infix: '<=' }),
  fn('gt', 'any, any', 'boolean', { infix: '>' }),
  fn('gte', 'any, any', 'boolean', { infix: '>=' }),
  fn('plus', 'number, number', 'number', { infix: '+' }),
  fn('minus', 'number|set, number|set', 'number|set', { infix: '-' }),
  fn('mul', 'number, number', 'number', { infix: '*' }),
  fn('div', 'number, number', 'number', { infix: '/' }),
  fn('rem', 'number, number', 'number', { infix: '%' }),
  fn('and', 'set, set', 'set', { infix: '&' }),
  fn('or', 'set, set', 'set', { infix: '|' }),
  fn('internal.member_2', 'any, any', 'boolean', { infix: 'in' }),
  fn('internal.member_3', 'any, any, any', 'boolean', { infix: 'in' }),
];

const numbersAndAggregates: BuiltinDecl[] = [
  fn('abs', 'number', 'number'),
  fn('ceil', 'number', 'number'),
  fn('floor', 'number', 'number'),
  fn('round', 'number', 'number'),
  fn('numbers.range', 'number, number', 'array'),
  fn('numbers.range_step', 'number, number, number', 'array'),
  fn('rand.intn', 'string, number', 'number', nd),
  fn('count', 'string|array|object|set', 'number'),
  fn('sum', coll, 'number'),
  fn('product', coll, 'number'),
  fn('max', coll, 'any'),
  fn('min', coll, 'any'),
  fn('sort', coll, 'array'),
  fn('all', coll, 'boolean', old),
  fn('any', coll, 'boolean', old),
  fn('bits.and', 'number, number', 'number'),
  fn('bits.or', 'number, number', 'number'),
  fn('bits.xor', 'number, number', 'number'),
  fn('bits.negate', 'number', 'number'),
  fn('bits.lsh', 'number, number', 'number'),
  fn('bits.rsh', 'number, number', 'number'),
  fn('to_number', 'null|boolean|number|string', 'number'),
  fn('format_int', 'number, number', 'string'),
  fn('units.parse', 'string', 'number'),
  fn('units.parse_bytes', 'string', 'number'),
];

const collections: BuiltinDecl[] = [
  fn('array.concat', 'array, array', 'array'),
  fn('array.slice', 'array, number, number', 'array'),
  fn('array.reverse', 'array', 'array'),
  fn('array.flatten', 'array', 'array'),
  fn('intersection', 'set', 'set'),
  fn('union', 'set', 'set'),
  fn('set_diff', 'set, set', 'set', old),
  fn('object.get', 'object, any, any', 'any'),
  fn('object.keys', 'object', 'set'),
  fn('object.remove', 'object, array|set|object', 'object'),
  fn('object.filter', 'object, array|set|object', 'object'),
  fn('object.subset', 'object|array|set, object|array|set', 'boolean'),
  fn('object.union', 'object, object', 'object'),
  fn('object.union_n', 'array', 'object'),
  fn('json.filter', 'object, array|set', 'object'),
  fn('json.remove', 'object, array|set', 'object'),
  fn('json.patch', 'any, array', 'any'),
  fn('graph.reachable', 'object, array|set', 'set'),
  fn('graph.reachable_paths', 'object, array|set', 'set'),
  fn('walk', 'any', 'array', { relation: true }),
];

const strings: BuiltinDecl[] = [
  fn('concat', 'string, array|set', 'string'),
  fn('contains', 'string, string', 'boolean'),
  fn('startswith', 'string, string', 'boolean'),
  fn('endswith', 'string, string', 'boolean'),
  fn('indexof', 'string, string', 'number'),
  fn('indexof_n', 'string, string', 'array'),
  fn('lower', 'string', 'string'),
  fn('upper', 'string', 'string'),
  fn('replace', 'string, string, string', 'string'),
  fn('split', 'string, string', 'array'),
  fn('sprintf', 'string, array', 'string'),
  // Ours: sprintf whose values arrive as JSON text, so integers past 2^53 stay exact (plan-exprs.ts).
  fn('internal.sprintf_json', 'string, string', 'string'),
  fn('substring', 'string, number, number', 'string'),
  fn('trim', 'string, string', 'string'),
  fn('trim_left', 'string, string', 'string'),
  fn('trim_right', 'string, string', 'string'),
  fn('trim_prefix', 'string, string', 'string'),
  fn('trim_suffix', 'string, string', 'string'),
  fn('trim_space', 'string', 'string'),
  fn('strings.any_prefix_match', `${str3}, ${str3}`, 'boolean'),
  fn('strings.any_suffix_match', `${str3}, ${str3}`, 'boolean'),
  fn('strings.count', 'string, string', 'number'),
  fn('strings.render_template', 'string, object', 'string'),
  fn('strings.replace_n', 'object, string', 'string'),
  fn('strings.reverse', 'string', 'string'),
  fn('strings.split_n', 'string, string, number', 'array'),
  fn('internal.template_string', 'array', 'string'),
  fn('regex.match', 'string, string', 'boolean'),
  fn('re_match', 'string, string', 'boolean', old),
  fn('regex.is_valid', 'string', 'boolean'),
  fn('regex.split', 'string, string', 'array'),
  fn('regex.find_n', 'string, string, number', 'array'),
  fn('regex.find_all_string_submatch_n', 'string, string, number', 'array'),
  fn('regex.replace', 'string, string, string', 'string'),
  fn('regex.template_match', 'string, string, string, string', 'boolean'),
  fn('regex.globs_match', 'string, string', 'boolean'),
  fn('glob.match', 'string, array|null, string', 'boolean'),
  fn('glob.quote_meta', 'string', 'string'),
];

const types: BuiltinDecl[] = [
  fn('is_array', 'any', 'boolean'),
  fn('is_boolean', 'any', 'boolean'),
  fn('is_null', 'any', 'boolean'),
  fn('is_number', 'any', 'boolean'),
  fn('is_object', 'any', 'boolean'),
  fn('is_set', 'any', 'boolean'),
  fn('is_string', 'any', 'boolean'),
  fn('type_name', 'any', 'string'),
  fn('cast_array', 'any', 'array', old),
  fn('cast_boolean', 'any', 'boolean', old),
  fn('cast_null', 'any', 'null', old),
  fn('cast_object', 'any', 'object', old),
  fn('cast_set', 'any', 'set', old),
  fn('cast_string', 'any', 'string', old),
];

const encodings: BuiltinDecl[] = [
  fn('base64.encode', 'string', 'string'),
  fn('base64.decode', 'string', 'string'),
  fn('base64.is_valid', 'string', 'boolean'),
  fn('base64url.encode', 'string', 'string'),
  fn('base64url.encode_no_pad', 'string', 'string'),
  fn('base64url.decode', 'string', 'string'),
  fn('hex.encode', 'string', 'string'),
  fn('hex.decode', 'string', 'string'),
  fn('json.is_valid', 'any', 'boolean'),
  fn('json.marshal', 'any', 'string'),
  fn('json.marshal_with_options', 'any, object', 'string'),
  fn('json.unmarshal', 'string', 'any'),
  fn('json.verify_schema', 'string|object', 'array'),
  fn('json.match_schema', 'string|object, string|object', 'array'),
  fn('urlquery.encode', 'string', 'string'),
  fn('urlquery.decode', 'string', 'string'),
  fn('uri.parse', 'string', 'object'),
  fn('uri.is_valid', 'string', 'boolean'),
  fn('urlquery.encode_object', 'object', 'string'),
  fn('urlquery.decode_object', 'string', 'object'),
  fn('yaml.is_valid', 'any', 'boolean'),
  fn('yaml.marshal', 'any', 'string'),
  fn('yaml.unmarshal', 'string', 'any'),
];

const jwtVerify = [
  'es256',
  'es384',
  'es512',
  'hs256',
  'hs384',
  'hs512',
  'ps256',
  'ps384',
  'ps512',
  'rs256',
  'eddsa',
]
  .concat(['rs384', 'rs512'])
  .map((alg) => fn(`io.jwt.verify_${alg}`, 'string, string', 'boolean'));

const crypto: BuiltinDecl[] = [
  fn('crypto.md5', 'string', 'string'),
  fn('crypto.sha1', 'string', 'string'),
  fn('crypto.sha256', 'string', 'string'),
  fn('crypto.hmac.md5', 'string, string', 'string'),
  fn('crypto.hmac.sha1', 'string, string', 'string'),
  fn('crypto.hmac.sha256', 'string, string', 'string'),
  fn('crypto.hmac.sha512', 'string, string', 'string'),
  fn('crypto.hmac.equal', 'string, string', 'boolean'),
  fn('crypto.parse_private_keys', 'string', 'array'),
  fn('crypto.x509.parse_certificates', 'string', 'array'),
  fn('crypto.x509.parse_and_verify_certificates', 'string', 'array'),
  fn('crypto.x509.parse_and_verify_certificates_with_options', 'string, object', 'array'),
  fn('crypto.x509.parse_certificate_request', 'string', 'object'),
  fn('crypto.x509.parse_keypair', 'string, string', 'object'),
  fn('crypto.x509.parse_rsa_private_key', 'string', 'object'),
  fn('io.jwt.decode', 'string', 'array'),
  fn('io.jwt.decode_verify', 'string, object', 'array', nd),
  fn('io.jwt.encode_sign', 'object, object, object', 'string', nd),
  fn('io.jwt.encode_sign_raw', 'string, string, string', 'string', nd),
  ...jwtVerify,
];

const timeAndIds: BuiltinDecl[] = [
  fn('time.now_ns', '', 'number', nd),
  fn('time.parse_ns', 'string, string', 'number'),
  fn('time.parse_rfc3339_ns', 'string', 'number'),
  fn('time.parse_duration_ns', 'string', 'number'),
  fn('time.date', 'number|array', 'array'),
  fn('time.clock', 'number|array', 'array'),
  fn('time.weekday', 'number|array', 'string'),
  fn('time.add_date', 'number, number, number, number', 'number'),
  fn('time.diff', 'number|array, number|array', 'array'),
  fn('time.format', 'number|array', 'string'),
  fn('uuid.rfc4122', 'string', 'string', nd),
  fn('uuid.parse', 'string', 'object'),
  fn('semver.compare', 'string, string', 'number'),
  fn('semver.is_valid', 'any', 'boolean'),
];

const network: BuiltinDecl[] = [
  fn('net.cidr_contains', 'string, string', 'boolean'),
  fn('net.cidr_intersects', 'string, string', 'boolean'),
  fn('net.cidr_overlap', 'string, string', 'boolean', old),
  fn('net.cidr_expand', 'string', 'set'),
  fn('net.cidr_merge', 'array|set', 'set'),
  fn('net.cidr_is_valid', 'string', 'boolean'),
  fn('net.cidr_contains_matches', `${str3}|object, ${str3}|object`, 'set'),
  fn('net.lookup_ip_addr', 'string', 'set', nd),
  fn('http.send', 'object', 'object', nd),
  fn('providers.aws.sign_req', 'object, object, number', 'object'),
];

const regoAndRuntime: BuiltinDecl[] = [
  fn('opa.runtime', '', 'object', nd),
  fn('trace', 'string', 'boolean'),
  { name: 'print', arity: 0, args: [], variadic: true, void: true },
  fn('internal.print', 'array', 'null', { void: true }),
  // Ours: `semamesh test --coverage` builds call it with a source span's key (plan/planner.ts).
  fn('internal.cover', 'string', 'null', { void: true }),
  fn('rego.parse_module', 'string, string', 'object'),
  fn('rego.metadata.chain', '', 'array'),
  fn('rego.metadata.rule', '', 'any'),
  fn('graphql.is_valid', 'string|object, string|object', 'boolean'),
  fn('graphql.parse', 'string|object, string|object', 'array'),
  fn('graphql.parse_and_verify', 'string|object, string|object', 'array'),
  fn('graphql.parse_query', 'string', 'object'),
  fn('graphql.parse_schema', 'string', 'object'),
  fn('graphql.schema_is_valid', 'string|object', 'boolean'),
];

const decls: BuiltinDecl[] = [
  ...operators,
  ...numbersAndAggregates,
  ...collections,
  ...strings,
  ...types,
  ...encodings,
  ...crypto,
  ...timeAndIds,
  ...network,
  ...regoAndRuntime,
];

/** Builtins by name: OPA 1.x's full list plus the deprecated names old policies still use. */
export const BUILTINS: ReadonlyMap<string, BuiltinDecl> = new Map(decls.map((d) => [d.name, d]));

export function lookupBuiltin(name: string): BuiltinDecl | undefined {
  return BUILTINS.get(name);
}

/** Builtins by infix spelling; `in` maps to `internal.member_2` (the 3-argument form is `k, v in xs`). */
export const INFIX_BUILTINS: ReadonlyMap<string, BuiltinDecl> = new Map(
  decls.filter((d) => d.infix && d.name !== 'internal.member_3').map((d) => [d.infix as string, d]),
);

/** Runtime type name of a JSON-decoded value, as the catalog's descriptors spell it. */
export function typeOfValue(v: unknown): TypeName {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Set) return 'set';
  const t = typeof v;
  if (t === 'boolean' || t === 'number' || t === 'string') return t;
  return 'object';
}

/** True when a value of type `t` may be passed where `desc` is expected. */
export function typeAccepts(desc: TypeDesc, t: TypeName): boolean {
  return t === 'any' || desc.includes('any') || desc.includes(t);
}
