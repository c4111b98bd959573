// Test helpers: assert that a client-node call fails with a given Status code and reason.
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import type { Status } from './status.js';

/** Awaits a client call that must fail; returns the Status body the server sent. */
export async function expectStatus(call: Promise<unknown>, code: number, reason: string): Promise<Status> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  assert.ok(
    caught instanceof ApiException,
    `expected an ApiException ${code} ${reason}, got ${String(caught)}`,
  );
  assert.equal(caught.code, code);
  const body = (typeof caught.body === 'string' ? JSON.parse(caught.body) : caught.body) as Status;
  assert.equal(body.kind, 'Status');
  assert.equal(body.reason, reason, body.message);
  assert.equal(body.code, code);
  return body;
}

/** Collects pushed items and hands them out in order to awaiting tests (watch events, informer callbacks). */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: { match: (t: T) => boolean; resolve: (t: T) => void }[] = [];

  push = (item: T): void => {
    const i = this.waiters.findIndex((w) => w.match(item));
    if (i >= 0) {
      const [w] = this.waiters.splice(i, 1);
      w!.resolve(item);
    } else this.items.push(item);
  };

  /** The first item (queued or future) matching; queued items before it stay queued. */
  next(match: (t: T) => boolean = () => true): Promise<T> {
    const i = this.items.findIndex(match);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]!);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  drain(): T[] {
    return this.items.splice(0);
  }
}
