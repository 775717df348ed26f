import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dtmfCaptureSpec, DtmfPatternMatcher } from './dtmf-patterns.js';

const feed = (m: DtmfPatternMatcher, digits: string, startMs = 0, stepMs = 300): Array<string | undefined> =>
  [...digits].map((d, i) => m.push(d, startMs + i * stepMs));

test('dtmfCapture patterns: a match is the digits so far ending with a pattern; it clears the buffer', () => {
  const m = new DtmfPatternMatcher(['*2', '#1', '2']);
  assert.deepEqual(feed(m, '5*2'), [undefined, undefined, '*2']);
  assert.deepEqual(feed(m, '2', 1000), ['2']);
  assert.deepEqual(feed(m, '#1', 2000), [undefined, '#1']);
  assert.deepEqual(feed(new DtmfPatternMatcher(['ab']), 'AB'), [undefined, 'AB']);
});

test('dtmfCapture patterns: a pause longer than the inter-digit time starts over', () => {
  const m = new DtmfPatternMatcher(['*2'], 2000);
  assert.equal(m.push('*', 0), undefined);
  assert.equal(m.push('2', 2500), undefined);
  assert.equal(m.push('*', 3000), undefined);
  assert.equal(m.push('2', 4900), '*2');
});

test('dtmfCapture: an array is the parent leg; an object names each leg', () => {
  assert.deepEqual(dtmfCaptureSpec(['*2']), { parent: ['*2'], child: [] });
  assert.deepEqual(dtmfCaptureSpec({ childCall: ['#'] }), { parent: [], child: ['#'] });
  assert.deepEqual(dtmfCaptureSpec(undefined), { parent: [], child: [] });
});
