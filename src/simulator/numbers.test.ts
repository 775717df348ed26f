import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseNumber, planFor, SIMULATOR_NUMBERS, SIMULATOR_PLAN } from './numbers.js';

test('normaliseNumber strips the + and every non-digit', () => {
  assert.equal(normaliseNumber('+1 (555) 010-0'), '15550100');
  assert.equal(normaliseNumber(undefined), '');
  assert.equal(normaliseNumber('alice'), '');
});

test('every example number of the plan triggers its own behaviour', () => {
  for (const e of SIMULATOR_PLAN) assert.equal(planFor(e.example).behaviour, e.behaviour, e.example);
  assert.deepEqual(Object.keys(SIMULATOR_NUMBERS).sort(), SIMULATOR_PLAN.map((e) => e.behaviour).sort());
});

test('final statuses: 0486 → 486, 0603 → 603, 0503 → 503', () => {
  for (const [n, status] of [['+15550486', 486], ['15550603', 603], ['0503', 503]] as const) {
    const p = planFor(n);
    assert.equal(p.kind, 'reject');
    assert.equal(p.kind === 'reject' && p.status, status);
  }
});

test('02NN rings NN seconds for 01–59, otherwise the number is a human', () => {
  const p = planFor('+15550207');
  assert.deepEqual(p, { behaviour: 'ring-then-answer', kind: 'answer', ringMs: 7000, as: 'human' });
  assert.equal(planFor('+15550259').kind === 'answer' && planFor('+15550259').behaviour, 'ring-then-answer');
  for (const n of ['+15550200', '+15550260', '+15550299']) assert.equal(planFor(n).behaviour, 'human', n);
});

test('human and voicemail answer after the configured delay; anything else is a human', () => {
  assert.deepEqual(planFor('+15550100', { answerDelayMs: 50 }), { behaviour: 'human', kind: 'answer', ringMs: 50, as: 'human' });
  assert.deepEqual(planFor('+15550101'), { behaviour: 'voicemail', kind: 'answer', ringMs: 500, as: 'voicemail' });
  assert.equal(planFor('4711').behaviour, 'human');
  assert.equal(planFor('').behaviour, 'human');
  assert.equal(planFor('+15550487').kind, 'ring-forever');
});
