// graphql.* builtins on graphql-js: documents are parsed by graphql-js and converted to the JSON shape
// of gqlparser's AST that OPA returns (Go field names, numeric value kinds, `Alias` defaulting to the
// name, empty lists and nulls pruned); validation uses graphql-js' SDL and query validation.
import { createRequire } from 'node:module';
import type {
  ConstDirectiveNode,
  DefinitionNode,
  DirectiveNode,
  DocumentNode,
  FieldDefinitionNode,
  InputValueDefinitionNode,
  SelectionNode,
  TypeNode,
  ValueNode,
  VariableDefinitionNode,
} from 'graphql';
import { Kind } from 'graphql/language/kinds.js';
import { fail, type Json, type JsonObject } from './args.js';

type Out = { [key: string]: Json | Out | Out[] | undefined } | Json;

/** gqlparser's ast.ValueKind numbering. */
const VALUE_KIND: Partial<Record<Kind, number>> = {
  [Kind.VARIABLE]: 0,
  [Kind.INT]: 1,
  [Kind.FLOAT]: 2,
  [Kind.STRING]: 3,
  [Kind.BOOLEAN]: 5,
  [Kind.NULL]: 6,
  [Kind.ENUM]: 7,
  [Kind.LIST]: 8,
  [Kind.OBJECT]: 9,
};

/** gqlparser's ast.Value; `ExpectedTypeHasDefault` is a plain bool, so it survives OPA's pruning. */
function value(v: ValueNode | undefined): Out {
  if (!v) return null;
  return { ...valueFields(v), ExpectedTypeHasDefault: false };
}

function valueFields(v: ValueNode): Record<string, Out | Out[]> {
  switch (v.kind) {
    case Kind.VARIABLE:
      return { Kind: 0, Raw: v.name.value };
    case Kind.STRING:
      return { Kind: v.block ? 4 : 3, Raw: v.value };
    case Kind.LIST:
      return { Kind: 8, Raw: '', Children: v.values.map((x) => ({ Name: '', Value: value(x) })) };
    case Kind.OBJECT:
      return {
        Kind: 9,
        Raw: '',
        Children: v.fields.map((f) => ({ Name: f.name.value, Value: value(f.value) })),
      };
    case Kind.NULL:
      return { Kind: 6, Raw: 'null' };
    case Kind.BOOLEAN:
      return { Kind: 5, Raw: String(v.value) };
    default:
      return { Kind: VALUE_KIND[v.kind] ?? 7, Raw: v.value };
  }
}

function type(t: TypeNode | undefined, nonNull = false): Out {
  if (!t) return null;
  if (t.kind === Kind.NON_NULL_TYPE) return type(t.type, true);
  if (t.kind === Kind.LIST_TYPE) return { NamedType: '', Elem: type(t.type), NonNull: nonNull };
  return { NamedType: t.name.value, NonNull: nonNull };
}

function directives(ds: readonly (DirectiveNode | ConstDirectiveNode)[] | undefined): Out[] {
  return (ds ?? []).map((d) => ({
    Name: d.name.value,
    Location: '',
    Arguments: (d.arguments ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) })),
  }));
}

function variables(vs: readonly VariableDefinitionNode[] | undefined): Out[] {
  return (vs ?? []).map((v) => ({
    Description: v.description?.value ?? '',
    Variable: v.variable.name.value,
    Type: type(v.type),
    DefaultValue: value(v.defaultValue),
    Directives: directives(v.directives),
    Used: false,
  }));
}

function selections(sel: readonly SelectionNode[] | undefined): Out[] {
  return (sel ?? []).map((s): Out => {
    if (s.kind === Kind.FIELD) {
      return {
        Alias: (s.alias ?? s.name).value,
        Name: s.name.value,
        Arguments: (s.arguments ?? []).map((a) => ({ Name: a.name.value, Value: value(a.value) })),
        Directives: directives(s.directives),
        SelectionSet: selections(s.selectionSet?.selections),
      };
    }
    if (s.kind === Kind.FRAGMENT_SPREAD) return { Name: s.name.value, Directives: directives(s.directives) };
    return {
      TypeCondition: s.typeCondition?.name.value ?? '',
      Directives: directives(s.directives),
      SelectionSet: selections(s.selectionSet.selections),
    };
  });
}

function inputValue(a: InputValueDefinitionNode): Out {
  return {
    Description: a.description?.value ?? '',
    Name: a.name.value,
    Type: type(a.type),
    DefaultValue: value(a.defaultValue),
    Directives: directives(a.directives),
  };
}

function field(f: FieldDefinitionNode | InputValueDefinitionNode): Out {
  if (f.kind === Kind.INPUT_VALUE_DEFINITION) return inputValue(f);
  return {
    Description: f.description?.value ?? '',
    Name: f.name.value,
    Arguments: (f.arguments ?? []).map(inputValue),
    Type: type(f.type),
    Directives: directives(f.directives),
  };
}

const DEFINITION_KIND: Partial<Record<Kind, string>> = {
  [Kind.OBJECT_TYPE_DEFINITION]: 'OBJECT',
  [Kind.OBJECT_TYPE_EXTENSION]: 'OBJECT',
  [Kind.INTERFACE_TYPE_DEFINITION]: 'INTERFACE',
  [Kind.INTERFACE_TYPE_EXTENSION]: 'INTERFACE',
  [Kind.UNION_TYPE_DEFINITION]: 'UNION',
  [Kind.UNION_TYPE_EXTENSION]: 'UNION',
  [Kind.ENUM_TYPE_DEFINITION]: 'ENUM',
  [Kind.ENUM_TYPE_EXTENSION]: 'ENUM',
  [Kind.SCALAR_TYPE_DEFINITION]: 'SCALAR',
  [Kind.SCALAR_TYPE_EXTENSION]: 'SCALAR',
  [Kind.INPUT_OBJECT_TYPE_DEFINITION]: 'INPUT_OBJECT',
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: 'INPUT_OBJECT',
};

function definition(d: DefinitionNode): Out {
  const n = d as unknown as Record<string, unknown> & { name: { value: string } };
  const names = (xs: unknown) =>
    ((xs as { name: { value: string } }[] | undefined) ?? []).map((x) => x.name.value);
  return {
    Kind: DEFINITION_KIND[d.kind] ?? null,
    Description: (n.description as { value: string } | undefined)?.value ?? '',
    Name: n.name.value,
    Directives: directives(n.directives as DirectiveNode[]),
    Interfaces: names(n.interfaces),
    Fields: ((n.fields as (FieldDefinitionNode | InputValueDefinitionNode)[] | undefined) ?? []).map(field),
    Types: names(n.types),
    EnumValues: (
      (n.values as {
        description?: { value: string };
        name: { value: string };
        directives?: DirectiveNode[];
      }[]) ?? []
    ).map((e) => ({
      Description: e.description?.value ?? '',
      Name: e.name.value,
      Directives: directives(e.directives),
    })),
    BuiltIn: false,
  };
}

/** OPA drops nulls, empty lists and empty objects from the marshalled AST. */
function prune(v: Out | undefined): Out | undefined {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const items = v.map(prune).filter((x) => x !== undefined) as Out[];
    return items.length ? (items as Json) : undefined;
  }
  if (typeof v === 'object') {
    const out: Record<string, Out> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x as Out);
      if (p !== undefined) out[k] = p;
    }
    return Object.keys(out).length ? (out as Json) : undefined;
  }
  return v;
}

const require = createRequire(import.meta.url);
let graphqlJs: typeof import('graphql') | undefined;

/**
 * graphql-js (its CommonJS build, the one kinds.js belongs to), loaded by the first graphql.* call:
 * few policies use these builtins, and every process evaluating any policy loads this module.
 */
function gql(): typeof import('graphql') {
  graphqlJs ??= require('graphql') as typeof import('graphql');
  return graphqlJs;
}

const EXECUTABLE = new Set<string>([Kind.OPERATION_DEFINITION, Kind.FRAGMENT_DEFINITION]);

function parseDocument(text: string): DocumentNode {
  // gqlparser accepts a document without definitions; graphql-js does not.
  if (text.replace(/#[^\n\r]*/g, '').trim() === '') return { kind: Kind.DOCUMENT, definitions: [] };
  return gql().parse(text, { noLocation: true, allowLegacyFragmentVariables: true });
}

const EXTENSION_TO_DEFINITION: Partial<Record<Kind, Kind>> = {
  [Kind.OBJECT_TYPE_EXTENSION]: Kind.OBJECT_TYPE_DEFINITION,
  [Kind.INTERFACE_TYPE_EXTENSION]: Kind.INTERFACE_TYPE_DEFINITION,
  [Kind.UNION_TYPE_EXTENSION]: Kind.UNION_TYPE_DEFINITION,
  [Kind.ENUM_TYPE_EXTENSION]: Kind.ENUM_TYPE_DEFINITION,
  [Kind.SCALAR_TYPE_EXTENSION]: Kind.SCALAR_TYPE_DEFINITION,
  [Kind.INPUT_OBJECT_TYPE_EXTENSION]: Kind.INPUT_OBJECT_TYPE_DEFINITION,
};

/** gqlparser treats the first extension of an undefined type as its definition (federation style). */
function definePlainExtensions(doc: DocumentNode): DocumentNode {
  const defined = new Set<string>();
  for (const d of doc.definitions) {
    if (!d.kind.endsWith('Extension') && 'name' in d && d.name) defined.add(d.name.value);
  }
  const definitions = doc.definitions.map((d) => {
    const kind = EXTENSION_TO_DEFINITION[d.kind];
    if (!kind || !('name' in d) || !d.name || defined.has(d.name.value)) return d;
    defined.add(d.name.value);
    return { ...d, kind } as DefinitionNode;
  });
  return { ...doc, definitions };
}

function parseQueryDoc(text: string): DocumentNode {
  const doc = parseDocument(text);
  if (doc.definitions.some((d) => !EXECUTABLE.has(d.kind))) fail('query document has type definitions');
  return doc;
}

function parseSchemaDoc(text: string): DocumentNode {
  const doc = parseDocument(text);
  if (doc.definitions.some((d) => EXECUTABLE.has(d.kind))) fail('schema document has operations');
  return doc;
}

function queryAst(doc: DocumentNode): Json {
  const ops: Out[] = [];
  const frags: Out[] = [];
  for (const d of doc.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) {
      ops.push({
        Description: d.description?.value ?? '',
        Operation: d.operation,
        Name: d.name?.value ?? '',
        VariableDefinitions: variables(d.variableDefinitions),
        Directives: directives(d.directives),
        SelectionSet: selections(d.selectionSet.selections),
      });
    } else if (d.kind === Kind.FRAGMENT_DEFINITION) {
      frags.push({
        Description: d.description?.value ?? '',
        Name: d.name.value,
        VariableDefinition: variables(d.variableDefinitions),
        TypeCondition: d.typeCondition.name.value,
        Directives: directives(d.directives),
        SelectionSet: selections(d.selectionSet.selections),
      });
    }
  }
  return (prune({ Operations: ops, Fragments: frags }) ?? {}) as Json;
}

function schemaAst(doc: DocumentNode): Json {
  const out: Record<string, Out[]> = {
    Schema: [],
    SchemaExtension: [],
    Directives: [],
    Definitions: [],
    Extensions: [],
  };
  for (const d of doc.definitions) {
    if (d.kind === Kind.SCHEMA_DEFINITION || d.kind === Kind.SCHEMA_EXTENSION) {
      const entry = {
        Description: d.kind === Kind.SCHEMA_DEFINITION ? (d.description?.value ?? '') : '',
        Directives: directives(d.directives),
        OperationTypes: (d.operationTypes ?? []).map((o) => ({
          Operation: o.operation,
          Type: o.type.name.value,
        })),
      };
      out[d.kind === Kind.SCHEMA_DEFINITION ? 'Schema' : 'SchemaExtension'].push(entry);
    } else if (d.kind === Kind.DIRECTIVE_DEFINITION) {
      out.Directives.push({
        Description: d.description?.value ?? '',
        Name: d.name.value,
        Arguments: (d.arguments ?? []).map(inputValue),
        Locations: d.locations.map((l) => l.value),
        IsRepeatable: d.repeatable,
      });
    } else if (d.kind.endsWith('Extension')) {
      out.Extensions.push(definition(d));
    } else {
      out.Definitions.push(definition(d));
    }
  }
  return (prune(out as Out) ?? {}) as Json;
}

/** A schema or query given as text or as a gqlparser-shaped AST (printed back to text). */
function source(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return printAst(v as JsonObject);
  return fail(`${what} must be a string or an object`);
}

function printType(t: JsonObject | undefined): string {
  if (!t) return '';
  const inner = t.Elem ? `[${printType(t.Elem as JsonObject)}]` : String(t.NamedType);
  return t.NonNull ? `${inner}!` : inner;
}

function printValue(v: JsonObject | undefined): string {
  if (!v) return '';
  const children = (v.Children as JsonObject[] | undefined) ?? [];
  switch (v.Kind) {
    case 0:
      return `$${v.Raw}`;
    case 3:
    case 4:
      return JSON.stringify(v.Raw);
    case 8:
      return `[${children.map((c) => printValue(c.Value as JsonObject)).join(', ')}]`;
    case 9:
      return `{${children.map((c) => `${c.Name}: ${printValue(c.Value as JsonObject)}`).join(', ')}}`;
    default:
      return String(v.Raw);
  }
}

const list = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? (v as JsonObject[]) : []);

function printDirectives(ds: Json | undefined): string {
  return list(ds)
    .map((d) => {
      const args = list(d.Arguments).map((a) => `${a.Name}: ${printValue(a.Value as JsonObject)}`);
      return ` @${d.Name}${args.length ? `(${args.join(', ')})` : ''}`;
    })
    .join('');
}

function printArgs(args: Json | undefined, defs: boolean): string {
  const items = list(args).map((a) =>
    defs
      ? `${a.Name}: ${printType(a.Type as JsonObject)}${a.DefaultValue ? ` = ${printValue(a.DefaultValue as JsonObject)}` : ''}`
      : `${a.Name}: ${printValue(a.Value as JsonObject)}`,
  );
  return items.length ? `(${items.join(', ')})` : '';
}

function printSelections(sel: Json | undefined): string {
  const items = list(sel).map((s) => {
    if ('Alias' in s || 'Arguments' in s) {
      const alias = s.Alias && s.Alias !== s.Name ? `${s.Alias}: ` : '';
      return `${alias}${s.Name}${printArgs(s.Arguments, false)}${printDirectives(s.Directives)}${printSelections(s.SelectionSet)}`;
    }
    if ('SelectionSet' in s) {
      const on = s.TypeCondition ? ` on ${s.TypeCondition}` : '';
      return `...${on}${printDirectives(s.Directives)}${printSelections(s.SelectionSet)}`;
    }
    return `...${s.Name}${printDirectives(s.Directives)}`;
  });
  return items.length ? ` { ${items.join(' ')} }` : '';
}

/** Back to GraphQL text, so ASTs from parse_query/parse_schema can be validated with graphql-js. */
function printAst(ast: JsonObject): string {
  const out: string[] = [];
  const desc = (d: Json | undefined) => (d ? `${JSON.stringify(d)} ` : '');
  for (const op of list(ast.Operations)) {
    const vars = list(op.VariableDefinitions).map(
      (v) =>
        `$${v.Variable}: ${printType(v.Type as JsonObject)}${v.DefaultValue ? ` = ${printValue(v.DefaultValue as JsonObject)}` : ''}`,
    );
    out.push(
      `${op.Operation} ${op.Name ?? ''}${vars.length ? `(${vars.join(', ')})` : ''}${printDirectives(op.Directives)}${printSelections(op.SelectionSet)}`,
    );
  }
  for (const f of list(ast.Fragments)) {
    out.push(
      `fragment ${f.Name} on ${f.TypeCondition}${printDirectives(f.Directives)}${printSelections(f.SelectionSet)}`,
    );
  }
  for (const s of list(ast.Schema)) {
    out.push(
      `schema${printDirectives(s.Directives)} { ${list(s.OperationTypes)
        .map((o) => `${o.Operation}: ${o.Type}`)
        .join(' ')} }`,
    );
  }
  for (const d of list(ast.Directives)) {
    out.push(
      `${desc(d.Description)}directive @${d.Name}${printArgs(d.Arguments, true)}${d.IsRepeatable ? ' repeatable' : ''} on ${(d.Locations as string[]).join(' | ')}`,
    );
  }
  for (const [defs, prefix] of [
    [list(ast.Definitions), ''],
    [list(ast.Extensions), 'extend '],
  ] as const) {
    for (const d of defs) {
      const kind = {
        OBJECT: 'type',
        INTERFACE: 'interface',
        UNION: 'union',
        ENUM: 'enum',
        SCALAR: 'scalar',
        INPUT_OBJECT: 'input',
      }[String(d.Kind)];
      const impl = list(d.Interfaces).length ? ` implements ${(d.Interfaces as string[]).join(' & ')}` : '';
      const fields = list(d.Fields).map(
        (f) =>
          `${desc(f.Description)}${f.Name}${d.Kind === 'INPUT_OBJECT' ? '' : printArgs(f.Arguments, true)}: ${printType(f.Type as JsonObject)}${f.DefaultValue ? ` = ${printValue(f.DefaultValue as JsonObject)}` : ''}${printDirectives(f.Directives)}`,
      );
      const body =
        d.Kind === 'UNION'
          ? list(d.Types).length
            ? ` = ${(d.Types as string[]).join(' | ')}`
            : ''
          : d.Kind === 'ENUM'
            ? list(d.EnumValues).length
              ? ` { ${list(d.EnumValues)
                  .map((e) => `${desc(e.Description)}${e.Name}${printDirectives(e.Directives)}`)
                  .join(' ')} }`
              : ''
            : fields.length
              ? ` { ${fields.join(' ')} }`
              : '';
      out.push(
        `${prefix === '' ? desc(d.Description) : ''}${prefix}${kind} ${d.Name}${impl}${printDirectives(d.Directives)}${body}`,
      );
    }
  }
  return out.join('\n');
}

/** graphql-js' schema build and validation; a missing Query root is allowed, as in gqlparser. */
function loadSchema(text: string) {
  const doc = definePlainExtensions(parseSchemaDoc(text));
  const { buildASTSchema, validateSchema } = gql();
  const errors = validateSchema(buildASTSchema(doc)).filter(
    (e) => !/Query root type must be provided/.test(e.message),
  );
  if (errors.length) throw errors[0];
  // Rebuilt as "assumed valid" so query validation does not insist on a Query root either.
  return buildASTSchema(doc, { assumeValid: true, assumeValidSDL: true });
}

function verify(
  query: unknown,
  schema: unknown,
): { doc: DocumentNode; schemaDoc: DocumentNode; ok: boolean } {
  const schemaText = source(schema, 'schema');
  const doc = parseQueryDoc(source(query, 'query'));
  const s = loadSchema(schemaText);
  return { doc, schemaDoc: parseSchemaDoc(schemaText), ok: gql().validate(s, doc).length === 0 };
}

export const graphqlBuiltins = {
  'graphql.parse_query': (q: unknown) => queryAst(parseQueryDoc(source(q, 'query'))),
  'graphql.parse_schema': (s: unknown) => schemaAst(parseSchemaDoc(source(s, 'schema'))),
  'graphql.schema_is_valid': (s: unknown) => {
    try {
      loadSchema(source(s, 'schema'));
      return true;
    } catch {
      return false;
    }
  },
  'graphql.is_valid': (q: unknown, s: unknown) => {
    try {
      return verify(q, s).ok;
    } catch {
      return false;
    }
  },
  'graphql.parse': (q: unknown, s: unknown) => {
    const { doc, schemaDoc, ok } = verify(q, s);
    if (!ok) fail('query does not validate against the schema');
    return [queryAst(doc), schemaAst(schemaDoc)];
  },
  'graphql.parse_and_verify': (q: unknown, s: unknown) => {
    try {
      const { doc, schemaDoc, ok } = verify(q, s);
      return ok ? [true, queryAst(doc), schemaAst(schemaDoc)] : [false, {}, {}];
    } catch {
      return [false, {}, {}];
    }
  },
};
