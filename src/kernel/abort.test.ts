import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { anyAborted } from './abort.js';

test('anyAborted: resolves on the first abort and leaves no listener on the others', async () => {
  const longLived = new AbortController();
  for (let i = 0; i < 100; i++) {
    const short = new AbortController();
    const p = anyAborted(longLived.signal, short.signal);
    short.abort();
    await p;
  }
  assert.equal(getEventListeners(longLived.signal, 'abort').length, 0, 'a call-long signal gathers nothing');
});

test('anyAborted: an already aborted signal resolves at once without listening', async () => {
  const a = new AbortController();
  const b = new AbortController();
  b.abort();
  await anyAborted(a.signal, b.signal);
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
});
