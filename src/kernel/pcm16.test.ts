import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pcm16FromBytes, pcm16ToBytes, pcm16View, toInt16 } from './pcm16.js';

test('pcm16FromBytes: a view at an odd offset of a pooled Buffer gives exactly its own samples', () => {
  // Buffer.from(small) lives in Node's shared pool; `subarray` shares it, and odd offsets are not Int16-aligned.
  const pool = Buffer.from([0xaa, 0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x55]);
  const view = pool.subarray(1, 7);
  assert.deepEqual([...pcm16FromBytes(view)], [1, 0x7fff, -32768]);
  assert.deepEqual([...pcm16FromBytes(pool.subarray(1, 6))], [1, 0x7fff], 'an odd byte at the end is dropped');
  assert.deepEqual([...pcm16ToBytes(Int16Array.from([1, 0x7fff, -32768]))], [0x01, 0x00, 0xff, 0x7f, 0x00, 0x80]);
});

test('pcm16View: aligned bytes are viewed in place, unaligned ones copied; both read the same samples', () => {
  const body = Buffer.from([0x00, 0x00, 0x01, 0x00, 0xff, 0x7f, 0x00, 0x80, 0x55]);
  const aligned = pcm16View(body.subarray(2, 8));
  assert.deepEqual([...aligned], [1, 0x7fff, -32768]);
  assert.equal(aligned.buffer, body.buffer, 'a view, no copy');
  const odd = pcm16View(body.subarray(1, 7));
  assert.deepEqual([...odd], [256, -256, 127]);
  assert.notEqual(odd.buffer, body.buffer, 'an odd offset is copied');
});

test('toInt16: rounds, and clips where an Int16Array would wrap', () => {
  assert.deepEqual([40000, 32767.4, 1.5, -1.5, -32768.6, -40000].map(toInt16), [32767, 32767, 2, -1, -32768, -32768]);
});
