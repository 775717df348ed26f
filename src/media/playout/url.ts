/**
 * http(s) audio: WAV decoded in process; MP3 decoded by `ffmpeg` when it is on the PATH,
 * otherwise a {@link MediaSourceError} with code MEDIA_MP3_NEEDS_FFMPEG.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { MediaSourceError } from './errors.js';
import { PcmReader, type AudioSource } from './source.js';
import { decodeRaw, decodeWav } from './wav.js';

export interface UrlSourceOptions {
  /** Injected for tests; defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Path of ffmpeg, or null when known absent; looked up on `searchPath` when undefined. */
  readonly ffmpegPath?: string | null;
  /** The PATH to search (passed in, never read from the environment here). */
  readonly searchPath?: string;
  readonly maxBytes?: number;
}

/** Finds an executable on a PATH string. */
export async function findExecutable(name: string, searchPath: string): Promise<string | null> {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function isMp3(contentType: string, url: string): boolean {
  return /audio\/(mpeg|mp3)/i.test(contentType) || /\.mp3(\?|$)/i.test(url);
}

/** Runs ffmpeg to turn any input into 8 kHz mono s16le. */
export function ffmpegDecode(ffmpeg: string, input: Buffer, signal: AbortSignal): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const p = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '8000', 'pipe:1'], { signal });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    p.on('error', (e) => reject(new MediaSourceError('MEDIA_DECODE_FAILED', `ffmpeg failed: ${e.message}`, { cause: e })));
    p.on('close', (code) => {
      if (code === 0) resolve(decodeRaw(Buffer.concat(out), 's16le'));
      else reject(new MediaSourceError('MEDIA_DECODE_FAILED', `ffmpeg exited with ${code}: ${err.trim()}`));
    });
    // EPIPE when the child exits before reading all its input: its exit code reports the failure.
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
}

async function fetchBody(url: string, opts: UrlSourceOptions, signal: AbortSignal): Promise<{ body: Buffer; type: string }> {
  const f = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(url, { signal });
  } catch (e) {
    throw new MediaSourceError('MEDIA_FETCH_FAILED', `cannot fetch ${url}`, { cause: e });
  }
  if (!res.ok) throw new MediaSourceError('MEDIA_FETCH_FAILED', `fetching ${url} gave HTTP ${res.status}`);
  const body = Buffer.from(await res.arrayBuffer());
  if (body.length > (opts.maxBytes ?? 50_000_000)) throw new MediaSourceError('MEDIA_FETCH_FAILED', `${url} is too large`);
  return { body, type: res.headers.get('content-type') ?? '' };
}

/** Audio at an http(s) URL. */
export function urlSource(url: string, opts: UrlSourceOptions = {}): AudioSource {
  return {
    description: `url:${url}`,
    async open(signal) {
      const { body, type } = await fetchBody(url, opts, signal);
      if (body.toString('ascii', 0, 4) === 'RIFF') return new PcmReader(decodeWav(body));
      if (isMp3(type, url) || body.toString('ascii', 0, 3) === 'ID3') {
        const ffmpeg = opts.ffmpegPath !== undefined ? opts.ffmpegPath : await findExecutable('ffmpeg', opts.searchPath ?? '');
        if (!ffmpeg) {
          throw new MediaSourceError('MEDIA_MP3_NEEDS_FFMPEG', `cannot play ${url}: MP3 needs ffmpeg on the PATH (install the ffmpeg package) or use a WAV file`);
        }
        return new PcmReader(await ffmpegDecode(ffmpeg, body, signal));
      }
      throw new MediaSourceError('MEDIA_UNSUPPORTED_FORMAT', `unsupported audio at ${url} (content-type ${type || 'none'}): use WAV`);
    },
  };
}
