// The node agent's /frozen and /intercepted answer only loopback peers (issue 15 finding 6); the
// address check is what decides, so it is tested on the forms Node reports peers in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback } from './node-agent.js';

test('only loopback peers count as the node itself', () => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'])
    assert.equal(isLoopback(a), true, a);
  for (const a of ['10.0.0.7', '::ffff:10.0.0.7', 'fe80::1', '', undefined, '127.0.0.1.evil', '1127.0.0.1'])
    assert.equal(isLoopback(a), false, String(a));
});
