import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerbValidationError } from './errors.js';
import { parseVerbList } from './parse.js';
import { coreVerbs } from './verbs/index.js';

/** Issue 12 items 2, 13, 14, 17 at the verb level: bad input ends the app with a path, never reaches the call. */
const registry = coreVerbs();

function rejects(input: unknown, message: string): void {
  assert.throws(
    () => parseVerbList(input, registry),
    (e: unknown) => e instanceof VerbValidationError && e.code === 'VERB_INVALID' && e.message === message,
    message,
  );
}
const accepts = (input: unknown): void => assert.equal(parseVerbList(input, registry).length, (input as unknown[]).length);

const STACK = ['Call-ID', 'CSeq', 'From', 'To', 'Via', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Contact', 'Route', 'Record-Route'];
const COMPACT: Readonly<Record<string, string>> = { i: 'Call-ID', f: 'From', t: 'To', v: 'Via', l: 'Content-Length', c: 'Content-Type', m: 'Contact' };
const OWNED = 'is set by the SIP stack and cannot be given';

/** Every verb place that takes SIP headers, as a function of the headers object, with its path. */
const PLACES: ReadonlyArray<readonly [string, (h: Record<string, string>) => unknown]> = [
  ['[0].hangup.headers', (headers) => ({ verb: 'hangup', headers })],
  ['[0].dial.headers', (headers) => ({ verb: 'dial', target: [{ type: 'phone', number: '1' }], headers })],
  ['[0].dial.target[0].headers', (headers) => ({ verb: 'dial', target: [{ type: 'phone', number: '1', headers }] })],
  ['[0].sip:refer.headers', (headers) => ({ verb: 'sip:refer', referTo: '123', headers })],
  ['[0].sip:decline.headers', (headers) => ({ verb: 'sip:decline', status: 486, headers })],
  ['[0].sip:request.headers', (headers) => ({ verb: 'sip:request', method: 'INFO', headers })],
];

test('RFC 3261 §8.1.1/§20: headers the SIP stack writes are refused in every verb that takes headers, in any case', () => {
  for (const [path, verb] of PLACES) {
    for (const h of STACK) {
      if (path.startsWith('[0].sip:request') && h === 'Content-Type') continue;
      rejects([verb({ [h]: 'x' })], `${path}.${h}: ${OWNED}`);
      rejects([verb({ [h.toLowerCase()]: 'x' })], `${path}.${h.toLowerCase()}: ${OWNED}`);
    }
    accepts([verb({ 'X-Custom': 'ok', 'P-Asserted-Identity': '<sip:1@example.com>', Subject: '' })]);
  }
});

test('RFC 3261 §7.3.3: the compact forms of stack headers are refused too', () => {
  for (const [path, verb] of PLACES) {
    for (const [short, full] of Object.entries(COMPACT)) {
      rejects([verb({ [short]: 'x' })], `${path}.${short}: is the compact form of ${full}, which the SIP stack sets`);
      rejects([verb({ [short.toUpperCase()]: 'x' })], `${path}.${short.toUpperCase()}: is the compact form of ${full}, which the SIP stack sets`);
    }
  }
});

test('RFC 3261 §25.1: a header value with CR, LF or another control character, or a name that is not a token, is refused', () => {
  for (const [path, verb] of PLACES) {
    for (const value of ['a\r\nVia: SIP/2.0/UDP evil', 'a\nb', 'a\rb', 'nul\u0000', 'del\u007f']) {
      rejects([verb({ 'X-Evil': value })], `${path}.X-Evil: must not contain control characters (CR, LF …)`);
    }
    rejects([verb({ 'X Bad': 'x' })], `${path}.X Bad: is not a valid SIP header name`);
    rejects([verb({ 'X-A:': 'x' })], `${path}.X-A:: is not a valid SIP header name`);
    accepts([verb({ 'X-Tab': 'a\tb' })]);
  }
});

test('sip:request: Content-Type (full name only) types the body; c and the other stack headers are refused', () => {
  accepts([{ verb: 'sip:request', method: 'INFO', body: 'x', headers: { 'content-type': 'text/plain' } }]);
  rejects([{ verb: 'sip:request', method: 'INFO', headers: { c: 'text/plain' } }], '[0].sip:request.headers.c: is the compact form of Content-Type, which the SIP stack sets');
});

test('sip:request: only INFO, MESSAGE, NOTIFY and OPTIONS (any case); dialog-changing methods are refused by name', () => {
  for (const m of ['INFO', 'info', 'Message', 'NOTIFY', 'options']) accepts([{ verb: 'sip:request', method: m }]);
  for (const m of ['INVITE', 'ack', 'BYE', 'Cancel', 'PRACK', 'UPDATE', 'REFER', 'REGISTER', 'SUBSCRIBE', 'PUBLISH', 'FOO']) {
    rejects([{ verb: 'sip:request', method: m }], `[0].sip:request.method: "${m}" is not allowed: use one of INFO, MESSAGE, NOTIFY, OPTIONS`);
  }
});

test('durations and counts have a maximum, so no timer can pass 2^31-1 ms', () => {
  const cases: ReadonlyArray<readonly [unknown, string, unknown]> = [
    [{ verb: 'pause', length: 3601 }, '[0].pause.length: must be at most 3600', { verb: 'pause', length: 3600 }],
    [{ verb: 'pause', length: 2 ** 31 }, '[0].pause.length: must be at most 3600', undefined],
    [{ verb: 'gather', timeout: 3601 }, '[0].gather.timeout: must be at most 3600', { verb: 'gather', timeout: 3600 }],
    [{ verb: 'gather', interDigitTimeout: 1e12 }, '[0].gather.interDigitTimeout: must be at most 3600', { verb: 'gather', interDigitTimeout: 5 }],
    [{ verb: 'gather', speechTimeout: 3601 }, '[0].gather.speechTimeout: must be at most 3600', undefined],
    [{ verb: 'gather', recognizer: { asrTimeout: 3601 } }, '[0].gather.recognizer.asrTimeout: must be at most 3600', undefined],
    [{ verb: 'gather', recognizer: { fastRecognitionTimeout: 600_001 } }, '[0].gather.recognizer.fastRecognitionTimeout: must be at most 600000', undefined],
    [{ verb: 'dial', target: [{ type: 'phone', number: '1' }], timeout: 601 }, '[0].dial.timeout: must be at most 600', { verb: 'dial', target: [{ type: 'phone', number: '1' }], timeout: 600, timeLimit: 86_400 }],
    [{ verb: 'dial', target: [{ type: 'phone', number: '1' }], timeLimit: 86_401 }, '[0].dial.timeLimit: must be at most 86400', undefined],
    [{ verb: 'dtmf', dtmf: '1', duration: 5001 }, '[0].dtmf.duration: must be at most 5000', { verb: 'dtmf', dtmf: '1', duration: 5000 }],
    [{ verb: 'say', text: 'x', loop: 1001 }, '[0].say.loop: must be at most 1000', { verb: 'say', text: 'x', loop: 1000 }],
    [{ verb: 'play', url: 'https://a/x.wav', loop: 1e9 }, '[0].play.loop: must be at most 1000', { verb: 'play', url: 'https://a/x.wav', loop: 'forever' }],
    [{ verb: 'config', amd: { actionHook: '/a', timers: { decisionTimeoutMs: 600_001 } } }, '[0].config.amd.timers.decisionTimeoutMs: must be at most 600000', { verb: 'config', amd: { actionHook: '/a', timers: { noSpeechTimeoutMs: 600_000 } } }],
    [{ verb: 'config', amd: { actionHook: '/a', tuning: { greetingMs: 2 ** 31 } } }, '[0].config.amd.tuning.greetingMs: must be at most 600000', { verb: 'config', amd: { actionHook: '/a', tuning: { maxWords: 1e6 } } }],
    [{ verb: 'dial', target: [{ type: 'phone', number: '1' }], amd: { actionHook: '/a', timers: { toneTimeoutMs: 1e10 } } }, '[0].dial.amd.timers.toneTimeoutMs: must be at most 600000', undefined],
  ];
  for (const [bad, message, good] of cases) {
    rejects([bad], message);
    if (good !== undefined) accepts([good]);
  }
});

test('RFC 3261 §21: sip:decline takes a final non-2xx status, 300-699', () => {
  rejects([{ verb: 'sip:decline', status: 700 }], '[0].sip:decline.status: must be at most 699');
  accepts([{ verb: 'sip:decline', status: 699 }]);
});

test('issue 14: spec-valid values the gateway does not act on (target proxy, referHook, sipRequestWithinDialogHook) are accepted', () => {
  const target = { type: 'sip', sipUri: 'sip:a@example.com' };
  accepts([{ verb: 'dial', target: [{ ...target, proxy: 'sip:proxy.example.com' }, { ...target, proxy: '' }, target], proxy: 'sip:p.example.com' }]);
  accepts([{ verb: 'config', referHook: '/refer', sipRequestWithinDialogHook: { url: 'https://a.example/x' } }]);
  accepts([{ verb: 'config', referHook: null, sipRequestWithinDialogHook: null }]);
  rejects([{ verb: 'config', referHook: 3 }], '[0].config.referHook: must be an object or a string');
});

test('issue 12 item 14: play.timeoutSecs is bounded, as a number and a numeric string; seekOffset (not acted on) is typed as the spec types it', () => {
  const play = (extra: Record<string, unknown>): unknown => parseVerbList([{ verb: 'play', url: 'http://x.test/a.wav', ...extra }], coreVerbs());
  assert.doesNotThrow(() => play({ timeoutSecs: 10, seekOffset: '2.5' }));
  assert.doesNotThrow(() => play({ timeoutSecs: '10', seekOffset: 8000 }));
  for (const bad of [{ timeoutSecs: 3601 }, { timeoutSecs: '1e12' }, { seekOffset: true }]) {
    assert.throws(() => play(bad), (e: unknown) => e instanceof VerbValidationError && /timeoutSecs|seekOffset/.test(e.path), JSON.stringify(bad));
  }
});

test('issue 12 item 3: dial.dialMusic is an http(s) URL, never a path on the gateway', () => {
  const dial = (dialMusic: string): unknown => parseVerbList([{ verb: 'dial', target: [{ type: 'phone', number: '+15550100' }], dialMusic }], coreVerbs());
  assert.doesNotThrow(() => dial('https://x.test/music.wav'));
  assert.throws(() => dial('/etc/passwd'), (e: unknown) => e instanceof VerbValidationError && e.path.endsWith('dialMusic'));
});
