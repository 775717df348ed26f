import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { FakeCall, FakeWebhooks, type FakeCallOptions } from '../../testkit/fake-call.js';
import { startApplication } from '../session.js';
import type { WebhookRequest } from '../webhook/client.js';
import { VerbValidationError } from '../errors.js';
import { parseVerbList } from '../parse.js';
import { coreVerbs } from './index.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Run {
  readonly call: FakeCall;
  readonly hooks: FakeWebhooks;
  readonly clock: FakeClock;
  readonly done: Promise<void>;
}

function run(verbs: unknown[], opts: FakeCallOptions = {}, reply?: (req: WebhookRequest, n: number) => unknown): Run {
  const clock = new FakeClock();
  const call = new FakeCall({ clock, ...opts });
  const hooks = new FakeWebhooks(reply);
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/base/hook', appJson: verbs, secret: 's' });
  return { call, hooks, clock, done: app.done };
}

test('say: a text array is spoken in order, loop times, with the espeak default synthesizer', async () => {
  const r = run([{ say: { text: ['one', 'two'], loop: 2 } }]);
  await r.done;
  assert.deepEqual(r.call.said, ['one', 'two', 'one', 'two']);
  const first = r.call.events[0];
  assert.ok(first.kind === 'say');
  assert.deepEqual(first.synth, { vendor: 'espeak', language: 'en-US' });
  assert.equal(r.call.hangups, 1, 'the end of the list hangs up');
});

test('say: its synthesizer overrides the session default; config changes the default; reset restores it', async () => {
  const r = run([
    { say: { text: 'a', synthesizer: { vendor: 'google', voice: 'en-US-Wavenet-C' } } },
    { config: { synthesizer: { vendor: 'espeak-ng', language: 'de-DE', voice: 'de' } } },
    { say: { text: 'b' } },
    { say: { text: 'c', synthesizer: { language: 'fr-FR' } } },
    { config: { reset: 'synthesizer' } },
    { say: { text: 'd' } },
  ]);
  await r.done;
  const synths = r.call.events.flatMap((e) => (e.kind === 'say' ? [e.synth] : []));
  assert.deepEqual(synths, [
    { vendor: 'google', language: 'en-US', voice: 'en-US-Wavenet-C', label: undefined, raw: { vendor: 'google', voice: 'en-US-Wavenet-C' } },
    { vendor: 'espeak-ng', language: 'de-DE', voice: 'de', label: undefined, raw: { vendor: 'espeak-ng', language: 'de-DE', voice: 'de' } },
    { vendor: 'espeak-ng', language: 'fr-FR', voice: 'de', label: undefined, raw: { vendor: 'espeak-ng', language: 'fr-FR', voice: 'de' } },
    { vendor: 'espeak', language: 'en-US' },
  ]);
});

test('say: loop "forever" plays until the caller hangs up', async () => {
  const r = run([{ say: { text: 'again', loop: 'forever' } }], { mediaMs: 1000 });
  await flush();
  for (let i = 0; i < 5; i++) {
    r.clock.advance(1000);
    await flush();
  }
  r.call.remoteHangup();
  await r.done;
  assert.equal(r.call.said.length, 6);
  assert.equal(r.call.hangups, 0, 'no BYE of our own after the caller hung up');
});

test('say: earlyMedia on an unanswered inbound call asks for early media; a TTS failure alerts and goes on', async () => {
  const r = run([{ say: { text: 'hi', earlyMedia: true } }, { pause: { length: 0 } }], { answered: false, direction: 'inbound', sayError: new Error('no credentials for vendor') });
  await r.done;
  assert.deepEqual(r.call.events[0], { kind: 'answer', earlyMedia: true });
  assert.deepEqual(r.call.alerts.map((a) => a.alertType), ['tts-failure']);
  assert.equal(r.call.hangups, 1);
});

test('play: only http(s) URLs — a path, file: or relative URL is a validation error naming play.url / play.url[1]', () => {
  const registry = coreVerbs();
  const rejects = (verbs: unknown[], message: string): void => {
    assert.throws(() => parseVerbList(verbs, registry), (e: unknown) => e instanceof VerbValidationError && e.message === message, message);
  };
  const oneOrList = 'must be an http(s) URL or an array of http(s) URLs';
  rejects([{ play: { url: '/etc/passwd.wav' } }], `[0].play.url: ${oneOrList}`);
  rejects([{ verb: 'play', url: 'file:///etc/passwd' }], `[0].play.url: ${oneOrList}`);
  rejects([{ verb: 'play', url: ['https://media.example/a.wav', 'tone.wav'] }], '[0].play.url[1]: must be an http(s) URL');
  rejects([{ verb: 'play', url: ['http://media.example/a.wav', 'ftp://media.example/b.wav'] }], '[0].play.url[1]: must be an http(s) URL');
  rejects([{ gather: { play: { url: 'data:audio/wav;base64,UklGRg==' } } }], `[0].gather.play.url: ${oneOrList}`);
  assert.equal(parseVerbList([{ play: { url: ['HTTPS://media.example/a.wav', 'http://10.0.0.1:8080/b.mp3?x=1'] } }], registry).length, 1);
});

test('play: an app playing a local path fails validation and plays nothing', async () => {
  const r = run([{ play: { url: '/etc/passwd.wav' } }]);
  await r.done;
  assert.deepEqual(r.call.played, []);
  assert.deepEqual(r.call.alerts.map((a) => a.alertType), ['invalid-app-payload']);
  assert.match(r.call.alerts[0].message, /play\.url: must be an http\(s\) URL/);
});

test('play: actionHook gets playCompleted with playback time and verb_id; its verbs replace the rest', async () => {
  const r = run([{ play: { id: 'p1', url: ['http://media.test/a.wav', 'http://media.test/b.wav'], actionHook: '/played' } }, { say: { text: 'never' } }], {}, () => [{ say: { text: 'instead' } }]);
  await r.done;
  assert.deepEqual(r.call.played, ['http://media.test/a.wav', 'http://media.test/b.wav']);
  assert.deepEqual(r.call.said, ['instead']);
  const req = r.hooks.requests[0];
  assert.equal(req.hook.url, 'http://app.test/played');
  assert.equal(req.payload.reason, 'playCompleted');
  assert.equal(req.payload.playback_seconds, 2);
  assert.equal(req.payload.playback_milliseconds, 2000);
  assert.equal(req.payload.verb_id, 'p1');
  assert.equal(req.payload.call_sid, 'call-1');
  assert.equal(req.secret, 's');
});

test('play: a URL that fails → play-url-notfound alert and {status:"fail", reason:"playFailed"}', async () => {
  const r = run([{ play: { url: ['http://media.test/ok.wav', 'http://media.test/missing.wav', 'http://media.test/never.wav'], actionHook: '/played' } }], { failingUrls: ['http://media.test/missing.wav'] });
  await r.done;
  assert.deepEqual(r.call.played, ['http://media.test/ok.wav', 'http://media.test/missing.wav']);
  assert.deepEqual(r.call.alerts.map((a) => a.alertType), ['play-url-notfound']);
  assert.equal(r.hooks.requests[0].payload.status, 'fail');
  assert.equal(r.hooks.requests[0].payload.reason, 'playFailed');
});

test('play: timeoutSecs stops a long play and still reports playCompleted', async () => {
  const r = run([{ play: { url: 'http://media.test/long.wav', timeoutSecs: 2, actionHook: '/p' } }], { mediaMs: 10_000 });
  await flush();
  r.clock.advance(2000);
  await r.done;
  assert.equal(r.hooks.requests[0].payload.playback_milliseconds, 2000);
});

test('pause: waits `length` seconds on the clock', async () => {
  const r = run([{ pause: { length: 3 } }, { say: { text: 'after' } }]);
  await flush();
  r.clock.advance(2999);
  await flush();
  assert.deepEqual(r.call.said, []);
  r.clock.advance(1);
  await r.done;
  assert.deepEqual(r.call.said, ['after']);
});

test('hangup: headers go on the BYE and the interpreter does not hang up again', async () => {
  const r = run([{ hangup: { headers: { 'X-Reason': 'done' } } }, { say: { text: 'never' } }]);
  await r.done;
  assert.deepEqual(r.call.events, [{ kind: 'hangup', headers: { 'X-Reason': 'done' } }]);
});

test('tag replaces customerData, which later hooks carry', async () => {
  const r = run([{ tag: { data: { crm: 'A-17' } } }, { play: { url: 'http://media.test/x.wav', actionHook: '/p' } }], { info: { customerData: { old: true } } });
  await r.done;
  assert.deepEqual(r.hooks.requests[0].payload.customerData, { crm: 'A-17' });
});

test('dtmf: sends digits with a 500 ms default duration; answer answers', async () => {
  const r = run([{ answer: {} }, { dtmf: { dtmf: '12#' } }, { dtmf: { dtmf: '9', duration: 250 } }], { answered: false, direction: 'inbound' });
  await r.done;
  assert.deepEqual(r.call.events.slice(0, 3), [
    { kind: 'answer', earlyMedia: false },
    { kind: 'dtmf', digits: '12#', durationMs: 500 },
    { kind: 'dtmf', digits: '9', durationMs: 250 },
  ]);
});

test('sip:request: success and failure reach the actionHook', async () => {
  const ok = run([{ 'sip:request': { method: 'info', body: 'hello', headers: { 'Content-Type': 'text/plain', 'X-A': '1' }, actionHook: '/r' } }]);
  await ok.done;
  assert.deepEqual(ok.call.events[0], { kind: 'sipRequest', method: 'INFO', init: { body: 'hello', contentType: 'text/plain', headers: { 'X-A': '1' } } });
  assert.equal(ok.hooks.requests[0].payload.result, 'success');
  assert.equal(ok.hooks.requests[0].payload.sip_status, 200);
  const bad = run([{ 'sip:request': { method: 'MESSAGE', actionHook: '/r' } }], { sipResponse: new Error('no dialog') });
  await bad.done;
  assert.equal(bad.hooks.requests[0].payload.result, 'failed');
  assert.equal(bad.hooks.requests[0].payload.err, 'no dialog');
});

test('alert writes alert-from-application', async () => {
  const r = run([{ alert: { message: 'look at me' } }]);
  await r.done;
  assert.deepEqual(r.call.alerts, [{ alertType: 'alert-from-application', message: 'look at me' }]);
});

test('redirect: session:redirect carries the call info only; the reply replaces the app; statusHook is passed on', async () => {
  const clock = new FakeClock();
  const call = new FakeCall({ clock });
  const hooks = new FakeWebhooks(() => [{ say: { text: 'redirected' } }]);
  const statusHooks: unknown[] = [];
  const infoBefore = call.info();
  const app = startApplication({
    call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook',
    appJson: [{ redirect: { actionHook: 'https://other.test/next', statusHook: '/status' } }, { say: { text: 'never' } }],
    onStatusHook: (s) => statusHooks.push(s),
  });
  await app.done;
  assert.deepEqual(call.said, ['redirected']);
  assert.equal(hooks.requests[0].hook.url, 'https://other.test/next');
  assert.deepEqual(hooks.requests[0].payload, infoBefore);
  assert.deepEqual(statusHooks, ['/status']);
});

test('redirect: an absolute hook on another host becomes the base for relative hooks', async () => {
  const r = run([{ redirect: { actionHook: 'https://other.test/app/next' } }], {}, (_q, n) => (n === 1 ? [{ play: { url: 'http://media.test/x.wav', actionHook: 'done' } }] : undefined));
  await r.done;
  assert.deepEqual(r.hooks.requests.map((q) => q.hook.url), ['https://other.test/app/next', 'https://other.test/app/done']);
});

test('hangup: nothing runs after it even while the BYE is still in flight', async () => {
  class SlowByeCall extends FakeCall {
    override async hangup(headers?: Readonly<Record<string, string>>): Promise<void> {
      this.events.push(headers === undefined ? { kind: 'hangup' } : { kind: 'hangup', headers });
    }
  }
  const clock = new FakeClock();
  const call = new SlowByeCall({ clock });
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: new FakeWebhooks(), appJson: [{ hangup: {} }, { say: { text: 'never' } }] });
  await app.done;
  assert.deepEqual(call.said, []);
  assert.equal(call.hangups, 1);
});

test('a live replace while an actionHook is in flight wins over that hook\'s late reply', async () => {
  let answer: ((v: unknown) => void) | undefined;
  const clock = new FakeClock();
  const call = new FakeCall({ clock });
  const hooks = new FakeWebhooks(() => new Promise((r) => { answer = r; }));
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: [{ play: { url: 'http://media.test/a.wav', actionHook: '/p' } }] });
  while (!answer) await flush();
  app.replace([{ say: { text: 'new' } }]);
  answer([{ say: { text: 'stale' } }]);
  await app.done;
  assert.deepEqual(call.said, ['new']);
});
