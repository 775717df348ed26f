import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerbValidationError } from './errors.js';
import { parseAppJson, parseVerbList } from './parse.js';
import { coreVerbs } from './verbs/index.js';

const registry = coreVerbs();

function rejects(input: unknown, message: string): void {
  assert.throws(
    () => parseVerbList(input, registry),
    (e: unknown) => e instanceof VerbValidationError && e.code === 'VERB_INVALID' && e.message === message,
    message,
  );
}

test('both verb forms parse to the same verb; id is taken out as verb_id', () => {
  const [a, b] = parseVerbList([{ verb: 'say', text: 'hi', id: 'v1' }, { say: { text: 'hi', id: 'v1' } }], registry);
  for (const v of [a, b]) {
    assert.equal(v.name, 'say');
    assert.equal(v.id, 'v1');
    assert.deepEqual(v.props, { text: 'hi' });
  }
});

test('an unknown verb names its index', () => {
  rejects([{ say: { text: 'a' } }, { verb: 'sayy', text: 'b' }], '[1]: unknown verb "sayy"');
  rejects([{ nope: {} }], '[0]: unknown verb "nope"');
});

test('an unknown property is an error, except "_"', () => {
  rejects([{ verb: 'say', text: 'a', colour: 'red' }], '[0].say.colour: unknown property');
  assert.equal(parseVerbList([{ verb: 'say', text: 'a', _: { note: 'mine' } }], registry).length, 1);
  rejects([{ gather: { say: { text: 'x', speed: 2 } } }], '[0].gather.say.speed: unknown property');
});

test('wrong types name the path', () => {
  rejects([{ verb: 'pause', length: 1 }, { verb: 'gather', numDigits: '4' }], '[1].gather.numDigits: must be a number');
  rejects([{ verb: 'play', url: ['http://media.test/a.wav', 3] }], '[0].play.url[1]: must be a string');
  rejects([{ verb: 'say', text: 'x', loop: 'always' }], '[0].say.loop: must be a number or "forever"');
  rejects([{ verb: 'gather', input: ['dtmf'] }], '[0].gather.input[0]: must be one of "digits", "speech"');
  rejects([{ verb: 'hangup', headers: { 'X-A': { v: 1 } } }], '[0].hangup.headers.X-A: must be a string');
  rejects([{ verb: 'say', text: 'x', id: 7 }], '[0].say.id: must be a string');
});

test('required properties', () => {
  rejects([{ verb: 'pause' }], '[0].pause.length: is required');
  rejects([{ verb: 'redirect', actionHook: { method: 'GET' } }], '[0].redirect.actionHook.url: is required');
  rejects([{ verb: 'config', amd: { thresholdWordCount: 5 } }], '[0].config.amd.actionHook: is required');
  rejects([{ verb: 'sip:request' }], '[0].sip:request.method: is required');
  rejects([{ verb: 'dtmf', duration: 100 }], '[0].dtmf.dtmf: is required');
  rejects([{ tag: {} }], '[0].tag.data: is required');
});

test('shape errors: not an array, not an object, ambiguous keys', () => {
  rejects({ verb: 'say' }, 'must be an array of verbs');
  rejects(['say'], '[0]: must be a verb object');
  rejects([{ say: { text: 'a' }, play: { url: 'b' } }], '[0]: must have a "verb" property or exactly one verb key');
  rejects([{ say: 'hello' }], '[0].say: must be an object');
  rejects([{ verb: 3 }], '[0].verb: must be a verb name');
});

test('a header value given as a number or boolean (the spec types headers as "object") reaches the verb as text', () => {
  const input = { verb: 'sip:decline', status: 480, headers: { 'Retry-After': 1800, 'X-Flag': true, 'X-Text': 'a' } };
  const [decline] = parseVerbList([input], registry);
  assert.deepEqual(decline.props.headers, { 'Retry-After': '1800', 'X-Flag': 'true', 'X-Text': 'a' });
  assert.equal(input.headers['Retry-After'], 1800, "the application's object is not changed");
  rejects([{ verb: 'hangup', headers: { 'X-A': 'ok\r\nVia: forged' } }], '[0].hangup.headers.X-A: must not contain control characters (CR, LF …)');
});

test('a loop given as a numeric string (the spec types loop as "number|string") reaches the verb as a number', () => {
  const [say] = parseVerbList([{ verb: 'say', text: 'x', loop: '2' }], registry);
  assert.equal(say.props.loop, 2);
  rejects([{ verb: 'say', text: 'x', loop: '1001' }], '[0].say.loop: must be a number or "forever"');
});

test('vendor option blocks are checked as the specification describes them; other <vendor>Options blocks are objects', () => {
  rejects([{ verb: 'config', recognizer: { vendor: 'microsoft', azureOptions: { x: 1 } } }], '[0].config.recognizer.azureOptions.x: unknown property');
  rejects([{ verb: 'gather', recognizer: { vendor: 'deepgram', deepgramOptions: { redact: 'everything' } } }], '[0].gather.recognizer.deepgramOptions.redact: must be one of "pci", "numbers", "true", "ssn"');
  assert.equal(parseVerbList([{ verb: 'gather', recognizer: { vendor: 'acme', acmeOptions: { anything: [1] } } }], registry).length, 1);
});

test('vendor option blocks and known config keys are accepted', () => {
  const verbs = parseVerbList(
    [
      { verb: 'config', synthesizer: { vendor: 'espeak-ng', language: 'en-US' }, recognizer: { vendor: 'microsoft', azureOptions: { languageIdMode: 'Continuous' } }, amd: { actionHook: '/amd', timers: { noSpeechTimeoutMs: 4000 } }, bargeIn: { enable: true }, notifyEvents: true },
      { verb: 'gather', input: ['digits', 'speech'], recognizer: { vendor: 'google', hints: ['yes', 'no'] }, actionHook: { url: '/g', method: 'GET' } },
    ],
    registry,
  );
  assert.equal(verbs.length, 2);
});

test('app_json may be a JSON string; bad JSON is a VERB_INVALID error', () => {
  assert.equal(parseAppJson('[{"verb":"hangup"}]', registry)[0].name, 'hangup');
  assert.throws(() => parseAppJson('[{"verb":', registry), (e: unknown) => e instanceof VerbValidationError && e.path === 'app_json');
});
