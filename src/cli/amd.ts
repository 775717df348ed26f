/**
 * `vgw amd FILE.wav [--json] [flags]`: classifies a recording offline as if it were the callee's
 * audio from the moment of answer and prints the AMD events (docs/amd.md). Any WAV rate or
 * channel count is accepted (mixed to mono, resampled to 8 kHz). Flags are the fields of the
 * `amd` object: `--preset`, `--threshold-word-count`, `--digit-count`, the timers
 * (`--decision-timeout-ms` …) and our tuning (`--greeting-ms` …, `--no-fax`, `--no-sit`).
 */
import { readFileSync } from 'node:fs';
import { errorMessage, GatewayError } from '../kernel/errors.js';
import {
  AmdParamsError, DEFAULT_TIMERS, PRESET_TUNING, replayPcm, resolveAmdParams, type AmdEvent,
} from '../media/detect/amd/index.js';
import { decodeWav } from '../media/playout/wav.js';

const USAGE = `usage: vgw amd FILE.wav [--json] [flags]

Classifies a recording as if it were the callee's audio from the moment of answer and prints the
answering-machine-detection events; with --json one JSON object per line.

flags (the amd object's fields):
  --preset fast|balanced|conservative     (default balanced)
  --threshold-word-count N  --digit-count N          (transcript rules)
  --no-speech-timeout-ms N  --decision-timeout-ms N  --tone-timeout-ms N
  --greeting-completion-timeout-ms N
tuning (docs/amd.md):
${tuningFlagLines()}
  --no-fax  --no-sit
other:
  --tail-ms N   silence replayed after the file (default: until the longest timer)
`;

/** A bad command line: exit status 2. */
export class AmdCliError extends GatewayError {
  constructor(message: string) {
    super('AMD_CLI_USAGE', message);
  }
}

function tuningFlagLines(): string {
  const flags = Object.entries(PRESET_TUNING.balanced).filter(([, v]) => typeof v === 'number').map(([k]) => `--${kebab(k)} N`);
  const lines: string[] = [];
  for (let i = 0; i < flags.length; i += 4) lines.push(`  ${flags.slice(i, i + 4).join('  ')}`);
  return lines.join('\n');
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

interface CliOptions {
  readonly file: string;
  readonly json: boolean;
  readonly tailMs: number | undefined;
  readonly amd: Record<string, unknown>;
}

function numberArg(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n)) throw new AmdCliError(`${flag} needs a number`);
  return n;
}

/** Parses the command line into an `amd` object (validated later by resolveAmdParams). */
export function parseAmdArgs(argv: readonly string[]): CliOptions {
  const timerFlags = new Map(Object.keys(DEFAULT_TIMERS).map((k) => [`--${kebab(k)}`, k]));
  const tuningFlags = new Map(Object.keys(PRESET_TUNING.balanced).map((k) => [`--${kebab(k)}`, k]));
  const timers: Record<string, number> = {};
  const tuning: Record<string, number | boolean> = {};
  const amd: Record<string, unknown> = {};
  let file: string | undefined;
  let json = false;
  let tailMs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const timer = timerFlags.get(a);
    const tune = tuningFlags.get(a);
    if (a === '--json') json = true;
    else if (a === '--preset') amd.preset = argv[++i];
    else if (a === '--threshold-word-count') amd.thresholdWordCount = numberArg(a, argv[++i]);
    else if (a === '--digit-count') amd.digitCount = numberArg(a, argv[++i]);
    else if (a === '--tail-ms') tailMs = numberArg(a, argv[++i]);
    else if (a === '--no-fax') tuning.detectFax = false;
    else if (a === '--no-sit') tuning.detectSit = false;
    else if (timer !== undefined) timers[timer] = numberArg(a, argv[++i]);
    else if (tune !== undefined && tune !== 'detectFax' && tune !== 'detectSit') tuning[tune] = numberArg(a, argv[++i]);
    else if (a.startsWith('-')) throw new AmdCliError(`unknown flag ${a}`);
    else if (file === undefined) file = a;
    else throw new AmdCliError(`unexpected argument ${a}`);
  }
  if (file === undefined) throw new AmdCliError('missing FILE.wav');
  if (Object.keys(timers).length > 0) amd.timers = timers;
  if (Object.keys(tuning).length > 0) amd.tuning = tuning;
  return { file, json, tailMs, amd };
}

/** One readable line per event. */
export function formatEvent(e: AmdEvent): string {
  const ev = e.evidence;
  const parts = [`${String(e.decision_ms).padStart(6)} ms  ${e.type}`];
  if (e.reason !== undefined) parts.push(`reason="${e.reason}"`);
  if (e.frequency !== undefined) parts.push(`frequency=${e.frequency} Hz`, `duration=${e.duration_ms ?? 0} ms`);
  if (e.error !== undefined) parts.push(`error="${e.error}"`);
  parts.push(`confidence=${e.confidence}`);
  parts.push(`[greeting ${ev.greeting_ms} ms, ${ev.word_count} words, longest ${ev.longest_word_ms} ms, initial silence ${ev.initial_silence_ms} ms, silence ${ev.silence_ms} ms, floor ${ev.noise_floor_dbfs} dBFS]`);
  return parts.join('  ');
}

/** `vgw amd …`; returns the exit status. */
export async function amdCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out.write(USAGE);
    return 0;
  }
  let opts: CliOptions;
  try {
    opts = parseAmdArgs(argv);
    const params = resolveAmdParams(opts.amd);
    let pcm: Int16Array;
    try {
      pcm = decodeWav(readFileSync(opts.file));
    } catch (e) {
      err.write(`vgw amd: ${opts.file}: ${errorMessage(e)}\n`);
      return 1;
    }
    const events = replayPcm(pcm, params, opts.tailMs === undefined ? {} : { tailMs: opts.tailMs });
    for (const e of events) out.write(`${opts.json ? JSON.stringify(e) : formatEvent(e)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof AmdCliError || e instanceof AmdParamsError) {
      err.write(`vgw amd: ${e.message}\n${e instanceof AmdCliError ? USAGE : ''}`);
      return 2;
    }
    throw e;
  }
}
