/**
 * WAV (RIFF) decoding to 8 kHz mono Int16: PCM 8/16/24/32-bit, IEEE float, µ-law and A-law,
 * WAVE_FORMAT_EXTENSIBLE, any channel count (mixed down) and any sample rate (resampled).
 */
import { ALAW_DECODE, ULAW_DECODE } from '../codec/g711.js';
import { MediaSourceError } from './errors.js';
import { pcm16View, toInt16 } from '../../kernel/pcm16.js';
import { letTheEventLoopThrough, MAX_RATE, MIN_RATE, RateConverter } from '../../kernel/resample.js';

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;

export interface DecodedAudio {
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

interface WavFormat {
  format: number;
  channels: number;
  sampleRate: number;
  bits: number;
}

function readFormat(buf: Buffer, o: number, size: number): WavFormat {
  if (size < 16) throw new MediaSourceError('MEDIA_BAD_WAV', 'WAV fmt chunk too short');
  let format = buf.readUInt16LE(o);
  // Extensible: the real format code is the first two bytes of the sub-format GUID.
  if (format === FORMAT_EXTENSIBLE && size >= 26) format = buf.readUInt16LE(o + 24);
  return { format, channels: buf.readUInt16LE(o + 2), sampleRate: buf.readUInt32LE(o + 4), bits: buf.readUInt16LE(o + 14) };
}

function sampleReader(f: WavFormat): { bytes: number; read: (b: Buffer, o: number) => number } {
  if (f.format === FORMAT_ULAW && f.bits === 8) return { bytes: 1, read: (b, o) => ULAW_DECODE[b[o]] };
  if (f.format === FORMAT_ALAW && f.bits === 8) return { bytes: 1, read: (b, o) => ALAW_DECODE[b[o]] };
  if (f.format === FORMAT_FLOAT && f.bits === 32) return { bytes: 4, read: (b, o) => b.readFloatLE(o) * 32767 };
  if (f.format === FORMAT_PCM) {
    if (f.bits === 8) return { bytes: 1, read: (b, o) => (b[o] - 128) << 8 };
    if (f.bits === 16) return { bytes: 2, read: (b, o) => b.readInt16LE(o) };
    if (f.bits === 24) return { bytes: 3, read: (b, o) => b.readIntLE(o, 3) / 256 };
    if (f.bits === 32) return { bytes: 4, read: (b, o) => b.readInt32LE(o) / 65536 };
  }
  throw new MediaSourceError('MEDIA_UNSUPPORTED_FORMAT', `unsupported WAV format ${f.format} with ${f.bits} bits`);
}

/** Splits a RIFF/WAVE buffer into its fmt and data chunks. */
function chunks(buf: Buffer): { fmt: WavFormat; dataOffset: number; dataLength: number } {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new MediaSourceError('MEDIA_BAD_WAV', 'not a RIFF/WAVE file');
  }
  let fmt: WavFormat | undefined;
  let o = 12;
  while (o + 8 <= buf.length) {
    const id = buf.toString('ascii', o, o + 4);
    let size = buf.readUInt32LE(o + 4);
    if (id === 'fmt ') fmt = readFormat(buf, o + 8, size);
    if (id === 'data') {
      if (!fmt) throw new MediaSourceError('MEDIA_BAD_WAV', 'WAV data chunk before fmt chunk');
      // Streaming writers leave the size at 0 or 0xffffffff: take what is there.
      if (size === 0 || o + 8 + size > buf.length) size = buf.length - o - 8;
      return { fmt, dataOffset: o + 8, dataLength: size };
    }
    o += 8 + size + (size & 1);
  }
  throw new MediaSourceError('MEDIA_BAD_WAV', 'WAV has no data chunk');
}

/** 16-bit mono PCM: the samples are the data chunk itself. */
function isPcm16Mono(f: WavFormat): boolean {
  return f.format === FORMAT_PCM && f.bits === 16 && f.channels === 1;
}

/** Frames mixed to mono between two turns of the event loop when decoding in slices. */
const MIX_SLICE = 32_768;

function checkRate(rate: number, what: string): void {
  if (rate < MIN_RATE || rate > MAX_RATE) throw new MediaSourceError('MEDIA_BAD_WAV', `${what} rate ${rate} Hz is outside ${MIN_RATE}–${MAX_RATE} Hz`);
}

/** The format and where the samples are, checked before any sample is read. */
function layout(buf: Buffer): { fmt: WavFormat; dataOffset: number; frames: number } {
  const { fmt, dataOffset, dataLength } = chunks(buf);
  if (fmt.channels < 1) throw new MediaSourceError('MEDIA_BAD_WAV', 'bad WAV channel count');
  checkRate(fmt.sampleRate, 'WAV sample');
  return { fmt, dataOffset, frames: Math.floor(dataLength / (sampleReader(fmt).bytes * fmt.channels)) };
}

/** Mixes frames [f0, f1) to mono (the mean of the channels, rounded to 16 bits) into `mono`. */
function mixDown(buf: Buffer, fmt: WavFormat, dataOffset: number, mono: Int16Array, f0: number, f1: number): void {
  const r = sampleReader(fmt);
  const stride = r.bytes * fmt.channels;
  for (let i = f0; i < f1; i++) {
    let acc = 0;
    for (let c = 0; c < fmt.channels; c++) acc += r.read(buf, dataOffset + i * stride + c * r.bytes);
    mono[i] = toInt16(acc / fmt.channels);
  }
}

/** Decodes to mono at the file's own rate, in one pass. */
export function decodeWavNative(buf: Buffer): DecodedAudio {
  const { fmt, dataOffset, frames } = layout(buf);
  if (isPcm16Mono(fmt)) return { samples: pcm16View(buf.subarray(dataOffset, dataOffset + 2 * frames)), sampleRate: fmt.sampleRate };
  const mono = new Int16Array(frames);
  mixDown(buf, fmt, dataOffset, mono, 0, frames);
  return { samples: mono, sampleRate: fmt.sampleRate };
}

/** Decodes a WAV file to 8 kHz mono Int16, in one pass (tools and tests; calls use {@link decodeWavYielding}). */
export function decodeWav(buf: Buffer): Int16Array {
  const { samples, sampleRate } = decodeWavNative(buf);
  return new RateConverter(sampleRate, 8000).convert(samples);
}

/**
 * Decodes a WAV file to 8 kHz mono Int16 in slices, letting the event loop through between them:
 * a long file at 44.1 or 48 kHz takes tens to hundreds of milliseconds of CPU, which in one piece
 * would hold up every call's audio (issue 13 §3). The result equals {@link decodeWav}'s.
 */
export async function decodeWavYielding(buf: Buffer): Promise<Int16Array> {
  const { fmt, dataOffset, frames } = layout(buf);
  const converter = new RateConverter(fmt.sampleRate, 8000);
  if (isPcm16Mono(fmt)) return converter.convertYielding(pcm16View(buf.subarray(dataOffset, dataOffset + 2 * frames)));
  const mono = new Int16Array(frames);
  for (let f = 0; f < frames; f += MIX_SLICE) {
    mixDown(buf, fmt, dataOffset, mono, f, Math.min(frames, f + MIX_SLICE));
    if (f + MIX_SLICE < frames) await letTheEventLoopThrough();
  }
  return converter.convertYielding(mono);
}

export type RawFormat = 'ulaw' | 'alaw' | 'l16' | 's16le';

/** Headerless audio at its own rate: G.711 bytes, L16 (network byte order, RFC 3551 §4.5.11) or s16le. */
function rawSamples(buf: Buffer, format: RawFormat): Int16Array {
  if (format === 'ulaw') return Int16Array.from(buf, (b) => ULAW_DECODE[b]);
  if (format === 'alaw') return Int16Array.from(buf, (b) => ALAW_DECODE[b]);
  if (format === 's16le') return pcm16View(buf);
  const pcm = new Int16Array(buf.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = buf.readInt16BE(2 * i);
  return pcm;
}

/** Decodes headerless audio to 8 kHz, in one pass. */
export function decodeRaw(buf: Buffer, format: RawFormat, sampleRate = 8000): Int16Array {
  checkRate(sampleRate, 'raw audio');
  return new RateConverter(sampleRate, 8000).convert(rawSamples(buf, format));
}

/** {@link decodeRaw} with the rate conversion in slices (see {@link decodeWavYielding}). */
export async function decodeRawYielding(buf: Buffer, format: RawFormat, sampleRate = 8000): Promise<Int16Array> {
  checkRate(sampleRate, 'raw audio');
  return new RateConverter(sampleRate, 8000).convertYielding(rawSamples(buf, format));
}

/** A 44-byte header for 16-bit PCM; `dataBytes` may be patched later. */
export function wavHeader(sampleRate: number, channels: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** Encodes 16-bit PCM WAV (mono, or interleaved when `channels` is 2). */
export function encodeWav(samples: Int16Array, sampleRate = 8000, channels = 1): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i], 2 * i);
  return Buffer.concat([wavHeader(sampleRate, channels, data.length), data]);
}
