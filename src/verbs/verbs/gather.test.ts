import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { FakeCall, FakeWebhooks, type FakeCallOptions } from '../../testkit/fake-call.js';
import { startApplication } from '../session.js';
import { DigitCollector, type DigitResult, type DigitRules } from './digit-collector.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function collector(rules: Partial<DigitRules>): { c: DigitCollector; clock: FakeClock; results: DigitResult[] } {
  const clock = new FakeClock();
  const results: DigitResult[] = [];
  const c = new DigitCollector(clock, { timeoutMs: 15_000, ...rules }, (r) => results.push(r));
  return { c, clock, results };
}

test('collector: numDigits ends the gather when reached', () => {
  const { c, results } = collector({ numDigits: 3 });
  c.start();
  for (const d of '1234') c.digit(d);
  assert.deepEqual(results, [{ reason: 'dtmfDetected', digits: '123' }]);
});

test('collector: finishOnKey ends it and is not part of digits', () => {
  const { c, results } = collector({ finishOnKey: '#', maxDigits: 10 });
  c.start();
  for (const d of '42#') c.digit(d);
  assert.deepEqual(results, [{ reason: 'dtmfDetected', digits: '42' }]);
});

test('collector: the main timer starts only with start() and restarts with each digit', () => {
  const { c, clock, results } = collector({ timeoutMs: 5000, numDigits: 4 });
  clock.advance(60_000);
  assert.deepEqual(results, [], 'no timer while the prompt plays');
  c.start();
  clock.advance(4000);
  c.digit('1');
  clock.advance(4000);
  c.digit('2');
  clock.advance(4999);
  assert.deepEqual(results, []);
  clock.advance(1);
  assert.deepEqual(results, [{ reason: 'timeout' }], 'fewer than numDigits digits at the timeout is a timeout');
});

test('collector: minDigits + interDigitTimeout ends it after silence; the main timer stops', () => {
  const { c, clock, results } = collector({ minDigits: 2, interDigitTimeoutMs: 2000, timeoutMs: 3000 });
  c.start();
  c.digit('7');
  clock.advance(1500);
  c.digit('8');
  clock.advance(1999);
  c.digit('9');
  clock.advance(1999);
  assert.deepEqual(results, [], 'the main timer (3 s) no longer runs once minDigits are in');
  clock.advance(1);
  assert.deepEqual(results, [{ reason: 'dtmfDetected', digits: '789' }]);
});

test('collector: the main timeout with at least minDigits digits is dtmfDetected, with none it is timeout', () => {
  const some = collector({ timeoutMs: 1000 });
  some.c.start();
  some.c.digit('5');
  some.clock.advance(1000);
  assert.deepEqual(some.results, [{ reason: 'dtmfDetected', digits: '5' }]);
  const none = collector({ timeoutMs: 1000 });
  none.c.start();
  none.clock.advance(1000);
  assert.deepEqual(none.results, [{ reason: 'timeout' }]);
});

function gatherRun(verbs: unknown[], opts: FakeCallOptions = {}): { call: FakeCall; clock: FakeClock; hooks: FakeWebhooks; done: Promise<void> } {
  const clock = new FakeClock();
  const call = new FakeCall({ clock, mediaMs: 3000, ...opts });
  const hooks = new FakeWebhooks();
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: verbs });
  return { call, clock, hooks, done: app.done };
}

test('gather: dtmfBargein stops the prompt; numDigits posts dtmfDetected with verb_id', async () => {
  const g = gatherRun([{ gather: { id: 'g1', numDigits: 2, actionHook: '/digits', say: { text: ['Enter two digits', 'please'] } } }]);
  await flush();
  g.clock.advance(1000);
  g.call.press('4');
  await flush();
  g.call.press('2');
  await g.done;
  assert.deepEqual(g.call.said, ['Enter two digits'], 'the prompt stopped at the first digit');
  assert.equal(g.hooks.requests.length, 1);
  const p = g.hooks.requests[0].payload;
  assert.equal(p.reason, 'dtmfDetected');
  assert.equal(p.digits, '42');
  assert.equal(p.verb_id, 'g1');
  assert.equal(g.call.dtmfListeners, 0, 'the listener is removed');
});

test('gather: with dtmfBargein false the prompt plays on while digits are collected', async () => {
  const g = gatherRun([{ gather: { dtmfBargein: false, finishOnKey: '#', actionHook: '/d', play: { url: ['http://media.test/a.wav', 'http://media.test/b.wav'] } } }]);
  await flush();
  g.call.press('1');
  g.clock.advance(3000);
  await flush();
  assert.deepEqual(g.call.played, ['http://media.test/a.wav', 'http://media.test/b.wav'], 'the prompt went on to the second file');
  g.call.press('#');
  await g.done;
  assert.equal(g.hooks.requests[0].payload.digits, '1');
});

test('gather: the timeout (default 15 s) starts after the prompt; nothing pressed → reason timeout', async () => {
  const g = gatherRun([{ gather: { actionHook: '/d', say: { text: 'Press a key' } } }]);
  await flush();
  g.clock.advance(3000);
  await flush();
  g.clock.advance(14_999);
  await flush();
  assert.equal(g.hooks.requests.length, 0);
  g.clock.advance(1);
  await g.done;
  assert.equal(g.hooks.requests[0].payload.reason, 'timeout');
  assert.equal(g.hooks.requests[0].payload.digits, undefined);
});

test('gather: the actionHook reply replaces the rest of the list', async () => {
  const clock = new FakeClock();
  const call = new FakeCall({ clock });
  const hooks = new FakeWebhooks(() => [{ say: { text: 'you pressed one' } }]);
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: [{ gather: { numDigits: 1, actionHook: '/d' } }, { say: { text: 'no input' } }] });
  await flush();
  call.press('1');
  await app.done;
  assert.deepEqual(call.said, ['you pressed one']);
});

test('gather: speech input without a recognizer alerts and ends as timeout', async () => {
  const g = gatherRun([{ gather: { input: ['speech'], timeout: 5, actionHook: '/d' } }]);
  await flush();
  g.call.press('1');
  g.clock.advance(5000);
  await g.done;
  assert.deepEqual(g.call.alerts.map((a) => a.alertType), ['no-stt']);
  assert.equal(g.hooks.requests[0].payload.reason, 'timeout');
});

test('gather: a hang-up during the gather posts nothing', async () => {
  const g = gatherRun([{ gather: { actionHook: '/d', say: { text: 'Press a key' } } }]);
  await flush();
  g.call.press('1');
  await flush();
  g.call.remoteHangup();
  await g.done;
  assert.equal(g.hooks.requests.length, 0);
  assert.equal(g.call.dtmfListeners, 0);
});

test('gather: invalid verbs from the actionHook send an extra call:status note, then the app fails with an alert', async () => {
  const clock = new FakeClock();
  const call = new FakeCall({ clock });
  const hooks = new FakeWebhooks(() => [{ verb: 'bogus' }]);
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: [{ gather: { numDigits: 1, actionHook: '/d' } }] });
  await flush();
  call.press('1');
  await app.done;
  const notes = call.events.flatMap((e) => (e.kind === 'statusNote' ? [e.fields] : []));
  assert.equal(notes.length, 1);
  assert.equal(notes[0].error, 'invalid actionHook response');
  assert.match(String(notes[0].reason), /unknown verb "bogus"/);
  assert.deepEqual(call.alerts.map((a) => a.alertType), ['invalid-app-payload']);
  const kinds = call.events.map((e) => e.kind);
  assert.ok(kinds.indexOf('statusNote') < kinds.indexOf('alert'), kinds.join(','));
});
