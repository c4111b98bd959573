// Runs the shared quota store suite against the Redis store, on a redis-server started for the test.
import { after, before, describe, test } from 'node:test';
import { RedisQuotaStore } from './redis-store.js';
import { storeSuite } from './store-suite.js';
import { type RedisServer, redisServerPath, startRedis } from './test-support.js';

const binary = redisServerPath();

if (!binary) {
  console.log(
    '# redis-server is not installed (apt-get install redis-server): the Redis store suite cannot run',
  );
  describe('redis store', () => {
    test('needs redis-server on PATH', { skip: 'redis-server binary absent' }, () => {});
  });
} else {
  let server: RedisServer;
  before(async () => {
    server = await startRedis(binary);
  });
  after(async () => {
    await server?.stop();
  });
  let n = 0;
  storeSuite('redis', {
    async open() {
      const prefix = `{t${n++}}:quota:`;
      return {
        store: new RedisQuotaStore({ url: server.url, prefix }),
        share: () => new RedisQuotaStore({ url: server.url, prefix }),
      };
    },
  });
}
