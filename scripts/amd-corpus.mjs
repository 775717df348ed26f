#!/usr/bin/env node
// Builds the labelled AMD corpus deterministically from a seed (docs/amd.md):
//   node scripts/amd-corpus.mjs [outDir] [--part tune,espeak,flite,festival] [--seed N] [--count N] [--jobs N]
// outDir defaults to data/amd-corpus (gitignored); each part goes to outDir/<part>/ with its own
// labels.json. Parts differ in synthesis engine and voices: `tune` (espeak-ng voices, text pool A)
// is the only part the detector is tuned on; `espeak` (other espeak-ng accents and variants),
// `flite` and `festival` use voices tuning never saw and text pool B. --count N builds a
// stratified subset of N recordings per part (for quick tests). Every recording goes through sox:
// telephone band-pass 300–3400 Hz and a G.711 round trip; 85 % get noise of one of eight kinds
// at 10–30 dB SNR. Writes 8 kHz mono 16-bit WAVs and labels.json (class, kind, hard, speech
// onset/end, beep, engine, voice, noise …). flite and festival are Debian packages: the script
// names what to install when they are missing.
import { mkdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { RATE, SOX_RAW, VOICES, checkEngines, run, synthRaw } from './amd-corpus/engines.mjs';
import { BABBLE_TEXTS, textPool } from './amd-corpus/texts.mjs';
import { NOISE_KINDS, activeDb, concatF, dbToAmp, extent, gainTo, int, ms, music, noiseOf, pick, prng, tone, uniform } from './amd-corpus/signal.mjs';

export const CORPUS_VERSION = 5;

/** Each part: its engine, voices and text pool. Only `tune` may be used for tuning. */
export const PARTS = {
  tune: { engine: 'espeak', voices: VOICES.espeakTune, pool: 'A', salt: 0 },
  espeak: { engine: 'espeak', voices: VOICES.espeakHeld, pool: 'B', salt: 1 },
  flite: { engine: 'flite', voices: VOICES.flite, pool: 'B', salt: 2 },
  festival: { engine: 'festival', voices: VOICES.festival, pool: 'B', salt: 3 },
};
export const PART_NAMES = Object.keys(PARTS);

/** Speech extent (ms) of each kind: [min, max]; the rate is changed to fit when it can be. */
const EXTENT_MS = {
  hello: [0, 1500], answer: [0, 2000], 'long-answer': [2100, 2500], 'hello-repeat': [0, 1500],
  greeting: [3000, 15000], 'greeting-beep': [1500, 12000], 'short-greeting-beep': [900, 1500],
  'hard-long-human': [2800, 1e9], 'hard-short-greeting': [900, 1600],
};

// ---------------------------------------------------------------- plan

function voiceSpec(r, part, tempoLo = 0.85, tempoHi = 1.15) {
  const espeak = part.engine === 'espeak';
  return { engine: part.engine, voice: pick(r, part.voices), tempo: Math.round(uniform(r, tempoLo, tempoHi) * 100) / 100, pitch: espeak ? int(r, 30, 70) : int(r, -150, 150) };
}

function noiseSpec(r) {
  if (r() < 0.15) return { type: 'none', snrDb: null };
  return { type: pick(r, NOISE_KINDS), snrDb: Math.round(uniform(r, 10, 30) * 10) / 10 };
}

/** A beep 400–2000 Hz of 0.2–1.0 s, 0.2–1.0 s after the greeting; some with harmonics. */
function beepSpec(r) {
  const common = [440, 500, 600, 800, 850, 950, 1000, 1000, 1000, 1200, 1400, 1500, 1800, 2000];
  const hz = r() < 0.5 ? pick(r, common) : Math.round(uniform(r, 400, 2000));
  const harmonicDb = r() < 0.3 ? -int(r, 20, 30) : null;
  return { hz, gapMs: int(r, 200, 1000), durMs: int(r, 200, 1000), levelDb: uniform(r, -6, 6), fadeMs: int(r, 2, 20), harmonicDb };
}

function machineText(r, texts, minSentences, maxSentences) {
  const n = int(r, minSentences, maxSentences);
  const parts = [pick(r, texts.openers)];
  const pool = [...texts.sentences];
  for (let i = 1; i < n && pool.length > 0; i++) parts.push(pool.splice(Math.floor(r() * pool.length), 1)[0]);
  return parts.join(' ');
}

/** [count, class, kind, hard, build(r, texts, part)] for each kind of recording in a part. */
const PLAN = [
  [30, 'human', 'hello', false, (r, t, p) => ({ texts: [pick(r, t.hellos)], leadMs: int(r, 100, 2500), ...voiceSpec(r, p) })],
  [30, 'human', 'answer', false, (r, t, p) => ({ texts: [pick(r, t.answers)], leadMs: int(r, 100, 1800), ...voiceSpec(r, p) })],
  [24, 'human', 'long-answer', false, (r, t, p) => ({ texts: [pick(r, t.longAnswers)], leadMs: int(r, 100, 1500), ...voiceSpec(r, p, 0.9, 1.1) })],
  [10, 'human', 'hello-repeat', false, (r, t, p) => ({ texts: [pick(r, t.hellos), pick(r, t.hellos)], pauseMs: int(r, 1300, 2500), leadMs: int(r, 100, 1500), ...voiceSpec(r, p) })],
  [30, 'machine', 'greeting', false, (r, t, p) => ({ texts: [machineText(r, t, 2, 6)], leadMs: int(r, 100, 1500), ...voiceSpec(r, p) })],
  [30, 'machine', 'greeting-beep', false, (r, t, p) => ({ texts: [machineText(r, t, 1, 5)], beep: beepSpec(r), leadMs: int(r, 100, 1500), ...voiceSpec(r, p) })],
  [30, 'machine', 'short-greeting-beep', false, (r, t, p) => ({ texts: [pick(r, t.short)], beep: beepSpec(r), leadMs: int(r, 100, 1500), ...voiceSpec(r, p) })],
  [10, 'machine', 'music', false, (r) => ({ musicMs: int(r, 6000, 15000), musicSeed: int(r, 1, 1e9), leadMs: int(r, 100, 1500) })],
  [5, 'fax', 'fax-cng', false, (r) => ({ leadMs: int(r, 0, 1000), bursts: 3 })],
  [4, 'fax', 'fax-ced', false, (r) => ({ leadMs: int(r, 100, 1000), cedMs: int(r, 2600, 4000) })],
  [8, 'sit', 'sit', false, (r, t, p) => ({ leadMs: int(r, 50, 800), sit: [pick(r, [913.8, 985.2]), pick(r, [1370.6, 1428.5]), 1776.7], sitMs: [pick(r, [274, 380]), pick(r, [274, 380]), 380], texts: [pick(r, t.sit)], ...voiceSpec(r, p) })],
  [10, 'human', 'hard-long-human', true, (r, t, p) => ({ texts: [pick(r, t.hardLong)], leadMs: int(r, 100, 1500), ...voiceSpec(r, p, 0.85, 1.05) })],
  [10, 'machine', 'hard-short-greeting', true, (r, t, p) => ({ texts: [pick(r, t.short)], leadMs: int(r, 100, 1500), ...voiceSpec(r, p) })],
];

/** The whole list of recordings of a part, fixed by the seed. */
export function corpusPlan(seed, partName = 'tune') {
  const part = PARTS[partName];
  const texts = textPool(part.pool);
  const r = prng(seed * 7919 + part.salt * 104729);
  const items = [];
  for (const [count, cls, kind, hard, build] of PLAN) {
    for (let i = 0; i < count; i++) {
      const spec = build(r, texts, part);
      items.push({
        id: `${kind}-${String(i + 1).padStart(3, '0')}`, class: cls, kind, hard, ...spec, noise: noiseSpec(r), level: uniform(r, -32, -16),
        law: r() < 0.7 ? 'u-law' : 'a-law', itemSeed: int(r, 1, 2 ** 31),
      });
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

// ---------------------------------------------------------------- render

/** Speech trimmed to its extent. */
async function synth(text, v) {
  const pcm = await synthRaw(text, v);
  const { start, end } = extent(pcm);
  return pcm.subarray(start, end);
}

/**
 * Speech at a tempo that keeps its extent inside [minMs, maxMs]: the engine's own rate first; when
 * that cannot get there (a voice that ignores it), sox's tempo effect. A kind's length is what its
 * label promises, so speech that still does not fit is an error rather than a mislabelled recording.
 */
async function fittedSpeech(text, v, minMs, maxMs) {
  let spec = { ...v };
  let pcm = await synth(text, spec);
  const lenOf = (x) => (x.length * 1000) / RATE;
  for (let i = 0; i < 6; i++) {
    const len = lenOf(pcm);
    if (len > maxMs && spec.tempo < 1.8) spec = { ...spec, tempo: Math.round(spec.tempo * Math.min(1.15, (len / maxMs) * 1.02) * 100) / 100 };
    else if (len < minMs && spec.tempo > 0.6) spec = { ...spec, tempo: Math.round((spec.tempo / Math.min(1.15, (minMs / len) * 1.02)) * 100) / 100 };
    else break;
    pcm = await synth(text, spec);
  }
  for (let i = 0; i < 4 && (lenOf(pcm) > maxMs || lenOf(pcm) < minMs); i++) {
    const len = lenOf(pcm);
    const target = len > maxMs ? maxMs - 0.1 * (maxMs - minMs) : minMs + 0.1 * (maxMs - minMs);
    spec = { ...spec, soxTempo: (spec.soxTempo ?? 1) * (len / target) };
    pcm = await synth(text, spec);
  }
  const len = lenOf(pcm);
  if (len > maxMs || len < minMs) throw new Error(`"${text}" in ${v.engine}/${v.voice}: ${len.toFixed(0)} ms of speech, outside ${minMs}–${maxMs} ms`);
  return { pcm, tempo: Math.round(spec.tempo * (spec.soxTempo ?? 1) * 100) / 100 };
}

/** 20 s of six overlapping talkers in the part's own voices, unit RMS: the babble noise. */
async function makeBabbleBed(seed, part) {
  const r = prng(seed ^ 0x5eed);
  const clips = [];
  for (let i = 0; i < BABBLE_TEXTS.length; i++) {
    const pcm = await synth(BABBLE_TEXTS[i], { ...voiceSpec(r, part), voice: part.voices[i % part.voices.length] });
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

function tonesOnly(it, r, add, lab) {
  if (it.musicMs) {
    lab.onsetMs = add(music(it.musicMs, it.musicSeed, it.level));
    lab.greetingEndMs = lab.onsetMs + it.musicMs;
    add(new Float32Array(ms(1500)));
  } else if (it.kind === 'fax-cng') {
    lab.onsetMs = it.leadMs;
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
}

async function spoken(it, r, add, lab, cursor) {
  const v = { engine: it.engine, voice: it.voice, tempo: it.tempo, pitch: it.pitch };
  const [minMs, maxMs] = EXTENT_MS[it.kind] ?? [0, 1e9];
  if (it.kind === 'sit') {
    lab.onsetMs = cursor();
    for (let i = 0; i < 3; i++) add(tone([it.sit[i]], it.sitMs[i], dbToAmp(it.level), 2));
    add(new Float32Array(ms(int(r, 200, 500))));
  }
  const first = await fittedSpeech(it.texts[0], v, minMs, maxMs);
  lab.tempo = first.tempo;
  gainTo(first.pcm, activeDb(first.pcm), it.level);
  const start = add(first.pcm);
  lab.onsetMs ??= start;
  lab.greetingEndMs = cursor();
  if (it.texts[1]) {
    add(new Float32Array(ms(it.pauseMs)));
    const second = await synth(it.texts[1], v);
    gainTo(second, activeDb(second), it.level);
    add(second);
  }
  const b = it.beep;
  if (b) {
    add(new Float32Array(ms(b.gapMs)));
    const at = add(tone([b.hz], b.durMs, dbToAmp(it.level + b.levelDb), b.fadeMs, b.harmonicDb));
    lab.beep = { hz: b.hz, startMs: Math.round(at), endMs: Math.round(cursor()) };
  }
  add(new Float32Array(ms(it.class === 'human' ? int(r, 2500, 4000) : int(r, 1500, 3000))));
}

/** Builds one recording's samples and timing labels (before noise and the telephone channel). */
async function compose(it) {
  const r = prng(it.itemSeed);
  const parts = [new Float32Array(ms(it.leadMs))];
  let at = it.leadMs;
  const add = (pcm) => {
    const start = at;
    parts.push(pcm);
    at += (pcm.length * 1000) / RATE;
    return start;
  };
  const lab = { onsetMs: null, greetingEndMs: null, beep: null };
  if (it.texts) await spoken(it, r, add, lab, () => at);
  else tonesOnly(it, r, add, lab);
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
  // Telephone channel: band-pass 300–3400 Hz, then G.711 (µ-law or A-law) and back to 16-bit PCM.
  const file = `${it.id}.wav`;
  const coded = await run('sox', ['-D', '-V1', ...SOX_RAW, '-', '-t', 'wav', '-e', it.law, '-b', '8', '-', 'sinc', '300-3400'], raw);
  await run('sox', ['-D', '-V1', '-t', 'wav', '-', '-e', 'signed-integer', '-b', '16', join(outDir, file)], coded);
  const round = (x) => (x === null ? null : Math.round(x));
  return {
    id: it.id, file, class: it.class, kind: it.kind, hard: it.hard, durationMs: Math.round((pcm.length * 1000) / RATE),
    onsetMs: round(lab.onsetMs), greetingEndMs: round(lab.greetingEndMs), beep: lab.beep,
    text: it.texts?.join(' / ') ?? null, engine: it.engine ?? null, voice: it.voice ?? null, tempo: lab.tempo ?? it.tempo ?? null, pitch: it.pitch ?? null,
    noise: it.noise, levelDbfs: Math.round(it.level * 10) / 10, law: it.law,
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

export function parseParts(list) {
  const parts = list === 'all' ? PART_NAMES : list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of parts) if (!PARTS[p]) throw new Error(`unknown part ${p} (parts: ${PART_NAMES.join(', ')}, all)`);
  return parts;
}

function parseArgs(argv) {
  const o = { outDir: 'data/amd-corpus', parts: PART_NAMES, seed: 1, count: Infinity, jobs: Math.max(2, cpus().length * 2) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--part') o.parts = parseParts(argv[++i] ?? '');
    else if (a === '--count') o.count = Number(argv[++i]);
    else if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (!a.startsWith('--')) o.outDir = a;
    else throw new Error(`unknown flag ${a}`);
  }
  if (!Number.isInteger(o.seed) || !(o.count > 0) || !(o.jobs > 0)) throw new Error('bad --seed, --count or --jobs');
  return o;
}

/** Builds one part into `outDir/<part>`; returns its labels. Skips the work when it is already there. */
export async function buildCorpus({ outDir, part = 'tune', seed = 1, count = Infinity, jobs = 4, log = () => {} }) {
  const dir = join(outDir, part);
  const labelsPath = join(dir, 'labels.json');
  const want = Number.isFinite(count) ? count : null;
  if (existsSync(labelsPath)) {
    const prev = JSON.parse(readFileSync(labelsPath, 'utf8'));
    if (prev.version === CORPUS_VERSION && prev.seed === seed && prev.count === want && prev.part === part) return prev;
  }
  checkEngines([PARTS[part].engine]);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const babble = await makeBabbleBed(seed, PARTS[part]);
  const items = subset(corpusPlan(seed, part), count);
  const labels = await pool(items, jobs, async (it, i) => {
    const label = await renderItem(it, dir, babble);
    if ((i + 1) % 50 === 0) log(`  ${part}: ${i + 1}/${items.length}`);
    return label;
  });
  const out = { version: CORPUS_VERSION, part, engine: PARTS[part].engine, tuning: part === 'tune', seed, count: want, generatedInMs: Date.now() - t0, items: labels };
  writeFileSync(labelsPath, JSON.stringify(out, null, 1));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const o = parseArgs(process.argv.slice(2));
    checkEngines([...new Set(o.parts.map((p) => PARTS[p].engine))]);
    for (const part of o.parts) {
      const t0 = Date.now();
      const res = await buildCorpus({ ...o, part, log: (m) => console.error(m) });
      const by = {};
      for (const it of res.items) by[`${it.class}${it.hard ? ' (hard)' : ''}`] = (by[`${it.class}${it.hard ? ' (hard)' : ''}`] ?? 0) + 1;
      console.log(`${part}: ${res.items.length} recordings in ${join(o.outDir, part)} (seed ${o.seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s):`, by);
    }
  } catch (e) {
    console.error(`amd-corpus: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
