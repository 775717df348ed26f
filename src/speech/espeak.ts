/**
 * The offline default voice: espeak-ng (Debian package `espeak-ng`). Text or our SSML subset is
 * handed to `espeak-ng --stdout` (SSML with `-m`), the 22050 Hz WAV it streams is converted to
 * 8 kHz mono, and the time to the first audio bytes is measured.
 */
import { errorMessage } from '../kernel/errors.js';
import { processRunner, type ProcessResult, type ProcessRunner } from '../kernel/process-runner.js';
import { pcm16FromBytes } from '../kernel/pcm16.js';
import { RateConverter } from '../kernel/resample.js';
import { isSsml, parseSsml, toEspeakSsml } from './ssml.js';
import { TtsError, type TtsAdapter, type TtsRequest, type TtsResult } from './types.js';

export interface EspeakOptions {
  /** Executable name or path. Default `espeak-ng`. */
  readonly command?: string;
  /** Default voice when the request names neither voice nor language. */
  readonly defaultVoice?: string;
  /** Words per minute (espeak -s). */
  readonly wordsPerMinute?: number;
  /** Where espeak-ng runs (default: the process's runner, started now). */
  readonly runner?: ProcessRunner;
}

interface RawWav {
  readonly rate: number;
  readonly samples: Int16Array;
}

/** Reads espeak's streamed WAV: 16-bit mono PCM; the sizes in its header are placeholders. */
export function readStreamedWav(buf: Buffer): RawWav {
  if (buf.length < 44 || buf.toString('ascii', 0, 4) !== 'RIFF') throw new TtsError('TTS_FAILED', 'espeak-ng produced no WAV');
  let o = 12;
  let rate = 22050;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(o + 12);
    if (id === 'data') {
      const start = o + 8;
      const end = start + Math.min(size, buf.length - start);
      return { rate, samples: pcm16FromBytes(buf.subarray(start, end)) };
    }
    o += 8 + size;
  }
  throw new TtsError('TTS_FAILED', 'espeak-ng WAV has no data chunk');
}

function voiceArg(req: TtsRequest, fallback: string): string {
  // espeak voices are language codes, optionally with a variant: "en-us", "en+f3", "de".
  const v = req.voice ?? req.language ?? fallback;
  if (!/^[\w+-]{1,40}$/.test(v)) throw new TtsError('TTS_FAILED', `bad espeak voice "${v}"`);
  return v;
}

export class EspeakAdapter implements TtsAdapter {
  readonly vendor = 'espeak-ng';
  readonly #command: string;
  readonly #voice: string;
  readonly #wpm: number | undefined;
  readonly #converters = new Map<number, RateConverter>();
  readonly #runner: ProcessRunner;

  constructor(opts: EspeakOptions) {
    this.#runner = opts.runner ?? processRunner();
    this.#command = opts.command ?? 'espeak-ng';
    this.#voice = opts.defaultVoice ?? 'en-us';
    this.#wpm = opts.wordsPerMinute;
    // espeak-ng speaks at 22050 Hz: build that filter bank now and run it once, so the first
    // call's first `say` does not pay for it (and for the code's first, slow runs) on the media path.
    this.#converter(22050).convert(new Int16Array(22050));
  }

  async synthesize(req: TtsRequest, signal: AbortSignal): Promise<TtsResult> {
    const ssml = req.ssml ?? isSsml(req.text);
    const input = ssml ? toEspeakSsml(parseSsml(req.text)) : req.text;
    const args = ['--stdout', '-v', voiceArg(req, this.#voice), ...(ssml ? ['-m'] : []), ...(this.#wpm ? ['-s', String(this.#wpm)] : [])];
    const { wav, firstOutputMs } = await this.#run(args, input, signal);
    const raw = readStreamedWav(wav);
    const samples = await this.#converter(raw.rate).convertYielding(raw.samples);
    return { samples, sampleRate: 8000, vendor: this.vendor, firstAudioMs: Math.max(0, firstOutputMs), cached: false };
  }

  #converter(rate: number): RateConverter {
    let c = this.#converters.get(rate);
    if (!c) {
      c = new RateConverter(rate, 8000);
      this.#converters.set(rate, c);
    }
    return c;
  }

  /**
   * Text goes in on stdin ("--stdin"), so nothing the caller says reaches the argument list. The
   * process is started off the event loop (kernel/process-runner.ts: a fork stalls every call's RTP).
   */
  async #run(args: string[], input: string, signal: AbortSignal): Promise<{ wav: Buffer; firstOutputMs: number }> {
    let r: ProcessResult;
    try {
      r = await this.#runner.run(this.#command, [...args, '--stdin'], input, signal);
    } catch (e) {
      const aborted = signal.aborted;
      throw new TtsError(aborted ? 'TTS_ABORTED' : 'TTS_FAILED', aborted ? 'speech synthesis aborted' : `cannot run ${this.#command}: ${errorMessage(e)}`, { cause: e });
    }
    if (r.code !== 0 || r.stdout.length === 0) throw new TtsError('TTS_FAILED', `${this.#command} exited with ${r.code}: ${r.stderr.trim()}`);
    return { wav: r.stdout, firstOutputMs: r.firstOutputMs };
  }
}
