#!/usr/bin/env node
// Builds the labelled AMD corpus deterministically from a seed (docs/amd.md):
//   node scripts/amd-corpus.mjs [outDir] [--seed N] [--count N] [--jobs N]
// outDir defaults to data/amd-corpus (gitignored). --count N builds a stratified subset of N
// recordings (for quick tests). Speech comes from espeak-ng (voices, rates, pitches), every
// recording goes through sox: telephone band-pass 300–3400 Hz and a µ-law round trip; noise
// (white, pink, brown, babble) is mixed in at 10–30 dB SNR. Writes 8 kHz mono 16-bit WAVs and
// labels.json (class, kind, hard, speech onset/end, beep, voice, noise …).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

export const CORPUS_VERSION = 2;
const RATE = 8000;
const VOICES = ['en-us', 'en-gb', 'en+f3', 'en-us+f2', 'en+m3', 'en-gb-scotland', 'en-us+f4', 'en+klatt', 'en-029', 'en-gb-x-rp', 'en+f5', 'en+m5'];
const NOISES = ['white', 'pink', 'brown', 'babble'];
/** Main human answers stay at most this long (speech extent); longer ones go to the hard class. */
const HUMAN_MAX_MS = 2100;
const HARD_HUMAN_MIN_MS = 3000;
const HARD_MACHINE_MAX_MS = 2000;

/** mulberry32: a small seeded PRNG in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (r, list) => list[Math.floor(r() * list.length)];
const uniform = (r, lo, hi) => lo + r() * (hi - lo);
const int = (r, lo, hi) => Math.floor(uniform(r, lo, hi + 1));

// ---------------------------------------------------------------- texts (our own)

const HUMAN_HELLOS = ['Hello?', 'Hello.', 'Hi.', 'Yeah?', 'Yes?', 'Hello, yes?', 'Speaking.', 'Hi there.', 'Hey.', 'Good morning.', 'Hello hello?', 'Yep?', 'Hi, hello?', 'Evening.'];
const HUMAN_ANSWERS = [
  'Hello, Dana speaking.', 'Hi, this is Dana speaking, who is calling?', 'Hello, this is Sam.', 'Yes, hello, who is this?',
  'Good afternoon, Smith residence.', 'Hello? Can I help you?', "Hi, who's calling please?", 'Hello, Pat here.',
  'Hi, this is Chris, go ahead.', 'Hello, yes, this is she.', 'Morning, Lee speaking.', 'Hello? Who is it?',
  'Yes, speaking, how can I help?', 'Hi, Jordan here, who is this?', 'Hello, Garcia residence.',
];
const HUMAN_MEDIUM = [
  'Hi, this is Dana speaking, who is calling?', 'Hello, this is Sam, what can I do for you?', 'Yes, this is Pat, sorry, who did you want?',
  'Good afternoon, Garcia residence, how can I help?', 'Hello? Yes, speaking. Who is this please?',
];
const HUMAN_LONG = [
  "Hi, this is Dana, I'm just driving at the moment so I can't really talk for long, who is this?",
  'Hello, yes, this is Sam speaking, sorry it took me a while to get to the phone, what can I do for you today?',
  "Good afternoon, you've got Chris here, I was just about to head out the door, so what is this about?",
  'Hello? Hello? Sorry, the line was quiet for a second there, who am I speaking with please?',
  "Yes hi, this is Pat, I think you called me earlier today and I missed it, what's this regarding?",
];
const MACHINE_OPENERS = [
  'Hi, you have reached Alex.', "Hello, you've reached the voicemail of Jordan Lee.", 'Thank you for calling Acme Plumbing.',
  'The person you are calling is not available.', "Hi, it's Morgan.", 'You have reached five five five, one two three four.',
  'Hello, this is the Smith family.', 'Welcome to the voicemail box of Taylor.', "Hey, it's Casey, sorry I missed you.",
  'Your call has been forwarded to an automatic voice message system.',
];
const MACHINE_SENTENCES = [
  "I can't take your call right now.", 'Please leave a message after the tone.', "Leave your name and number and I'll call you back.",
  'Our office hours are Monday to Friday, nine to five.', 'If this is an emergency, please hang up and dial nine one one.',
  'I will get back to you as soon as possible.', 'Thanks for calling, and have a great day.', 'We are either on the other line or away from the phone.',
  'For sales, press one. For support, press two.', 'You can also reach me by email.', 'Please speak clearly after the beep.',
  'The mailbox is almost full, so keep it short.', 'We are closed for the holidays and will reopen next week.',
  'Record your message, and press pound when you are finished.',
];
const MACHINE_SHORT = ['Leave a message.', 'Please leave a message.', "Hi, it's Sam.", 'Not here, leave a message.', "It's Dana, go ahead.", 'Leave it at the beep.', 'Talk to me.'];
const SIT_ANNOUNCEMENTS = [
  "We're sorry, the number you have dialed is not in service. Please check the number and dial again.",
  'The number you have reached has been disconnected or is no longer in service.',
  'All circuits are busy now. Please try your call again later.',
];
const BABBLE_TEXTS = [
  'So then we went down to the market and bought some apples and a loaf of bread.', 'I told him it would never work but he did not listen to me at all.',
  'The weather has been strange this week, sunny in the morning and rainy at night.', 'Can you pass me the menu, I think I will have the soup today.',
  'They are building a new station near the river, it should open next spring.', 'My sister is visiting on Saturday with her two kids and the dog.',
  'Did you see the game last night, it went to overtime twice.', 'We should leave soon if we want to catch the last train home.',
];

// ---------------------------------------------------------------- plan

function voiceSpec(r, rateLo = 150, rateHi = 205) {
  return { voice: pick(r, VOICES), rate: int(r, rateLo, rateHi), pitch: int(r, 30, 70) };
}

function noiseSpec(r) {
  if (r() < 0.2) return { type: 'none', snrDb: null };
  return { type: pick(r, NOISES), snrDb: Math.round(uniform(r, 10, 30) * 10) / 10 };
}

function beepSpec(r) {
  const common = [440, 480, 600, 800, 850, 950, 1000, 1000, 1000, 1200, 1400, 1500, 1800, 2000];
  const hz = r() < 0.5 ? pick(r, common) : Math.round(uniform(r, 400, 2000));
  return { hz, gapMs: int(r, 150, 500), durMs: int(r, 200, 1200), levelDb: uniform(r, 0, 6) };
}

function machineText(r, minSentences, maxSentences) {
  const n = int(r, minSentences, maxSentences);
  const parts = [pick(r, MACHINE_OPENERS)];
  const pool = [...MACHINE_SENTENCES];
  for (let i = 1; i < n && pool.length > 0; i++) parts.push(pool.splice(Math.floor(r() * pool.length), 1)[0]);
  return parts.join(' ');
}

const PLAN = [
  // [count, class, kind, hard, build(r)]
  [45, 'human', 'hello', false, (r) => ({ texts: [pick(r, HUMAN_HELLOS)], leadMs: int(r, 100, 2500), ...voiceSpec(r) })],
  [50, 'human', 'answer', false, (r) => ({ texts: [pick(r, HUMAN_ANSWERS)], leadMs: int(r, 100, 1800), ...voiceSpec(r, 165, 215) })],
  [15, 'human', 'hello-repeat', false, (r) => ({ texts: [pick(r, HUMAN_HELLOS), pick(r, HUMAN_HELLOS)], pauseMs: int(r, 1300, 2500), leadMs: int(r, 100, 1500), ...voiceSpec(r) })],
  [40, 'machine', 'greeting', false, (r) => ({ texts: [machineText(r, 2, 6)], leadMs: int(r, 100, 1500), ...voiceSpec(r) })],
  [40, 'machine', 'greeting-beep', false, (r) => ({ texts: [machineText(r, 1, 5)], beep: beepSpec(r), leadMs: int(r, 100, 1500), ...voiceSpec(r) })],
  [15, 'machine', 'short-greeting-beep', false, (r) => ({ texts: [pick(r, MACHINE_SHORT)], beep: beepSpec(r), leadMs: int(r, 100, 1500), ...voiceSpec(r) })],
  [15, 'machine', 'music', false, (r) => ({ musicMs: int(r, 6000, 15000), musicSeed: int(r, 1, 1e9), leadMs: int(r, 100, 1500) })],
  [8, 'fax', 'fax-cng', false, (r) => ({ leadMs: int(r, 0, 1000), bursts: 3 })],
  [6, 'fax', 'fax-ced', false, (r) => ({ leadMs: int(r, 100, 1000), cedMs: int(r, 2600, 4000) })],
  [12, 'sit', 'sit', false, (r) => ({ leadMs: int(r, 50, 800), sit: [pick(r, [913.8, 985.2]), pick(r, [1370.6, 1428.5]), 1776.7], sitMs: [pick(r, [274, 380]), pick(r, [274, 380]), 380], texts: [pick(r, SIT_ANNOUNCEMENTS)], ...voiceSpec(r) })],
  [10, 'human', 'hard-medium-human', true, (r) => ({ texts: [pick(r, HUMAN_MEDIUM)], leadMs: int(r, 100, 1500), ...voiceSpec(r, 150, 190) })],
  [12, 'human', 'hard-long-human', true, (r) => ({ texts: [pick(r, HUMAN_LONG)], leadMs: int(r, 100, 1500), ...voiceSpec(r, 140, 185) })],
  [12, 'machine', 'hard-short-greeting', true, (r) => ({ texts: [pick(r, MACHINE_SHORT)], leadMs: int(r, 100, 1500), ...voiceSpec(r, 170, 210) })],
];

/** The whole list of recordings, fixed by the seed. */
export function corpusPlan(seed) {
  const r = prng(seed);
  const items = [];
  for (const [count, cls, kind, hard, build] of PLAN) {
    for (let i = 0; i < count; i++) {
      const spec = build(r);
      items.push({ id: `${kind}-${String(i + 1).padStart(3, '0')}`, class: cls, kind, hard, ...spec, noise: noiseSpec(r), level: uniform(r, -30, -18), itemSeed: int(r, 1, 2 ** 31) });
    }
  }
  return items;
}

/** Every kind in proportion, `count` recordings in all. */
function subset(items, count) {
  if (count >= items.length) return items;
  const byKind = new Map();
  for (const it of items) byKind.set(it.kind, [...(byKind.get(it.kind) ?? []), it]);
  const out = [];
  for (let round = 0; out.length < count; round++) {
    for (const list of byKind.values()) if (round < list.length && out.length < count) out.push(list[round]);
  }
  return out;
}

// ---------------------------------------------------------------- audio

function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code} ${Buffer.concat(err)}`))));
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? null);
  });
}

function toFloat(buf) {
  const n = buf.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(2 * i);
  return out;
}

const SOX_RAW = ['-t', 'raw', '-r', String(RATE), '-e', 'signed-integer', '-b', '16', '-c', '1'];

/** espeak-ng → 8 kHz float samples, trimmed to the speech. */
async function synth(text, v) {
  const wav = await run('espeak-ng', ['-v', v.voice, '-s', String(v.rate), '-p', String(v.pitch), '--stdout', text]);
  const raw = await run('sox', ['-D', '-V1', '-t', 'wav', '-', ...SOX_RAW, '-'], wav);
  const pcm = toFloat(raw);
  const { start, end } = extent(pcm);
  return pcm.subarray(start, end);
}

function frameDb(pcm, o) {
  let e = 0;
  for (let i = o; i < o + 160 && i < pcm.length; i++) e += pcm[i] * pcm[i];
  return e > 0 ? 10 * Math.log10(e / 160 / 32768 ** 2) : -120;
}

/** First and last sample of the stretch louder than the peak frame − 40 dB (10 ms resolution). */
function extent(pcm) {
  let peak = -120;
  for (let o = 0; o < pcm.length; o += 80) peak = Math.max(peak, frameDb(pcm, o));
  let start = -1;
  let end = 0;
  for (let o = 0; o < pcm.length; o += 80) {
    if (frameDb(pcm, o) > peak - 40) {
      if (start < 0) start = o;
      end = Math.min(pcm.length, o + 160);
    }
  }
  return { start: Math.max(0, start), end };
}

/** RMS in dBFS of the frames within 30 dB of the loudest one (the active level). */
function activeDb(pcm) {
  const dbs = [];
  for (let o = 0; o + 160 <= pcm.length; o += 160) dbs.push(frameDb(pcm, o));
  const peak = Math.max(...dbs);
  const act = dbs.filter((d) => d > peak - 30);
  const mean = act.reduce((a, d) => a + 10 ** (d / 10), 0) / Math.max(1, act.length);
  return 10 * Math.log10(mean);
}

function gainTo(pcm, fromDb, toDb) {
  const g = 10 ** ((toDb - fromDb) / 20);
  for (let i = 0; i < pcm.length; i++) pcm[i] *= g;
}

const ms = (n) => Math.round((n * RATE) / 1000);

function tone(freqs, durMs, amp, fadeMs = 5) {
  const n = ms(durMs);
  const out = new Float32Array(n);
  const fade = ms(fadeMs);
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / fade, (n - 1 - i) / fade);
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / RATE);
    out[i] = amp * env * v;
  }
  return out;
}

const dbToAmp = (db) => 32768 * 10 ** (db / 20) * Math.SQRT2;


// ---------------------------------------------------------------- render

const concatF = (parts) => {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Speech at a rate that keeps its length inside [minMs, maxMs] when it can (faster or slower). */
async function fittedSpeech(text, v, minMs, maxMs) {
  let spec = { ...v };
  let pcm = await synth(text, spec);
  for (let i = 0; i < 4; i++) {
    const len = (pcm.length * 1000) / RATE;
    if (len > maxMs && spec.rate < 260) spec = { ...spec, rate: spec.rate + 20 };
    else if (len < minMs && spec.rate > 120) spec = { ...spec, rate: spec.rate - 20 };
    else break;
    pcm = await synth(text, spec);
  }
  return { pcm, rate: spec.rate };
}

/** Legato chords with rich harmonics (so no frame is a pure tone), for music on hold. */
function music(durMs, seed, levelDb) {
  const r = prng(seed);
  const notes = [];
  const roots = [196, 220, 247, 262, 294, 330];
  let t = 0;
  while (t < durMs) {
    const len = int(r, 350, 700);
    const root = pick(r, roots);
    const chord = [root, root * 1.26, root * 1.5, root / 2];
    const n = ms(len);
    const seg = new Float32Array(n);
    for (const f of chord) {
      for (let k = 1; k <= 6; k++) {
        const a = 1 / k;
        const ph = r() * 2 * Math.PI;
        for (let i = 0; i < n; i++) seg[i] += a * Math.sin(ph + (2 * Math.PI * f * k * i) / RATE) * (0.75 + 0.25 * Math.exp(-i / ms(150)));
      }
    }
    notes.push(seg);
    t += len;
  }
  const out = concatF(notes).subarray(0, ms(durMs));
  gainTo(out, activeDb(out), levelDb);
  return out;
}

function noiseOf(type, n, seed, babble) {
  const r = prng(seed);
  const out = new Float32Array(n);
  if (type === 'babble') {
    const o = Math.floor(r() * babble.length);
    for (let i = 0; i < n; i++) out[i] = babble[(o + i) % babble.length];
  } else {
    let b0 = 0, b1 = 0, b2 = 0, brown = 0;
    for (let i = 0; i < n; i++) {
      const w = r() * 2 - 1;
      if (type === 'white') out[i] = w;
      else if (type === 'pink') {
        b0 = 0.99765 * b0 + w * 0.099046;
        b1 = 0.963 * b1 + w * 0.2965164;
        b2 = 0.57 * b2 + w * 1.0526913;
        out[i] = b0 + b1 + b2 + w * 0.1848;
      } else {
        brown = 0.995 * brown + w;
        out[i] = brown;
      }
    }
  }
  let e = 0;
  for (let i = 0; i < n; i++) e += out[i] * out[i];
  const g = 1 / Math.sqrt(e / n || 1);
  for (let i = 0; i < n; i++) out[i] *= g;
  return out;
}

/** 20 s of six overlapping talkers, unit RMS: the babble noise. */
async function makeBabbleBed(seed, texts, voices) {
  const r = prng(seed ^ 0x5eed);
  const clips = [];
  for (let i = 0; i < texts.length; i++) {
    const pcm = await synth(texts[i], { voice: voices[i % voices.length], rate: int(r, 150, 200), pitch: int(r, 30, 70) });
    gainTo(pcm, activeDb(pcm), -25);
    clips.push(pcm);
  }
  const n = ms(20000);
  const bed = new Float32Array(n);
  for (let track = 0; track < 6; track++) {
    let o = -Math.floor(r() * ms(3000));
    while (o < n) {
      const c = pick(r, clips);
      for (let i = 0; i < c.length; i++) if (o + i >= 0 && o + i < n) bed[o + i] += c[i];
      o += c.length + ms(int(r, 50, 400));
    }
  }
  return noiseOf('babble', n, 1, bed);
}

/** Builds one recording's samples and timing labels (before noise and the telephone channel). */
async function compose(it) {
  const r = prng(it.itemSeed);
  const parts = [new Float32Array(ms(it.leadMs))];
  let cursor = it.leadMs;
  const add = (pcm) => {
    const start = cursor;
    parts.push(pcm);
    cursor += (pcm.length * 1000) / RATE;
    return start;
  };
  const lab = { onsetMs: null, greetingEndMs: null, beep: null };
  const v = { voice: it.voice, rate: it.rate, pitch: it.pitch };
  if (it.texts) {
    const [minMs, maxMs] = {
      hello: [0, HUMAN_MAX_MS], answer: [0, HUMAN_MAX_MS], 'hello-repeat': [0, HUMAN_MAX_MS], 'hard-long-human': [HARD_HUMAN_MIN_MS, 1e9],
      'hard-medium-human': [HUMAN_MAX_MS + 100, HARD_HUMAN_MIN_MS],
      'hard-short-greeting': [0, HARD_MACHINE_MAX_MS], greeting: [3000, 15000], 'greeting-beep': [800, 12000],
    }[it.kind] ?? [0, 1e9];
    if (it.kind === 'sit') {
      lab.onsetMs = cursor;
      for (let i = 0; i < 3; i++) add(tone([it.sit[i]], it.sitMs[i], dbToAmp(it.level), 2));
      add(new Float32Array(ms(int(r, 200, 500))));
    }
    const first = await fittedSpeech(it.texts[0], v, minMs, maxMs);
    lab.rate = first.rate;
    gainTo(first.pcm, activeDb(first.pcm), it.level);
    const start = add(first.pcm);
    lab.onsetMs ??= start;
    lab.greetingEndMs = cursor;
    if (it.texts[1]) {
      add(new Float32Array(ms(it.pauseMs)));
      const second = await synth(it.texts[1], v);
      gainTo(second, activeDb(second), it.level);
      add(second);
    }
    if (it.beep) {
      add(new Float32Array(ms(it.beep.gapMs)));
      const start = add(tone([it.beep.hz], it.beep.durMs, dbToAmp(it.level + it.beep.levelDb)));
      lab.beep = { hz: it.beep.hz, startMs: Math.round(start), endMs: Math.round(cursor) };
    }
    add(new Float32Array(ms(it.class === 'human' ? int(r, 2500, 4000) : int(r, 1500, 3000))));
  } else if (it.musicMs) {
    lab.onsetMs = add(music(it.musicMs, it.musicSeed, it.level));
    lab.greetingEndMs = cursor;
    add(new Float32Array(ms(1500)));
  } else if (it.kind === 'fax-cng') {
    lab.onsetMs = cursor;
    for (let b = 0; b < it.bursts; b++) {
      add(tone([1100], 500, dbToAmp(it.level)));
      add(new Float32Array(ms(3000)));
    }
  } else if (it.kind === 'fax-ced') {
    lab.onsetMs = add(tone([2100], it.cedMs, dbToAmp(it.level)));
    add(new Float32Array(ms(75)));
    const fsk = [];
    for (let b = 0; b < 600; b++) fsk.push(tone([r() < 0.5 ? 1650 : 1850], 1000 / 300, dbToAmp(it.level), 0.1));
    add(concatF(fsk));
    add(new Float32Array(ms(1000)));
  }
  return { pcm: concatF(parts), lab };
}

/** Renders one recording to `outDir/<id>.wav` and returns its label. */
async function renderItem(it, outDir, babble) {
  const { pcm, lab } = await compose(it);
  if (it.noise.type !== 'none') {
    const noise = noiseOf(it.noise.type, pcm.length, it.itemSeed + 1, babble);
    const amp = 32768 * 10 ** ((it.level - it.noise.snrDb) / 20);
    for (let i = 0; i < pcm.length; i++) pcm[i] += amp * noise[i];
  }
  const raw = Buffer.alloc(pcm.length * 2);
  for (let i = 0; i < pcm.length; i++) raw.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(pcm[i]))), 2 * i);
  // Telephone channel: band-pass 300–3400 Hz, then G.711 µ-law and back to 16-bit PCM.
  const file = `${it.id}.wav`;
  await run('sox', ['-D', '-V1', '-t', 'wav', '-', '-e', 'signed-integer', '-b', '16', join(outDir, file)], await run('sox', ['-D', '-V1', ...SOX_RAW, '-', '-t', 'wav', '-e', 'u-law', '-b', '8', '-', 'sinc', '300-3400'], raw));
  const round = (x) => (x === null ? null : Math.round(x));
  return {
    id: it.id, file, class: it.class, kind: it.kind, hard: it.hard, durationMs: Math.round((pcm.length * 1000) / RATE),
    onsetMs: round(lab.onsetMs), greetingEndMs: round(lab.greetingEndMs), beep: lab.beep,
    text: it.texts?.join(' / ') ?? null, voice: it.voice ?? null, rate: lab.rate ?? it.rate ?? null, pitch: it.pitch ?? null,
    noise: it.noise, levelDbfs: Math.round(it.level * 10) / 10,
  };
}

// ---------------------------------------------------------------- main

async function pool(items, jobs, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

function parseArgs(argv) {
  const o = { outDir: 'data/amd-corpus', seed: 1, count: Infinity, jobs: Math.max(2, cpus().length * 2) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--count') o.count = Number(argv[++i]);
    else if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (!a.startsWith('--')) o.outDir = a;
    else throw new Error(`unknown flag ${a}`);
  }
  if (!Number.isInteger(o.seed) || !(o.count > 0) || !(o.jobs > 0)) throw new Error('bad --seed, --count or --jobs');
  return o;
}

/** Builds the corpus into `outDir`; returns the labels. Skips the work when it is already there. */
export async function buildCorpus({ outDir, seed = 1, count = Infinity, jobs = 4, log = () => {} }) {
  const labelsPath = join(outDir, 'labels.json');
  if (existsSync(labelsPath)) {
    const prev = JSON.parse(readFileSync(labelsPath, 'utf8'));
    const want = Number.isFinite(count) ? count : null;
    if (prev.version === CORPUS_VERSION && prev.seed === seed && prev.count === want) return prev;
  }
  mkdirSync(outDir, { recursive: true });
  const t0 = Date.now();
  const babble = await makeBabbleBed(seed, BABBLE_TEXTS, VOICES);
  const items = subset(corpusPlan(seed), count);
  const labels = await pool(items, jobs, async (it, i) => {
    const label = await renderItem(it, outDir, babble);
    if ((i + 1) % 25 === 0) log(`  ${i + 1}/${items.length}`);
    return label;
  });
  const out = { version: CORPUS_VERSION, seed, count: Number.isFinite(count) ? count : null, generatedInMs: Date.now() - t0, items: labels };
  writeFileSync(labelsPath, JSON.stringify(out, null, 1));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const res = await buildCorpus({ ...o, log: (m) => console.error(m) });
  const by = {};
  for (const it of res.items) {
    const k = `${it.class}${it.hard ? ' (hard)' : ''}`;
    by[k] = (by[k] ?? 0) + 1;
  }
  console.log(`${res.items.length} recordings in ${o.outDir} (seed ${o.seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s):`, by);
}
