import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallStatus, ChildLeg, ChildLegInit } from '../../call/control.js';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { FakeCall, FakeWebhooks, type FakeCallOptions } from '../../testkit/fake-call.js';
import { startApplication, type ApplicationHandle } from '../session.js';
import type { WebhookRequest } from '../webhook/client.js';
import { WebhookError } from '../webhook/client.js';

const flush = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

type AmdEvent = Readonly<Record<string, unknown>>;

/** One detector a test started: what it was given, and a way to push its events. */
interface Detector {
  readonly amd: Readonly<Record<string, unknown>>;
  readonly emit: (event: AmdEvent) => void;
  stopped: number;
}

/** A dialed leg that answers at once and records its AMD. */
class FakeLeg implements ChildLeg {
  readonly sid: string;
  readonly #ended = new AbortController();
  readonly detectors: Detector[] = [];
  hangups = 0;
  readonly outcome: Promise<{ answered: boolean; status: CallStatus; sipStatus: number }>;

  constructor(readonly init: ChildLegInit, n: number) {
    this.sid = `leg-${n}`;
    this.outcome = Promise.resolve({ answered: true, status: 'in-progress', sipStatus: 200 });
  }

  get endedSignal(): AbortSignal {
    return this.#ended.signal;
  }

  info(): ReturnType<ChildLeg['info']> {
    return { call_sid: this.sid, direction: 'outbound', from: 'x', to: 'y', call_id: 'c', sip_status: 200, call_status: 'in-progress', account_sid: 'acct-1', trace_id: 't', fs_sip_address: 'a', parent_call_sid: 'call-1' };
  }

  async hangup(): Promise<void> {
    this.hangups++;
    this.#ended.abort();
  }

  startAmd(amd: Readonly<Record<string, unknown>>, onEvent: (e: AmdEvent) => void): () => void {
    const d: Detector = { amd, emit: onEvent, stopped: 0 };
    this.detectors.push(d);
    return () => { d.stopped++; };
  }
}

/** A FakeCall that can run AMD, notify events, and dial. */
class AmdCall extends FakeCall {
  readonly detectors: Detector[] = [];
  readonly notified: Array<{ event: string; fields: AmdEvent }> = [];
  readonly legs: FakeLeg[] = [];
  readonly bridged: string[] = [];
  amdError: Error | undefined;

  startAmd(amd: Readonly<Record<string, unknown>>, onEvent: (e: AmdEvent) => void): () => void {
    if (this.amdError) throw this.amdError;
    const d: Detector = { amd, emit: onEvent, stopped: 0 };
    this.detectors.push(d);
    return () => { d.stopped++; };
  }

  notifyEvent(event: string, fields: AmdEvent): void {
    this.notified.push({ event, fields });
  }

  async placeChild(init: ChildLegInit): Promise<ChildLeg> {
    const leg = new FakeLeg(init, this.legs.length + 1);
    this.legs.push(leg);
    return leg;
  }

  bridgeTo(leg: ChildLeg): void {
    this.bridged.push(leg.sid);
  }
}

interface Run {
  readonly call: AmdCall;
  readonly hooks: FakeWebhooks;
  readonly clock: FakeClock;
  readonly app: ApplicationHandle;
}

function run(verbs: unknown[], reply?: (req: WebhookRequest, n: number) => unknown, opts: FakeCallOptions = {}): Run {
  const clock = new FakeClock();
  const call = new AmdCall({ clock, mediaMs: 1000, ...opts });
  const hooks = new FakeWebhooks(reply);
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/base/hook', appJson: verbs, secret: 's' });
  return { call, hooks, clock, app };
}

const machine: AmdEvent = { type: 'amd_machine_detected', reason: 'long greeting', confidence: 0.9, decision_ms: 3100, evidence: { word_count: 12 } };
const tone: AmdEvent = { type: 'amd_tone_detected', frequency: 1000, confidence: 0.95, decision_ms: 6000 };

test('config.amd: starts AMD on the call at once; each event goes to the actionHook with call info, in order, and to notifyUrl', async () => {
  const r = run([{ config: { amd: { actionHook: '/amd', thresholdWordCount: 7 } } }, { pause: { length: 20 } }]);
  await flush();
  assert.equal(r.call.detectors.length, 1);
  assert.deepEqual(r.call.detectors[0].amd, { actionHook: '/amd', thresholdWordCount: 7 });
  r.call.detectors[0].emit(machine);
  r.call.detectors[0].emit(tone);
  await flush();
  assert.deepEqual(r.hooks.paths, ['/amd', '/amd']);
  const [first, second] = r.hooks.requests.map((q) => q.payload);
  assert.equal(first.call_sid, 'call-1');
  assert.equal(first.call_status, 'in-progress');
  assert.equal(first.type, 'amd_machine_detected');
  assert.equal(first.reason, 'long greeting');
  assert.deepEqual(first.evidence, { word_count: 12 });
  assert.equal(second.type, 'amd_tone_detected');
  assert.equal(second.frequency, 1000);
  assert.deepEqual(r.call.notified, [
    { event: 'ANSWERING_MACHINE_DETECTION', fields: machine },
    { event: 'ANSWERING_MACHINE_DETECTION', fields: tone },
  ]);
  assert.equal(r.call.hangups, 0, 'an empty reply changes nothing: the pause goes on');
  r.call.remoteHangup();
  await r.app.done;
});

test('config.amd: a verb list in the reply replaces the running application (the pause stops, the message plays)', async () => {
  const r = run(
    [{ config: { amd: { actionHook: '/amd' } } }, { pause: { length: 60 } }, { say: { text: 'never' } }],
    (req) => (req.payload.type === 'amd_machine_stopped_speaking' ? [{ say: { text: 'Please call us back.' } }, { hangup: {} }] : undefined),
  );
  await flush();
  const d = r.call.detectors[0];
  d.emit(machine);
  await flush();
  assert.equal(r.call.said.length, 0);
  d.emit({ type: 'amd_machine_stopped_speaking', confidence: 0.9, decision_ms: 7000 });
  await flush();
  r.clock.advance(1000);
  await r.app.done;
  assert.deepEqual(r.call.said, ['Please call us back.']);
  assert.equal(r.call.hangups, 1);
  assert.ok(r.clock.now() < 60_000, 'the pause did not run out');
});

test('config.amd: a config without amd leaves a running AMD alone; a second config.amd replaces it', async () => {
  const r = run([
    { config: { amd: { actionHook: '/first' } } },
    { config: { synthesizer: { vendor: 'espeak', language: 'de-DE' } } },
    { pause: { length: 1 } },
    { config: { amd: { actionHook: '/second' } } },
    { pause: { length: 30 } },
  ]);
  await flush();
  assert.equal(r.call.detectors.length, 1);
  assert.equal(r.call.detectors[0].stopped, 0, 'a config without amd does not touch the detector');
  r.clock.advance(1000);
  await flush();
  assert.equal(r.call.detectors.length, 2);
  assert.equal(r.call.detectors[0].stopped, 1, 'the first detector is stopped');
  r.call.detectors[1].emit(machine);
  await flush();
  assert.deepEqual(r.hooks.paths, ['/second']);
  r.call.remoteHangup();
  await r.app.done;
});

test('config.amd: bad tuning (startAmd throws) is an amd-error alert and the application goes on', async () => {
  const r = run([{ config: { amd: { actionHook: '/amd', preset: 'fast' } } }, { say: { text: 'still here' } }]);
  r.call.amdError = new Error('amd.tuning.greetingMs: must be at most 10000');
  await flush();
  r.clock.advance(1000);
  await r.app.done;
  assert.deepEqual(r.call.alerts, [{ alertType: 'amd-error', message: 'config.amd: amd.tuning.greetingMs: must be at most 10000' }]);
  assert.deepEqual(r.call.said, ['still here']);
});

test('config.amd: the amd object is validated with the verb list (actionHook required, preset enum)', async () => {
  for (const amd of [{ thresholdWordCount: 3 }, { actionHook: '/amd', preset: 'sloppy' }]) {
    const r = run([{ config: { amd } }, { say: { text: 'x' } }]);
    await r.app.done;
    assert.equal(r.call.alerts[0]?.alertType, 'invalid-app-payload');
    assert.match(r.call.alerts[0].message, /\[0\]\.config\.amd\.(actionHook|preset)/);
    assert.equal(r.call.detectors.length, 0);
  }
});

test('config.amd: a failing actionHook is an alert; later events are still posted and the call goes on', async () => {
  const r = run([{ config: { amd: { actionHook: '/amd' } } }, { pause: { length: 30 } }], (req, n) => (n === 1 ? new WebhookError('WEBHOOK_STATUS', 'POST answered 500', req.hook.url, 1, 500) : undefined));
  await flush();
  r.call.detectors[0].emit(machine);
  r.call.detectors[0].emit({ type: 'amd_stopped' });
  await flush();
  assert.equal(r.hooks.requests.length, 2);
  assert.deepEqual(r.call.alerts, [{ alertType: 'webhook-failure', message: 'amd actionHook: POST answered 500' }]);
  assert.equal(r.call.hangups, 0);
  r.call.remoteHangup();
  await r.app.done;
});

test('dial.amd: AMD runs on the answered, bridged B leg; events carry the parent call info and go to the parent\'s notifyUrl', async () => {
  const r = run([{ dial: { target: [{ type: 'phone', number: '+15550101', trunk: 'simulator' }], callerId: '+15551230000', amd: { actionHook: '/dial-amd', preset: 'fast' } } }]);
  await flush();
  assert.deepEqual(r.call.bridged, ['leg-1']);
  const leg = r.call.legs[0];
  assert.equal(leg.detectors.length, 1);
  assert.equal(r.call.detectors.length, 0, 'not on the A leg');
  assert.deepEqual(leg.detectors[0].amd, { actionHook: '/dial-amd', preset: 'fast' });
  leg.detectors[0].emit(machine);
  await flush();
  assert.deepEqual(r.hooks.paths, ['/dial-amd']);
  const body = r.hooks.requests[0].payload;
  assert.equal(body.call_sid, 'call-1', 'the parent (A) call');
  assert.equal(body.parent_call_sid, undefined);
  assert.equal(body.type, 'amd_machine_detected');
  assert.deepEqual(r.call.notified.filter((e) => e.event === 'ANSWERING_MACHINE_DETECTION'), [{ event: 'ANSWERING_MACHINE_DETECTION', fields: machine }]);
  r.call.remoteHangup();
  await r.app.done;
});

test('dial.amd: a verb list in the reply replaces the parent\'s application (the dial ends and the B leg is hung up)', async () => {
  const r = run(
    [{ dial: { target: [{ type: 'sip', sipUri: 'sip:agent@example.com' }], amd: { actionHook: '/dial-amd' }, actionHook: '/dialed' } }, { say: { text: 'never' } }],
    (req) => (req.payload.type === 'amd_machine_detected' ? [{ say: { text: 'The agent is a machine.' } }] : undefined),
  );
  await flush();
  const leg = r.call.legs[0];
  leg.detectors[0].emit(machine);
  await flush();
  r.clock.advance(1000);
  await r.app.done;
  assert.deepEqual(r.call.said, ['The agent is a machine.']);
  assert.equal(leg.hangups, 1);
  assert.deepEqual(r.hooks.paths, ['/dial-amd'], 'a replaced dial posts no actionHook');
  assert.equal(r.call.hangups, 1, 'the replacement list ran out');
});

test('dial without amd starts no detector; dial.amd is validated with the amd schema', async () => {
  const plain = run([{ dial: { target: [{ type: 'phone', number: '+15550100' }] } }]);
  await flush();
  assert.equal(plain.call.legs[0].detectors.length, 0);
  plain.call.remoteHangup();
  await plain.app.done;
  const bad = run([{ dial: { target: [{ type: 'phone', number: '+15550100' }], amd: { timers: { decisionTimeoutMs: 'soon' } } } }]);
  await bad.app.done;
  assert.equal(bad.call.alerts[0]?.alertType, 'invalid-app-payload');
  assert.match(bad.call.alerts[0].message, /\[0\]\.dial\.amd\./);
  assert.equal(bad.call.legs.length, 0);
});
