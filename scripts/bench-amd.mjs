#!/usr/bin/env node
// Replays the labelled AMD corpus through the detector (from dist/) faster than real time and
// prints, per part, accuracy, the confusion matrix, error rates and verdict latencies (docs/amd.md):
//   node scripts/bench-amd.mjs [corpusDir] [--part tune,espeak,flite,festival] [--preset fast|balanced|conservative]
//        [--params JSON] [--json] [--list] [--by noise|kind|voice]
// --params overrides parts of the amd object (e.g. '{"tuning":{"greetingMs":2300}}'); --list prints the misses;
// --by adds accuracy per noise type, kind or voice. Parts missing under corpusDir (default data/amd-corpus)
// are generated first; `tune` is the only part used for tuning, the others are held out.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PART_NAMES, buildCorpus, parseParts } from './amd-corpus.mjs';

const dist = new URL('../dist/', import.meta.url);
if (!existsSync(new URL('media/detect/amd/index.js', dist))) {
  console.error('dist/ is missing the AMD detector: run `npm run build` first');
  process.exit(1);
}
const { replayPcm, resolveAmdParams } = await import(new URL('media/detect/amd/index.js', dist).href);
const { decodeWav } = await import(new URL('media/playout/wav.js', dist).href);

const CLASSES = ['human', 'machine', 'fax', 'sit'];
const PREDICTED = [...CLASSES, 'none'];

function parseArgs(argv) {
  const o = { dir: 'data/amd-corpus', parts: PART_NAMES, preset: 'balanced', params: {}, json: false, list: false, by: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--preset') o.preset = argv[++i];
    else if (a === '--params') o.params = JSON.parse(argv[++i]);
    else if (a === '--json') o.json = true;
    else if (a === '--list') o.list = true;
    else if (a === '--part') o.parts = parseParts(argv[++i] ?? '');
    else if (a === '--by') o.by = argv[++i];
    else if (!a.startsWith('--')) o.dir = a;
    else throw new Error(`unknown flag ${a}`);
  }
  return o;
}

/** The class an event list decides: the first human/machine verdict, else none. */
export function predictedClass(events) {
  const v = events.find((e) => e.type === 'amd_human_detected' || e.type === 'amd_machine_detected');
  if (!v) return { cls: 'none', event: events.find((e) => e.type !== 'amd_stopped') };
  if (v.type === 'amd_human_detected') return { cls: 'human', event: v };
  return { cls: v.reason === 'fax' || v.reason === 'sit' ? v.reason : 'machine', event: v };
}

function quantile(xs, q) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

function evaluate(item, events) {
  const { cls, event } = predictedClass(events);
  const r = { id: item.id, kind: item.kind, noise: item.noise?.type ?? 'none', voice: item.voice ?? '-', truth: item.class, hard: item.hard, predicted: cls, reason: event?.reason ?? event?.type ?? null, latencyMs: null, beepLatencyMs: null };
  if (cls === item.class && event) {
    if (cls === 'human') r.latencyMs = event.decision_ms - item.greetingEndMs;
    else r.latencyMs = event.decision_ms - (item.onsetMs ?? 0);
  }
  if (item.beep) {
    const tone = events.find((e) => e.type === 'amd_tone_detected');
    r.beepLatencyMs = tone ? tone.decision_ms - item.beep.endMs : null;
  }
  return r;
}

function summarise(results) {
  const main = results.filter((r) => !r.hard);
  const confusion = Object.fromEntries(CLASSES.map((c) => [c, Object.fromEntries(PREDICTED.map((p) => [p, 0]))]));
  for (const r of main) confusion[r.truth][r.predicted]++;
  const of = (c) => main.filter((r) => r.truth === c);
  const rate = (c, bad) => of(c).filter((r) => bad(r.predicted)).length / Math.max(1, of(c).length);
  const lat = (c) => of(c).map((r) => r.latencyMs).filter((x) => x !== null);
  const beeps = main.filter((r) => r.kind.includes('beep'));
  const beepLat = beeps.map((r) => r.beepLatencyMs).filter((x) => x !== null);
  const hard = results.filter((r) => r.hard);
  return {
    recordings: main.length,
    accuracy: main.filter((r) => r.predicted === r.truth).length / main.length,
    humanAsMachine: rate('human', (p) => p !== 'human' && p !== 'none'),
    machineAsHuman: rate('machine', (p) => p === 'human'),
    confusion,
    latency: Object.fromEntries(CLASSES.map((c) => [c, { p50: quantile(lat(c), 0.5), p95: quantile(lat(c), 0.95), max: quantile(lat(c), 1) }])),
    beep: { recordings: beeps.length, detected: beepLat.length, p50: quantile(beepLat, 0.5), p95: quantile(beepLat, 0.95), max: quantile(beepLat, 1) },
    hard: { recordings: hard.length, correct: hard.filter((r) => r.predicted === r.truth).length, byKind: countBy(hard, (r) => `${r.kind}→${r.predicted}`) },
  };
}

function countBy(xs, key) {
  const m = {};
  for (const x of xs) m[key(x)] = (m[key(x)] ?? 0) + 1;
  return m;
}

const pct = (x) => `${(100 * x).toFixed(1)} %`;
const msf = (x) => (x === null ? '—' : `${x} ms`);

function print(s, part, o, audioS, wallMs) {
  console.log(`AMD corpus part ${part}, preset ${o.preset}: ${s.recordings} recordings (hard class excluded), ${audioS.toFixed(0)} s of audio in ${(wallMs / 1000).toFixed(1)} s (${(audioS / (wallMs / 1000)).toFixed(0)}× real time)\n`);
  console.log(`accuracy            ${pct(s.accuracy)}`);
  console.log(`human → machine     ${pct(s.humanAsMachine)}`);
  console.log(`machine → human     ${pct(s.machineAsHuman)}\n`);
  console.log(`confusion (rows: truth, columns: verdict)\n${'truth'.padEnd(10)}${PREDICTED.map((p) => p.padStart(9)).join('')}`);
  for (const c of CLASSES) console.log(`${c.padEnd(10)}${PREDICTED.map((p) => String(s.confusion[c][p]).padStart(9)).join('')}`);
  console.log('\nverdict latency (correct verdicts): human after the greeting ends, others after speech/tone onset');
  for (const c of CLASSES) console.log(`${c.padEnd(10)} p50 ${msf(s.latency[c].p50).padStart(8)}   p95 ${msf(s.latency[c].p95).padStart(8)}   max ${msf(s.latency[c].max).padStart(8)}`);
  const b = s.beep;
  console.log(`beep event after the tone ends: ${b.detected}/${b.recordings} beeps reported, p50 ${msf(b.p50)}, p95 ${msf(b.p95)}, max ${msf(b.max)}`);
  console.log(`\nhard class (not counted above): ${s.hard.correct}/${s.hard.recordings} right`, s.hard.byKind);
}

/** Accuracy per value of `key` (noise type, kind, voice), hard class excluded. */
function breakdown(results, key) {
  const groups = new Map();
  for (const r of results.filter((x) => !x.hard)) {
    const g = groups.get(r[key]) ?? { n: 0, right: 0 };
    g.n++;
    if (r.predicted === r.truth) g.right++;
    groups.set(r[key], g);
  }
  return Object.fromEntries([...groups].sort().map(([k, g]) => [k, `${g.right}/${g.n}`]));
}

function table(all) {
  const row = (name, f) => console.log(`${name.padEnd(28)}${all.map((x) => f(x.s).padStart(16)).join('')}`);
  console.log(`\n${''.padEnd(28)}${all.map((x) => `${x.part}${x.tuning ? ' (tuned)' : ''}`.padStart(16)).join('')}`);
  row('accuracy', (s) => pct(s.accuracy));
  row('human → machine', (s) => pct(s.humanAsMachine));
  row('machine → human', (s) => pct(s.machineAsHuman));
  row('human p50 / p95', (s) => `${s.latency.human.p50} / ${s.latency.human.p95}`);
  row('machine p50 / p95', (s) => `${s.latency.machine.p50} / ${s.latency.machine.p95}`);
  row('beep max (reported)', (s) => `${s.beep.max} (${s.beep.detected}/${s.beep.recordings})`);
  row('hard class right', (s) => `${s.hard.correct}/${s.hard.recordings}`);
}

async function loadPart(o, part) {
  const direct = join(o.dir, 'labels.json');
  if (existsSync(direct)) return { dir: o.dir, corpus: JSON.parse(readFileSync(direct, 'utf8')) };
  const dir = join(o.dir, part);
  const path = join(dir, 'labels.json');
  const corpus = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : await buildCorpus({ outDir: o.dir, part, log: (m) => console.error(m) });
  return { dir, corpus };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = parseArgs(process.argv.slice(2));
  const params = resolveAmdParams({ preset: o.preset, ...o.params });
  const single = existsSync(join(o.dir, 'labels.json'));
  const all = [];
  for (const part of single ? ['(dir)'] : o.parts) {
    const { dir, corpus } = await loadPart(o, part);
    const t0 = Date.now();
    let audioS = 0;
    const results = [];
    for (const item of corpus.items) {
      const pcm = decodeWav(readFileSync(join(dir, item.file)));
      audioS += pcm.length / 8000;
      results.push(evaluate(item, replayPcm(pcm, params)));
    }
    const s = summarise(results);
    const name = corpus.part ?? part;
    all.push({ part: name, tuning: corpus.tuning === true, s });
    if (o.json) console.log(JSON.stringify({ part: name, preset: o.preset, ...s }));
    else print(s, name, o, audioS, Date.now() - t0);
    if (o.by) console.log(`accuracy by ${o.by}:`, breakdown(results, o.by));
    if (o.list) {
      for (const r of results) if (r.predicted !== r.truth || (r.beepLatencyMs ?? 0) > 150) console.log(JSON.stringify(r));
    }
    if (!o.json) console.log('');
  }
  if (!o.json && all.length > 1) table(all);
}
