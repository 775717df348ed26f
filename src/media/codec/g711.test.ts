import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALAW_DECODE, ALAW_ENCODE, ALAW_TO_ULAW, decodeG711, encodeG711, transcodeG711, ULAW_DECODE, ULAW_ENCODE, ULAW_TO_ALAW,
} from './g711.js';

/** Half the quantisation step of the µ-law segment (G.711 Table 2a; 16-bit scale). */
const ulawHalfStep = (byte: number): number => 4 << ((~byte >> 4) & 7);
/** A-law: segments 0 and 1 share the smallest step (G.711 Table 1a). */
const alawHalfStep = (byte: number): number => { const seg = ((byte ^ 0x55) >> 4) & 7; return 8 << Math.max(0, seg - 1); };

test('G.711 µ-law: every 16-bit value round-trips within half a quantisation step', () => {
  for (let x = -32768; x <= 32767; x++) {
    const b = ULAW_ENCODE[x & 0xffff];
    const err = Math.abs(ULAW_DECODE[b] - x);
    if (Math.abs(x) <= 32124) assert.ok(err <= ulawHalfStep(b), `x=${x} err=${err}`);
    else assert.ok(err <= 1024, `x=${x} clip`);
  }
});

test('G.711 A-law: every 16-bit value round-trips within half a quantisation step', () => {
  for (let x = -32768; x <= 32767; x++) {
    const b = ALAW_ENCODE[x & 0xffff];
    const err = Math.abs(ALAW_DECODE[b] - x);
    if (Math.abs(x) <= 32256) assert.ok(err <= alawHalfStep(b), `x=${x} err=${err}`);
    else assert.ok(err <= 1024, `x=${x} clip`);
  }
});

test('G.711 code points: silence, extremes, alternate-bit inversion', () => {
  assert.equal(ULAW_ENCODE[0], 0xff);
  assert.equal(ALAW_ENCODE[0], 0xd5);
  assert.equal(ULAW_DECODE[0xff], 0);
  assert.equal(ULAW_DECODE[0x80], 32124);
  assert.equal(ULAW_DECODE[0x00], -32124);
  assert.equal(ALAW_DECODE[0xd5], 8);
  assert.equal(ALAW_DECODE[0x55], -8);
  assert.equal(ALAW_DECODE[0xaa], 32256);
  assert.equal(ALAW_DECODE[0x2a], -32256);
  assert.equal(ULAW_ENCODE[32767], 0x80);
  assert.equal(ULAW_ENCODE[32768], 0x00);
});

test('decode∘encode is the identity on code words (tables are consistent)', () => {
  for (let b = 0; b < 256; b++) {
    assert.equal(ALAW_ENCODE[ALAW_DECODE[b] & 0xffff], b);
    // µ-law has two zeros (0x7f and 0xff): both decode to 0, which encodes as 0xff.
    const back = ULAW_ENCODE[ULAW_DECODE[b] & 0xffff];
    assert.equal(back, b === 0x7f ? 0xff : b);
  }
});

test('PCMU↔PCMA transcoding keeps the value within one step of the coarser law', () => {
  for (let b = 0; b < 256; b++) {
    const a = ULAW_TO_ALAW[b];
    assert.ok(Math.abs(ALAW_DECODE[a] - ULAW_DECODE[b]) <= alawHalfStep(a) + 1, `u=${b}`);
    const u = ALAW_TO_ULAW[b];
    assert.ok(Math.abs(ULAW_DECODE[u] - ALAW_DECODE[b]) <= ulawHalfStep(u) + 1, `a=${b}`);
  }
});

test('frame helpers encode, decode and transcode in place', () => {
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
  const bytes = new Uint8Array(172);
  encodeG711(ULAW_ENCODE, pcm, 160, bytes, 12);
  const out = new Int16Array(160);
  decodeG711(ULAW_DECODE, bytes, 12, 160, out);
  for (let i = 0; i < 160; i++) assert.ok(Math.abs(out[i] - pcm[i]) <= 256);
  transcodeG711(ULAW_TO_ALAW, bytes, 12, 160);
  decodeG711(ALAW_DECODE, bytes, 12, 160, out);
  for (let i = 0; i < 160; i++) assert.ok(Math.abs(out[i] - pcm[i]) <= 512);
});
