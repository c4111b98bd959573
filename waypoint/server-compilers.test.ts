// Fastify's schema compilers under lazySchemaCompilers: a route with schemas validates and
// serializes as with fastify's defaults, and an app whose routes have none never loads ajv.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import Fastify from 'fastify';
import { lazySchemaCompilers } from './server-compilers.js';

test('a route with body and response schemas is validated and serialized as by default', async () => {
  const app = Fastify({ logger: false, schemaController: lazySchemaCompilers() });
  app.post(
    '/x',
    {
      schema: {
        body: { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } },
        response: { 200: { type: 'object', properties: { a: { type: 'integer' } } } },
      },
    },
    async (req) => ({ ...(req.body as object), secret: 'not in the schema' }),
  );
  try {
    const bad = await app.inject({ method: 'POST', url: '/x', payload: { b: 1 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /must have required property 'a'/);
    const good = await app.inject({ method: 'POST', url: '/x', payload: { a: '7' } });
    assert.equal(good.statusCode, 200);
    // ajv's default coercion and fast-json-stringify's filtering both apply.
    assert.deepEqual(good.json(), { a: 7 });
  } finally {
    await app.close();
  }
});

// (fastify's error serializer, a small part of fast-json-stringify, is loaded either way.)
test('an app without schemas loads neither compiler', () => {
  const script = `
    import Fastify from 'fastify';
    import { lazySchemaCompilers } from ${JSON.stringify(new URL('./server-compilers.ts', import.meta.url).href)};
    import { createRequire } from 'node:module';
    const app = Fastify({ logger: false, schemaController: lazySchemaCompilers() });
    app.get('/healthz', async () => ({ ok: true }));
    const res = await app.inject({ url: '/healthz' });
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /\\/(ajv|ajv-compiler|fast-json-stringify-compiler)\\/|fast-json-stringify\\/index/.test(k));
    console.log(JSON.stringify({ body: res.json(), loaded }));
    await app.close();
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.deepEqual(JSON.parse(out), { body: { ok: true }, loaded: [] });
});
