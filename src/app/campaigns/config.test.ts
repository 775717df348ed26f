import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answeredOutcome, nextStep, unansweredOutcome, type CampaignConfig } from './config.js';

test('outcome of an unanswered attempt: 486/600/603 busy, ring timeout or 487 no-answer, the rest failed', () => {
  assert.equal(unansweredOutcome({ call_status: 'busy', sip_status: 486 }), 'busy');
  assert.equal(unansweredOutcome({ call_status: 'busy', sip_status: 600 }), 'busy');
  assert.equal(unansweredOutcome({ call_status: 'failed', sip_status: 603 }), 'busy');
  assert.equal(unansweredOutcome({ call_status: 'no-answer', sip_status: 487 }), 'no-answer');
  assert.equal(unansweredOutcome({ call_status: 'failed', sip_status: 503 }), 'failed');
  assert.equal(unansweredOutcome({ call_status: 'failed', sip_status: 404 }), 'failed');
});

test('outcome of an answered attempt: the first AMD verdict, or answered', () => {
  assert.equal(answeredOutcome('machine'), 'machine');
  assert.equal(answeredOutcome('human'), 'human');
  assert.equal(answeredOutcome(null), 'answered');
});

test('retries: after the delay while attempts < max_attempts; no rule = no retry; human never retries', () => {
  const c: CampaignConfig = { name: 'x', from: '+12125550000', pacing: { cps: 1 }, retry: { busy: { delay: 600, max_attempts: 3 } } };
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  assert.deepEqual(nextStep(c, 'busy', 1, t0), { state: 'scheduled', outcome: 'busy', next_attempt_at: '2026-12-01T10:10:00.000Z' });
  assert.deepEqual(nextStep(c, 'busy', 3, t0), { state: 'done', outcome: 'busy', next_attempt_at: null });
  assert.deepEqual(nextStep(c, 'no-answer', 1, t0), { state: 'done', outcome: 'no-answer', next_attempt_at: null });
  assert.deepEqual(nextStep(c, 'human', 1, t0), { state: 'done', outcome: 'human', next_attempt_at: null });
});
