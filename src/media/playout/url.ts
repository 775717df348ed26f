/**
 * http(s) audio, downloaded under the URL policy with size, time and redirect limits: WAV decoded in process; MP3 decoded by `ffmpeg` when it is on the PATH,
 * otherwise a {@link MediaSourceError} with code MEDIA_MP3_NEEDS_FFMPEG.
 */
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import { systemClock, type Clock } from '../../kernel/clock.js';
import { errorMessage } from '../../kernel/errors.js';
import { guardConnector, OPEN_URL_POLICY, UrlForbiddenError, type UrlPolicy } from '../../kernel/net-policy.js';
import { processRunner, type ProcessResult } from '../../kernel/process-runner.js';
import { MediaSourceError } from './errors.js';
import { PcmReader, type AudioSource } from './source.js';
import { decodeRaw, decodeWavYielding } from './wav.js';

export interface UrlSourceOptions {
  /** Path of ffmpeg, or null when known absent; looked up on `searchPath` when undefined. */
  readonly ffmpegPath?: string | null;
  /** The PATH to search (passed in, never read from the environment here). */
  readonly searchPath?: string;
  /** Size limit of the download (default 16 MiB), checked on Content-Length and while streaming. */
  readonly maxBytes?: number;
  /** Which addresses the download (and each redirect) may reach; open by default. */
  readonly urlPolicy?: UrlPolicy;
  /** Time limit for the whole download, redirects included (default 30 s). */
  readonly timeoutMs?: number;
  /** Redirects followed, each one checked against `urlPolicy` (default 3). */
  readonly maxRedirects?: number;
  /** Drives the time limit. */
  readonly clock?: Clock;
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

/** Runs ffmpeg (off the event loop: kernel/process-runner.ts) to turn any input into 8 kHz mono s16le. */
export async function ffmpegDecode(ffmpeg: string, input: Buffer, signal: AbortSignal): Promise<Int16Array> {
  let r: ProcessResult;
  try {
    r = await processRunner().run(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 's16le', '-ac', '1', '-ar', '8000', 'pipe:1'], input, signal);
  } catch (e) {
    throw new MediaSourceError('MEDIA_DECODE_FAILED', `ffmpeg failed: ${errorMessage(e)}`, { cause: e });
  }
  if (r.code !== 0) throw new MediaSourceError('MEDIA_DECODE_FAILED', `ffmpeg exited with ${r.code}: ${r.stderr.trim()}`);
  return decodeRaw(r.stdout, 's16le');
}

const MIB = 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

interface Fetched {
  readonly body: Buffer;
  readonly type: string;
}

/** Drops a body we will not read; its connection goes with it. */
async function discard(res: Dispatcher.ResponseData): Promise<void> {
  await res.body.dump({ limit: 1 });
}

/**
 * The audio may be streaming: count while reading and stop at `maxBytes`. With a Content-Length
 * the body is copied into one buffer as it arrives, so the pages of a long file are first touched
 * a chunk at a time, not all in one copy at the end (a few ms per MB on the event loop).
 */
async function readLimited(res: Dispatcher.ResponseData, url: string, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (declared > maxBytes) {
    await discard(res);
    throw new MediaSourceError('MEDIA_TOO_LARGE', `${url} is too large: Content-Length ${declared} is over the ${maxBytes}-byte limit`);
  }
  const into = Number.isSafeInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    // Leaving the loop destroys the body, which aborts the download.
    if (size + chunk.length > (into?.length ?? maxBytes)) throw new MediaSourceError('MEDIA_TOO_LARGE', `${url} sent more than ${into ? `its Content-Length of ${into.length}` : maxBytes} bytes`);
    if (into) chunk.copy(into, size);
    else chunks.push(chunk);
    size += chunk.length;
  }
  return into ? into.subarray(0, size) : Buffer.concat(chunks);
}

/** Where a redirect goes: an absolute http(s) URL, relative ones resolved (RFC 9110 §10.2.2). */
function redirectTarget(res: Dispatcher.ResponseData, from: string): string {
  const location = res.headers.location;
  if (typeof location !== 'string' || location === '') throw new MediaSourceError('MEDIA_FETCH_FAILED', `${from} redirects (HTTP ${res.statusCode}) without a Location`);
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new MediaSourceError('MEDIA_FETCH_FAILED', `${from} redirects to an invalid URL`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new MediaSourceError('MEDIA_FETCH_FAILED', `${from} redirects to ${next.protocol} — only http(s) can be played`);
  return next.toString();
}

/** GETs `url`, following at most `maxRedirects` redirects; every connection is checked by the agent's policy. */
async function getFollowing(url: string, agent: Agent, opts: UrlSourceOptions, signal: AbortSignal): Promise<Fetched> {
  const maxRedirects = opts.maxRedirects ?? 3;
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await request(current, { method: 'GET', dispatcher: agent, signal });
    if (REDIRECTS.has(res.statusCode)) {
      await discard(res);
      if (hop >= maxRedirects) throw new MediaSourceError('MEDIA_FETCH_FAILED', `${url} took more than ${maxRedirects} redirects`);
      current = redirectTarget(res, current);
      continue;
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      await discard(res);
      throw new MediaSourceError('MEDIA_FETCH_FAILED', `fetching ${current} gave HTTP ${res.statusCode}`);
    }
    const type = res.headers['content-type'];
    return { body: await readLimited(res, current, opts.maxBytes ?? 16 * MIB), type: typeof type === 'string' ? type : '' };
  }
}

/** Downloads `url` under the URL policy, a size limit and a time limit for the whole (redirects included). */
async function fetchBody(url: string, opts: UrlSourceOptions, signal: AbortSignal): Promise<Fetched> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const agent = new Agent({ connect: guardConnector(opts.urlPolicy ?? OPEN_URL_POLICY, buildConnector({ timeout: Math.min(timeoutMs, 5000) })) });
  const limit = new AbortController();
  const timer = (opts.clock ?? systemClock).setTimer(timeoutMs, () => limit.abort());
  try {
    return await getFollowing(url, agent, opts, AbortSignal.any([signal, limit.signal]));
  } catch (e) {
    if (e instanceof MediaSourceError) throw e;
    if (e instanceof UrlForbiddenError) throw new MediaSourceError('URL_FORBIDDEN', `cannot fetch ${url}: ${e.message}`, { cause: e });
    if (limit.signal.aborted && !signal.aborted) throw new MediaSourceError('MEDIA_FETCH_TIMEOUT', `fetching ${url} took more than ${timeoutMs} ms`, { cause: e });
    throw new MediaSourceError('MEDIA_FETCH_FAILED', `cannot fetch ${url}: ${errorMessage(e)}`, { cause: e });
  } finally {
    timer.cancel();
    await agent.destroy();
  }
}

/** Audio at an http(s) URL. */
export function urlSource(url: string, opts: UrlSourceOptions = {}): AudioSource {
  return {
    description: `url:${url}`,
    async open(signal) {
      const { body, type } = await fetchBody(url, opts, signal);
      if (body.toString('ascii', 0, 4) === 'RIFF') return new PcmReader(await decodeWavYielding(body));
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
