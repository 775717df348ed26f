import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReorderBuffer } from './reorder.js';

function harness(depth = 4) {
  const out: number[] = [];
  const rb = new ReorderBuffer({ deliver: (seq) => out.push(seq) }, depth);
  const push = (...seqs: number[]) => seqs.forEach((s) => rb.push(s, s * 160, 0, new Uint8Array(160), 0, 160));
  return { out, rb, push };
}

test('in-order packets pass straight through, across the 16-bit wrap', () => {
  const h = harness();
  h.push(65534, 65535, 0, 1);
  assert.deepEqual(h.out, [65534, 65535, 0, 1]);
});

test('a swapped pair is released in order', () => {
  const h = harness();
  h.push(10, 12, 11, 13);
  assert.deepEqual(h.out, [10, 11, 12, 13]);
});

test('a lost packet is skipped once depth packets are waiting; late and duplicate packets are dropped', () => {
  const h = harness(3);
  h.push(1, 3, 4);
  assert.deepEqual(h.out, [1]);
  h.push(5);
  assert.deepEqual(h.out, [1, 3, 4, 5]);
  assert.equal(h.rb.skipped, 1);
  h.push(2, 5);
  assert.equal(h.rb.late, 2);
  assert.deepEqual(h.out, [1, 3, 4, 5]);
});
