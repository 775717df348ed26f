/**
 * Reads the header of a WAV stream (RIFF/WAVE: `fmt ` then `data`) from the first pieces of an
 * HTTP body, so the samples after it can stream on. Only mono 16-bit PCM is accepted; the `data`
 * size is not trusted (streamed WAVs often carry 0 or 0xFFFFFFFF there): the audio runs to the end
 * of the body.
 */
import { GatewayError } from '../../../kernel/errors.js';

export class WavStreamError extends GatewayError {
  declare readonly code: 'WAV_UNSUPPORTED' | 'WAV_TRUNCATED';
  constructor(code: 'WAV_UNSUPPORTED' | 'WAV_TRUNCATED', message: string) {
    super(code, message);
  }
}

export interface WavStart {
  readonly sampleRate: number;
  /** Bytes of the `data` chunk that came with the header. */
  readonly rest: Uint8Array;
}

/** Most header bytes read before giving up (a `LIST` chunk may come before `data`). */
const MAX_HEADER = 64 * 1024;

/** Undefined while more bytes are needed. */
function parse(buf: Buffer): WavStart | undefined {
  if (buf.length < 12) return undefined;
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new WavStreamError('WAV_UNSUPPORTED', 'the audio is not a RIFF/WAVE file');
  let off = 12;
  let rate: number | undefined;
  for (;;) {
    if (off + 8 > buf.length) return undefined;
    const id = buf.toString('latin1', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'data') {
      if (rate === undefined) throw new WavStreamError('WAV_UNSUPPORTED', 'the WAV data chunk comes before its fmt chunk');
      return { sampleRate: rate, rest: buf.subarray(off + 8) };
    }
    if (off + 8 + size > buf.length) return undefined;
    if (id === 'fmt ') rate = format(buf.subarray(off + 8, off + 8 + size));
    off += 8 + size + (size & 1);
  }
}

function format(fmt: Buffer): number {
  if (fmt.length < 16) throw new WavStreamError('WAV_UNSUPPORTED', 'the WAV fmt chunk is too short');
  const tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const rate = fmt.readUInt32LE(4);
  const bits = fmt.readUInt16LE(14);
  if ((tag !== 1 && tag !== 0xfffe) || bits !== 16 || channels !== 1) {
    throw new WavStreamError('WAV_UNSUPPORTED', `the WAV audio is format ${tag}, ${bits} bit, ${channels} channel(s): only mono 16-bit PCM is supported`);
  }
  if (rate < 4000 || rate > 192000) throw new WavStreamError('WAV_UNSUPPORTED', `the WAV sample rate ${rate} is not usable`);
  return rate;
}

/** Pulls pieces from `it` until the header is complete. */
export async function readWavHeader(it: AsyncIterator<Uint8Array>): Promise<WavStart> {
  let buf = Buffer.alloc(0);
  for (;;) {
    const found = parse(buf);
    if (found) return found;
    if (buf.length > MAX_HEADER) throw new WavStreamError('WAV_UNSUPPORTED', `no WAV data chunk within ${MAX_HEADER} bytes`);
    const r = await it.next();
    if (r.done) throw new WavStreamError('WAV_TRUNCATED', 'the WAV audio ended inside its header');
    buf = Buffer.concat([buf, r.value]);
  }
}
