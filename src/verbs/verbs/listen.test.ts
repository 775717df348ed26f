import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioStreamEnd, AudioStreamHandle, AudioStreamRequest, CallInfo, ChildLeg, ChildLegInit } from '../../call/control.js';
import { nullLogger } from '../../kernel/logger.js';
import { FakeCall, FakeWebhooks } from '../../testkit/fake-call.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { startApplication, type ApplicationHandle } from '../session.js';
import { parseVerbList } from '../parse.js';
import { coreVerbs } from './index.js';
import { streamRequest } from './listen.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

/** A stream the test ends; `stop()` ends it as the call layer does. */
class FakeStream implements AudioStreamHandle {
  readonly ended: Promise<AudioStreamEnd>;
  stopped = false;
  #resolve!: (e: AudioStreamEnd) => void;
  constructor(readonly req: AudioStreamRequest, readonly signal: AbortSignal, private readonly clock: FakeClock) {
    this.ended = new Promise((r) => (this.#resolve = r));
    const started = clock.now();
    this.#durationFrom = started;
    signal.addEventListener('abort', () => this.end('call-ended'), { once: true });
  }
  readonly #durationFrom: number;
  stop(): void {
    this.stopped = true;
    this.end('stopped');
  }
  end(reason: AudioStreamEnd['reason']): void {
    this.#resolve({ reason, durationMs: this.clock.now() - this.#durationFrom, framesSent: 10, framesDropped: 0 });
  }
}

class StreamingCall extends FakeCall {
  readonly streams: FakeStream[] = [];
  constructor(private readonly clock: FakeClock) {
    super({ clock, mediaMs: 1000 });
  }
  streamAudio(req: AudioStreamRequest, signal: AbortSignal): AudioStreamHandle {
    const s = new FakeStream(req, signal, this.clock);
    this.streams.push(s);
    return s;
  }
}

function run(verbs: unknown[], reply: (path: string) => unknown = () => undefined): { call: StreamingCall; clock: FakeClock; hooks: FakeWebhooks; app: ApplicationHandle } {
  const clock = new FakeClock();
  const call = new StreamingCall(clock);
  const hooks = new FakeWebhooks((req) => reply(new URL(req.hook.url).pathname));
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: verbs });
  return { call, clock, hooks, app };
}

test('listen: blocks while it streams; when the server closes, actionHook gets dial_call_duration and its verbs run', async () => {
  const t = run([{ listen: { url: 'wss://rec.example.com/a', actionHook: '/done', sampleRate: 16000, mixType: 'stereo', metadata: { a: 1 } } }, { say: { text: 'not reached' } }], (path) => (path === '/done' ? [{ say: { text: 'after' } }] : undefined));
  await flush();
  assert.equal(t.call.streams.length, 1);
  const s = t.call.streams[0];
  assert.deepEqual({ url: s.req.url, rate: s.req.sampleRate, mix: s.req.mixType, meta: s.req.metadata }, { url: 'wss://rec.example.com/a', rate: 16000, mix: 'stereo', meta: { a: 1 } });
  assert.deepEqual(t.call.said, [], 'the verb waits for the stream');
  t.clock.advance(3500);
  s.end('closed');
  await flush();
  assert.deepEqual(t.hooks.paths, ['/done']);
  assert.equal(t.hooks.requests[0].payload.dial_call_duration, 3);
  assert.equal(t.hooks.requests[0].payload.digits, undefined);
  assert.deepEqual(t.call.said, ['after']);
});

test('listen: finishOnKey ends the stream and reports the digit; maxLength ends it after that many seconds', async () => {
  const t = run([{ listen: { url: 'ws://h/x', finishOnKey: '#*', actionHook: '/done' } }, { stream: { url: 'ws://h/y', maxLength: 5, actionHook: '/done2' } }]);
  await flush();
  t.call.press('1');
  await flush();
  assert.equal(t.call.streams[0].stopped, false, 'a digit not in finishOnKey goes on');
  t.call.press('#');
  await flush();
  assert.equal(t.call.streams[0].stopped, true);
  assert.equal(t.hooks.requests[0].payload.digits, '#');
  assert.equal(t.call.streams.length, 2, 'stream runs as listen');
  t.clock.advance(4999);
  assert.equal(t.call.streams[1].stopped, false);
  t.clock.advance(1);
  await flush();
  assert.equal(t.call.streams[1].stopped, true);
  assert.deepEqual(t.hooks.paths, ['/done', '/done2']);
  assert.equal(t.hooks.requests[1].payload.dial_call_duration, 5);
});

test('listen: a connection failure sends the actionHook without a duration; hang-up ends the verb without it', async () => {
  const t = run([{ listen: { url: 'ws://h/x', actionHook: '/done' } }, { listen: { url: 'ws://h/y', actionHook: '/done2' } }]);
  await flush();
  t.call.streams[0].end('connect-failed');
  await flush();
  assert.deepEqual(t.hooks.requests[0].payload.dial_call_duration, undefined);
  t.call.remoteHangup();
  await t.app.done;
  assert.deepEqual(t.hooks.paths, ['/done']);
});

test('config.listen runs the stream in the background; enable:false stops it', async () => {
  const t = run([
    { config: { listen: { enable: true, url: 'wss://bg.example.com', passDtmf: true, timeout: 20, bidirectionalAudio: { enabled: true, streaming: true, sampleRate: 24000 } } } },
    { say: { text: 'hello' } },
    { pause: { length: 2 } },
    { config: { stream: { enable: false } } },
    { pause: { length: 60 } },
  ]);
  await flush();
  assert.deepEqual(t.call.said, ['hello'], 'the application goes on');
  const s = t.call.streams[0];
  assert.equal(s.req.passDtmf, true);
  assert.equal(s.req.silenceTimeoutMs, 20000);
  assert.deepEqual(s.req.bidirectional, { enabled: true, streaming: true, sampleRate: 24000 });
  // say (1 s of fake media) and pause 2 s, then config.stream enable:false.
  t.clock.advance(1000);
  await flush();
  t.clock.advance(2000);
  await flush();
  assert.equal(s.signal.aborted, true, 'config.stream enable:false stops it');

});

test('listen request: bidirectional audio is on unless disabled, streaming only when asked; other rates take the nearest supported one', () => {
  assert.deepEqual(streamRequest({ url: 'ws://a' }).bidirectional, { enabled: true, streaming: false });
  assert.equal(streamRequest({ url: 'ws://a', disableBidirectionalAudio: true }).bidirectional.enabled, false);
  assert.equal(streamRequest({ url: 'ws://a', bidirectionalAudio: { enabled: false } }).bidirectional.enabled, false);
  assert.equal(streamRequest({ url: 'ws://a' }).sampleRate, 8000);
  assert.equal(streamRequest({ url: 'ws://a', sampleRate: 48000 }).sampleRate, 24000);
  assert.equal(streamRequest({ url: 'ws://a', sampleRate: 11025 }).sampleRate, 8000);
});

test('listen schema: url must be ws(s); stream is an alias of listen; dial.listen is checked the same way', () => {
  const reg = coreVerbs();
  assert.equal(parseVerbList([{ stream: { url: 'wss://a.example/x' } }], reg)[0].definition.name, 'listen');
  assert.throws(() => parseVerbList([{ listen: { url: 'https://a.example/x' } }], reg), /\[0\]\.listen\.url: must be a ws:\/\/ or wss:\/\/ URL/);
  assert.throws(() => parseVerbList([{ listen: { url: 'wss://a', sampleRate: 100 } }], reg), /sampleRate/);
  assert.throws(() => parseVerbList([{ dial: { target: [{ type: 'phone', number: '1' }], listen: { url: 'http://x' } } }], reg), /dial\.listen\.url/);
});

/** A dialed leg that answers at once; `end()` is its far end hanging up. */
class Leg implements ChildLeg {
  readonly sid = 'leg-1';
  readonly #ended = new AbortController();
  readonly outcome = Promise.resolve({ answered: true, status: 'in-progress' as const, sipStatus: 200 });
  get endedSignal(): AbortSignal {
    return this.#ended.signal;
  }
  info(): CallInfo {
    return { call_sid: this.sid, direction: 'outbound', from: 'x', to: 'y', call_id: 'c', sip_status: 200, call_status: 'in-progress', account_sid: 'acct-1', trace_id: 't', fs_sip_address: 'a' };
  }
  async hangup(): Promise<void> {
    this.#ended.abort();
  }
  end(): void {
    this.#ended.abort();
  }
}

class DialingCall extends StreamingCall {
  readonly legs: Leg[] = [];
  async placeChild(init: ChildLegInit): Promise<ChildLeg> {
    void init;
    const leg = new Leg();
    this.legs.push(leg);
    return leg;
  }
  bridgeTo(leg: ChildLeg): void {
    void leg;
  }
}

test('dial.listen: the bridge streams in the background while dial waits; it stops when the bridge ends, and its actionHook reply is not run', async () => {
  const clock = new FakeClock();
  const call = new DialingCall(clock);
  const hooks = new FakeWebhooks((req) => (new URL(req.hook.url).pathname === '/ldone' ? [{ say: { text: 'never' } }] : undefined));
  const app = startApplication({
    call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook',
    appJson: [{ dial: { target: [{ type: 'phone', number: '15550001' }], actionHook: '/dial', listen: { url: 'wss://rec.example/x', mixType: 'stereo', actionHook: '/ldone' } } }],
  });
  await flush();
  assert.equal(call.streams.length, 1);
  assert.equal(call.streams[0].req.mixType, 'stereo');
  clock.advance(2000);
  call.legs[0].end();
  await app.done;
  assert.equal(call.streams[0].signal.aborted, true, 'the stream stops with the bridge');
  assert.deepEqual(hooks.paths.filter((p) => p !== '/dial'), ['/ldone']);
  assert.equal(hooks.requests.find((r) => new URL(r.hook.url).pathname === '/ldone')?.payload.dial_call_duration, 2);
  assert.deepEqual(call.said, []);
});
