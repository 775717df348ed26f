// Speech synthesis engines of the AMD corpus: espeak-ng, flite and festival (all Debian packages,
// run as child processes). A voice is `{ engine, voice, tempo, pitch, soxTempo? }`: tempo 1 is the engine's
// natural speed (higher is faster), pitch is espeak-ng's 0–99 or, for the other engines, a shift
// in cents applied by sox. Every synthesis returns 8 kHz float samples.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RATE = 8000;
export const SOX_RAW = ['-t', 'raw', '-r', String(RATE), '-e', 'signed-integer', '-b', '16', '-c', '1'];

/** What each engine needs (a command on PATH or a file) and the Debian package that brings it. */
const NEEDS = {
  espeak: [['espeak-ng', 'espeak-ng'], ['sox', 'sox']],
  flite: [['flite', 'flite'], ['sox', 'sox']],
  festival: [
    ['text2wave', 'festival'], ['sox', 'sox'], ['/usr/share/festival/voices/us/cmu_us_slt_arctic_hts', 'festvox-us-slt-hts'],
    ['/usr/share/festival/voices/english/kal_diphone', 'festvox-kallpc16k'], ['/usr/share/festival/voices/english/ked_diphone', 'festvox-kdlpc16k'],
  ],
};

const onPath = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const present = (what) => (what.startsWith('/') ? existsSync(what) : onPath(what));

/** Throws, naming the Debian packages to install, when an engine cannot run here. */
export function checkEngines(engines) {
  const missing = new Set();
  const what = [];
  for (const e of engines) {
    const lacking = NEEDS[e].filter(([need]) => !present(need));
    if (lacking.length === 0) continue;
    what.push(`${e} (missing ${lacking.map(([need]) => need).join(', ')})`);
    for (const [, pkg] of lacking) missing.add(pkg);
  }
  if (what.length === 0) return;
  const pkgs = [...missing].join(' ');
  throw new Error(`cannot synthesise with ${what.join('; ')}.\nInstall the Debian packages: sudo apt-get install -y ${pkgs}\n(or build only the espeak-ng parts: --part tune,espeak)`);
}

export function run(cmd, args, input) {
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

export function toFloat(buf) {
  const n = buf.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(2 * i);
  return out;
}

/** Runs `cmd` with `args(file)` and returns the WAV it wrote to `file` (flite and text2wave cannot write one to a pipe). */
async function viaFile(cmd, args, input) {
  const dir = mkdtempSync(join(tmpdir(), 'amd-tts-'));
  try {
    await run(cmd, args(join(dir, 'out.wav')), input);
    return readFileSync(join(dir, 'out.wav'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function engineWav(text, v) {
  const stretch = (1 / v.tempo).toFixed(3);
  if (v.engine === 'espeak') {
    return run('espeak-ng', ['-v', v.voice, '-s', String(Math.round(175 * v.tempo)), '-p', String(v.pitch), '--stdout', text]);
  }
  if (v.engine === 'flite') return viaFile('flite', (f) => ['-voice', v.voice, '--setf', `duration_stretch=${stretch}`, '-t', text, '-o', f]);
  return viaFile('text2wave', (f) => ['-eval', `(voice_${v.voice})`, '-eval', `(Parameter.set 'Duration_Stretch ${stretch})`, '-o', f], text);
}

/** Speech of `text` in voice `v`, as 8 kHz float samples (not yet trimmed). */
export async function synthRaw(text, v) {
  const wav = await engineWav(text, v);
  const shift = v.engine === 'espeak' || !v.pitch ? [] : ['pitch', String(v.pitch)];
  // Some voices ignore the engine's own rate (festival's HTS voices): sox changes the tempo then.
  const tempo = v.soxTempo && v.soxTempo !== 1 ? ['tempo', '-s', v.soxTempo.toFixed(3)] : [];
  return toFloat(await run('sox', ['-D', '-V1', '-t', 'wav', '-', ...SOX_RAW, '-', ...shift, ...tempo], wav));
}

/** The voices of each engine that the corpus draws from. */
export const VOICES = {
  /** espeak-ng voices the detector was tuned on. */
  espeakTune: ['en-us', 'en-gb', 'en+f3', 'en-us+f2', 'en+m3', 'en-gb-scotland', 'en+klatt', 'en-029', 'en-gb-x-rp', 'en+f5'],
  /** espeak-ng accents and variants tuning never saw. */
  espeakHeld: ['en-us-nyc+anika', 'en-gb-x-gbclan+m5', 'en-gb-x-gbcwmd+f4', 'en-gb-x-rp+edward', 'en+Annie', 'en-us+Alicia', 'en-029+m6', 'en-gb-scotland+belinda'],
  flite: ['kal', 'awb', 'rms', 'slt'],
  festival: ['kal_diphone', 'ked_diphone', 'cmu_us_slt_arctic_hts'],
};
