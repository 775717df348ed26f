/**
 * Issue 14: every property that `@jambonz/verb-specifications` allows on a verb we implement is
 * accepted. For each such verb, each property path of the specification (into nested objects such
 * as `gather.recognizer.azureOptions.languageIdMode`) gets a value of each type the specification
 * allows (every value of an enum), inside an otherwise minimal verb, and our parser must accept it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVerbList } from './parse.js';
import { validate } from './schema.js';
import { specEntry, type SpecType } from './spec.js';
import { coreVerbs } from './verbs/index.js';
import { transcribeSchema } from './verbs/transcribe-schema.js';

/** Values our stricter semantic rules need where a generic sample would not do (a URL, a method …). */
const CONTEXT_SAMPLES: Readonly<Record<string, readonly unknown[]>> = {
  'play.url': ['https://media.example.com/a.wav', ['https://media.example.com/a.wav']],
  'sip:request.method': ['INFO'],
  'sip:decline.status': [480],
  'dial.dialMusic': ['https://media.example.com/ring.wav'],
  'dial.timeLimit': [60],
  'dial.timeout': [30],
  'config.reset': ['synthesizer', ['synthesizer', 'recognizer']],
  'gather.input': [['digits'], ['speech']],
  'listen.url': ['wss://media.example.com/stream'],
  // Sample rates are bounded (8000 … 64000, docs/verbs.md "Stricter than the specification").
  'listen.sampleRate': [8000, 16000],
  'bidirectionalAudio.sampleRate': [8000, 24000],
  // Deliberately stricter (docs/verbs.md "Stricter than the specification"): a string loop or
  // timeout must be a number (or "forever").
  'say.loop': [2, '2', 'forever'],
  'play.loop': [2, '2', 'forever'],
  'play.timeoutSecs': [10, '10'],
};

/** Properties we require that the specification does not (a say without text has nothing to say). */
const OUR_REQUIRED: Readonly<Record<string, readonly string[]>> = { say: ['text'] };

function refName(t: SpecType): string | undefined {
  if (typeof t === 'string' && t.startsWith('#')) return t.slice(1);
  if (Array.isArray(t) && typeof t[0] === 'string' && t[0].startsWith('#')) return t[0].slice(1);
  return undefined;
}

/** One value per type the specification allows for `t`; a hook is written as a string. */
function samples(entry: string, key: string, t: SpecType): unknown[] {
  const ctx = CONTEXT_SAMPLES[`${entry}.${key}`];
  if (ctx) return [...ctx];
  if (Array.isArray(t)) return [[minimal(refName(t) ?? '')]];
  if (typeof t === 'object') {
    const { type, enum: values } = t as { type?: string; enum?: readonly string[] };
    if (values) return type === 'array' ? values.map((v) => [v]) : [...values];
    return samples(entry, key, type ?? 'string');
  }
  const s = t as string;
  if (s.includes('|')) return s.split('|').flatMap((p) => (p.trim() === 'object' && s.includes('string') ? [] : samples(entry, key, p.trim())));
  if (s.startsWith('#')) return [minimal(s.slice(1))];
  const simple: Record<string, unknown> = { string: 'x', number: 1, boolean: true, object: {}, array: [] };
  return [simple[s] ?? 'x'];
}

/** The required properties of `name`, each with its first sample. */
function minimal(name: string): Record<string, unknown> {
  const entry = specEntry(name);
  const out: Record<string, unknown> = {};
  for (const key of [...(entry?.required ?? []), ...(OUR_REQUIRED[name] ?? [])]) out[key] = samples(name, key, entry?.properties[key] ?? 'string')[0];
  return out;
}

interface Case {
  readonly path: string;
  readonly value: Record<string, unknown>;
}

/** Every property path under entry `name`, each as a minimal `name` object holding one sample there. */
function* cases(name: string, prefix: string, depth = 0): Generator<Case> {
  const entry = specEntry(name);
  if (!entry || depth > 6) return;
  const base = minimal(name);
  for (const [key, t] of Object.entries(entry.properties)) {
    for (const sample of samples(name, key, t)) yield { path: `${prefix}.${key}=${JSON.stringify(sample)}`, value: { ...base, [key]: sample } };
    const ref = refName(t);
    if (ref === undefined || CONTEXT_SAMPLES[`${name}.${key}`]) continue;
    for (const inner of cases(ref, `${prefix}.${key}${Array.isArray(t) ? '[0]' : ''}`, depth + 1)) {
      yield { path: inner.path, value: { ...base, [key]: Array.isArray(t) ? [inner.value] : inner.value } };
    }
  }
}

test('issue 14: every property (and every enum value) the verb specification allows on a verb we implement is accepted', (t) => {
  const registry = coreVerbs();
  const verbs = registry.names().filter((n) => specEntry(n) !== undefined);
  assert.ok(verbs.length >= 15, `our verbs are in the specification (${verbs.join(', ')})`);
  const failures: string[] = [];
  let count = 0;
  for (const verb of verbs) {
    for (const c of cases(verb, verb)) {
      count++;
      try {
        parseVerbList([{ verb, ...c.value }], registry);
      } catch (e) {
        failures.push(`${c.path} → ${(e as Error).message}`);
      }
    }
  }
  for (const c of cases('transcribe', 'transcribe')) {
    count++;
    try {
      validate(transcribeSchema, c.value, 'transcribe');
    } catch (e) {
      failures.push(`${c.path} → ${(e as Error).message}`);
    }
  }
  assert.ok(count > 1000, `many property paths were tried (${count})`);
  t.diagnostic(`${count} property values tried on ${verbs.length + 1} verbs`);
  assert.deepEqual(failures, []);
});

test('issue 14: errors in spec-typed parts still name the path', () => {
  const registry = coreVerbs();
  const bad = (v: unknown, message: string): void =>
    assert.throws(() => parseVerbList(v, registry), (e: unknown) => (e as Error).message === message, message);
  bad([{ verb: 'say', text: 'a' }, { verb: 'gather', recognizer: { vendor: 'google', foo: 1 } }], '[1].gather.recognizer.foo: unknown property');
  bad([{ verb: 'gather', recognizer: { vendor: 'microsoft', profanityOption: 'loud' } }], '[0].gather.recognizer.profanityOption: must be one of "masked", "removed", "raw"');
  bad([{ verb: 'config', bargeIn: { sticky: true } }], '[0].config.bargeIn.enable: is required');
  bad([{ verb: 'dial', target: [{ type: 'fax' }] }], '[0].dial.target[0].type: must be one of "phone", "sip", "user", "teams"');
  bad([{ verb: 'config', record: { action: 'startCallRecording', siprecServerURL: 5 } }], '[0].config.record.siprecServerURL: must be a string or an array');
});
