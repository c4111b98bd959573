// Fastify's schema compilers (ajv for validation, fast-json-stringify for serialization), loaded
// only when a route has a schema. The waypoint's routes have none, and fastify builds its defaults
// when an instance is created: requiring and setting up ajv was a sizeable part of start-up.
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

// The compilers are fastify's dependencies: resolved from fastify's own location.
const fromFastify = createRequire(createRequire(import.meta.url).resolve('fastify'));

/**
 * A `schemaController` option with fastify's default compilers, each required and built at its
 * first use (one per instance, as fastify does; so their caches are per instance too). Note that
 * fastify treats a route's schemas as custom-compiled under this option: header schemas are then
 * not lower-cased for the validator — irrelevant to routes without schemas, which is all of ours.
 */
export function lazySchemaCompilers(): { compilersFactory: CompilersFactory } {
  let validator: ValidatorFactory | undefined;
  let serializer: SerializerFactory | undefined;
  return {
    compilersFactory: {
      buildValidator: (schemas, options) => {
        validator ??= (fromFastify('@fastify/ajv-compiler') as () => ValidatorFactory)();
        return validator(schemas, options);
      },
      buildSerializer: (schemas, options) => {
        serializer ??= (fromFastify('@fastify/fast-json-stringify-compiler') as () => SerializerFactory)();
        return serializer(schemas, options);
      },
    },
  };
}
