import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deriveSessionKeys, prf, ReplayWindow, SrtpContext, SRTP_AUTH_FAILED, SRTP_REPLAYED, SRTCP_OVERHEAD, type SessionKeys,
} from './index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HEX = (b: Uint8Array): string => Buffer.from(b).toString('hex').toUpperCase();

// RFC 3711 Appendix B.3.
const MASTER_KEY = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const MASTER_SALT = hex('0EC675AD498AFEEBB6960B3AABE6');

test('RFC 3711 Appendix B.3: key derivation — cipher key, cipher salt, and the 94 octets of the auth-key PRF', () => {
  const k = deriveSessionKeys(MASTER_KEY, MASTER_SALT);
  assert.equal(HEX(k.rtp.encryption), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(HEX(k.rtp.salt), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(HEX(k.rtp.auth), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  assert.equal(HEX(prf(MASTER_KEY, MASTER_SALT, 1, 94)), [
    'CEBE321F6FF7716B6FD4AB49AF256A15', '6D38BAA48F0A0ACF3C34E2359E6CDBCE', 'E049646C43D9327AD175578EF7227098',
    '6371C10C9A369AC2F94A8C5FBCDDDC25', '6D6E919A48B610EF17C2041E47403576', '6B68642C59BBFC2F34DB60DBDFB2',
  ].join(''));
  // SRTCP keys (labels 3–5) differ from the SRTP ones.
  assert.notEqual(HEX(k.rtcp.encryption), HEX(k.rtp.encryption));
  assert.notEqual(HEX(k.rtcp.salt), HEX(k.rtp.salt));
});

/** An RTP packet (V=2, PT 0) with `payload` zero bytes, in a buffer with room for a tag. */
function rtp(seq: number, ssrc: number, payload: number, fill = 0): { buf: Buffer; length: number } {
  const buf = Buffer.alloc(12 + payload + 16, 0);
  buf[0] = 0x80;
  buf.writeUInt16BE(seq, 2);
  buf.writeUInt32BE(0x12345678, 4);
  buf.writeUInt32BE(ssrc >>> 0, 8);
  buf.fill(fill, 12, 12 + payload);
  return { buf, length: 12 + payload };
}

test('RFC 3711 Appendix B.2: the AES-CM keystream for session key 2B7E…, salt F0F1…FD, SSRC 0, index 0 (the payload of a zero packet)', () => {
  const keys: SessionKeys = { encryption: hex('2B7E151628AED2A6ABF7158809CF4F3C'), salt: hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), auth: Buffer.alloc(20) };
  const ctx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', { rtp: keys, rtcp: keys });
  const blocks = 0xff02;
  const p = rtp(0, 0, blocks * 16);
  assert.equal(ctx.protectRtp(p.buf, p.length), p.length + 10);
  const ks = (block: number): string => HEX(p.buf.subarray(12 + block * 16, 12 + block * 16 + 16));
  assert.equal(ks(0), 'E03EAD0935C95E80E166B16DD92B4EB4');
  assert.equal(ks(1), 'D23513162B02D0F72A43A2FE4A5F97AB');
  assert.equal(ks(2), '41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.equal(ks(0xfeff), 'EC8CDF7398607CB0F2D21675EA9EA1E4');
  assert.equal(ks(0xff00), '362B7C3C6773516318A077D7FC5073AE');
  assert.equal(ks(0xff01), '6A2CC3787889374FBEB4C81B17BA6C44');
});

const KEY = Buffer.concat([MASTER_KEY, MASTER_SALT]);

test('RFC 3711 §3.3: protect encrypts the payload only and appends an 80-bit tag; unprotect restores it', () => {
  const tx = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_80', KEY);
  const rx = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_80', KEY);
  const p = rtp(1000, 0xdeadbeef, 160, 0xd5);
  const header = HEX(p.buf.subarray(0, 12));
  const n = tx.protectRtp(p.buf, p.length);
  assert.equal(n, 182);
  assert.equal(HEX(p.buf.subarray(0, 12)), header, 'the header stays in the clear');
  assert.ok(p.buf.subarray(12, 172).some((b) => b !== 0xd5), 'the payload is not');
  assert.equal(rx.unprotectRtp(p.buf, n), 172);
  assert.ok(p.buf.subarray(12, 172).every((b) => b === 0xd5));
});

test('RFC 3711 §3.3.2 / §4.2: a changed bit fails authentication, a replayed packet is refused, a late one within the window is taken', () => {
  const tx = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_80', KEY);
  const rx = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_80', KEY);
  const sent = [5, 6, 7, 8].map((seq) => {
    const p = rtp(seq, 42, 160);
    const n = tx.protectRtp(p.buf, p.length);
    return { bytes: Buffer.from(p.buf.subarray(0, n)), n };
  });
  const copy = (i: number): Buffer => Buffer.from(sent[i].bytes);
  const tampered = copy(0);
  tampered[20] ^= 1;
  assert.equal(rx.unprotectRtp(tampered, sent[0].n), SRTP_AUTH_FAILED);
  assert.equal(rx.unprotectRtp(copy(0), sent[0].n), 172);
  assert.equal(rx.unprotectRtp(copy(2), sent[2].n), 172);
  assert.equal(rx.unprotectRtp(copy(1), sent[1].n), 172, 'late but inside the window');
  assert.equal(rx.unprotectRtp(copy(2), sent[2].n), SRTP_REPLAYED);
  const other = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_80', Buffer.alloc(30, 7));
  assert.equal(other.unprotectRtp(copy(3), sent[3].n), SRTP_AUTH_FAILED, 'another key');
});

test('RFC 3711 §3.3.1 / Appendix A: the rollover counter follows a sequence-number wrap on both sides; _32 has a 4-byte tag', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    const tx = SrtpContext.fromMaster(suite, KEY);
    const rx = SrtpContext.fromMaster(suite, KEY);
    let seq = 65530;
    for (let i = 0; i < 20; i++, seq = (seq + 1) & 0xffff) {
      const p = rtp(seq, 7, 160, i);
      const n = tx.protectRtp(p.buf, p.length);
      assert.equal(n, 172 + tx.tagLength);
      assert.equal(rx.unprotectRtp(p.buf, n), 172, `${suite} seq ${seq}`);
      assert.equal(p.buf[12], i);
    }
    assert.equal(tx.tagLength, suite.endsWith('80') ? 10 : 4);
  }
});

test('RFC 3711 §3.4: SRTCP encrypts after the first 8 bytes, carries E||index and a 10-byte tag; replays are refused', () => {
  const tx = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_32', KEY);
  const rx = SrtpContext.fromMaster('AES_CM_128_HMAC_SHA1_32', KEY);
  const rr = Buffer.alloc(8 + 24 + SRTCP_OVERHEAD);
  rr.writeUInt32BE(0x81c90007, 0);
  rr.writeUInt32BE(0x11223344, 4);
  rr.fill(0xab, 8, 32);
  const n = tx.protectRtcp(rr, 32);
  assert.equal(n, 32 + 14);
  assert.equal(rr.readUInt32BE(32), 0x80000000, 'E set, index 0');
  assert.notEqual(rr[8], 0xab);
  const again = Buffer.from(rr);
  assert.equal(rx.unprotectRtcp(rr, n), 32);
  assert.ok(rr.subarray(8, 32).every((b) => b === 0xab));
  assert.equal(rx.unprotectRtcp(again, n), SRTP_REPLAYED);
});

test('replay window: refuses what it has seen and what is older than the window', () => {
  const w = new ReplayWindow(64);
  for (const i of [100, 101, 103]) w.mark(i);
  assert.deepEqual([99, 100, 102, 103, 104, 36, 40].map((i) => w.accepts(i)), [true, false, true, false, true, false, true]);
  w.mark(1000);
  assert.equal(w.accepts(103), false);
  assert.equal(w.accepts(999), true);
});
