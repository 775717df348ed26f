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

test('RFC 3550 §A.1 restart: a large jump back then a packet in sequence resynchronises (no longer "late" forever)', () => {
  const h = harness();
  h.push(10000, 10001, 10002);
  h.push(60000, 60001, 60002, 60003);
  assert.deepEqual(h.out, [10000, 10001, 10002, 60001, 60002, 60003]);
  assert.equal(h.rb.restarts, 1);
});

test('RFC 3550 §A.1 restart: a large jump forward then a packet in sequence resynchronises; one wild packet is ignored', () => {
  const h = harness();
  h.push(100, 101, 30000, 102, 103);
  assert.deepEqual(h.out, [100, 101, 102, 103]);
  assert.equal(h.rb.restarts, 0);
  h.push(20000, 20001, 20002);
  assert.deepEqual(h.out, [100, 101, 102, 103, 20001, 20002]);
  assert.equal(h.rb.restarts, 1);
});

test('reset: held packets are dropped and the next packet starts the sequence space afresh', () => {
  const h = harness();
  h.push(10, 12, 13);
  h.rb.reset();
  h.push(60000, 60001);
  h.push(59999, 60001);
  assert.deepEqual(h.out, [10, 60000, 60001]);
  assert.equal(h.rb.late, 2);
});
