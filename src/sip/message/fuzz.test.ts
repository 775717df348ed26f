import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, fuzz, fuzzSeeds, mutate, prng } from './fuzz.js';

test('DESIGN.md §4.10: 100,000 random mutations throw nothing but SipParseError and re-serialise', () => {
  const result = fuzz(100_000, 0x5eed);
  assert.equal(result.count, 100_000);
  assert.ok(result.parsed > 10_000, `only ${result.parsed} mutants parsed`);
  assert.deepEqual(result.failures.slice(0, 3), []);
});

test('fuzzing is deterministic for a seed', () => {
  const a = fuzz(300, 42);
  const b = fuzz(300, 42);
  assert.deepEqual(a, b);
  const r1 = prng(9);
  const r2 = prng(9);
  const seed = fuzzSeeds()[0];
  assert.deepEqual(mutate(seed, r1), mutate(seed, r2));
});

test('every seed parses or is an RFC 4475 §3.1.2 message', () => {
  let parsed = 0;
  for (const s of fuzzSeeds()) {
    const r = check(s);
    assert.equal(r.error, undefined);
    if (r.parsed) parsed++;
  }
  assert.ok(parsed > 30);
});
