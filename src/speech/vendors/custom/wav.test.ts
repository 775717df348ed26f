import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWav } from '../../../media/playout/wav.js';
import { readWavHeader, WavStreamError } from './wav.js';

async function* pieces(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < buf.length; off += size) yield buf.subarray(off, off + size);
}

test('wav stream: the header is found however the bytes are split; the rest starts at the first sample', async () => {
  const pcm = new Int16Array([1000, -2000, 3000, -4000]);
  const wav = encodeWav(pcm, 16000, 1);
  for (const size of [1, 3, 7, 44, 45, 1000]) {
    const it = pieces(wav, size);
    const start = await readWavHeader(it);
    assert.equal(start.sampleRate, 16000, `split ${size}`);
    const rest = [Buffer.from(start.rest)];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(Buffer.from(r.value));
    const bytes = Buffer.concat(rest);
    assert.deepEqual([...new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)], [...pcm], `split ${size}`);
  }
});

test('wav stream: stereo and non-RIFF audio are refused; a body ending in the header is truncated', async () => {
  const stereo = encodeWav(new Int16Array(8), 8000, 2);
  await assert.rejects(readWavHeader(pieces(stereo, 10)), (e: unknown) => e instanceof WavStreamError && e.code === 'WAV_UNSUPPORTED');
  await assert.rejects(readWavHeader(pieces(Buffer.from('ID3\u0004 mp3 bytes here'), 4)), (e: unknown) => e instanceof WavStreamError && e.code === 'WAV_UNSUPPORTED');
  await assert.rejects(readWavHeader(pieces(encodeWav(new Int16Array(4)).subarray(0, 30), 8)), (e: unknown) => e instanceof WavStreamError && e.code === 'WAV_TRUNCATED');
});
