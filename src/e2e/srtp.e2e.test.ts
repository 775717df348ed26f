import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ULAW_DECODE } from '../media/codec/g711.js';
import { SrtpContext, type SrtpParams } from '../media/index.js';
import { serveAudio, tones, wavBytes } from '../testkit/audio.js';
import { startBaresip, type Baresip } from '../testkit/baresip.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest, type TestGateway } from '../testkit/gateway.js';
import { freePort } from '../testkit/ports.js';
import { startTshark } from '../testkit/rtp-capture.js';
import { makeTestPki } from '../testkit/tls.js';

const pki = makeTestPki();
const GATEWAY_TONE = 1000;
const BARESIP_TONE = 1400;
/** baresip's RTP ports: clear of the test gateway's range (20000–39999) and the simulator's. */
const BARESIP_RTP = { min: 41000 + (process.pid % 80) * 100, max: 41000 + (process.pid % 80) * 100 + 99 };

function tlsEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-srtp-'));
  copyFileSync(pki.server.certFile, join(dir, 'gw.crt'));
  copyFileSync(pki.server.keyFile, join(dir, 'gw.key'));
  return { VGW_SIP_TLS_PORT: '0', VGW_TLS_CERT: join(dir, 'gw.crt'), VGW_TLS_KEY: join(dir, 'gw.key'), VGW_TLS_CA: pki.caFile };
}

/** Share of the energy of `pcm` at `hz` (1 for a pure tone, about 2/N for noise). */
function toneShare(pcm: Int16Array, hz: number): number {
  let re = 0;
  let im = 0;
  let energy = 0;
  for (let i = 0; i < pcm.length; i++) {
    const w = (2 * Math.PI * hz * i) / 8000;
    re += pcm[i] * Math.cos(w);
    im += pcm[i] * Math.sin(w);
    energy += pcm[i] * pcm[i];
  }
  return energy > 0 ? (2 * (re * re + im * im)) / (pcm.length * energy) : 0;
}

/** The loud middle of a recording (what follows the first loud sample, 1.5 s of it). */
function loudPart(pcm: Int16Array): Int16Array {
  let start = 0;
  while (start < pcm.length && Math.abs(pcm[start]) < 2000) start++;
  return pcm.subarray(start + 800, Math.min(pcm.length, start + 800 + 12_000));
}

interface WireDatagram { readonly src: number; readonly dst: number; readonly bytes: Buffer }

/** tshark on `lo`: UDP to or from baresip's RTP ports, and TCP to or from `tlsPorts`. */
async function startWireCapture(tlsPorts: readonly number[]): Promise<() => Promise<{ udp: WireDatagram[]; tcp: Buffer[] }>> {
  const file = join(mkdtempSync(join(tmpdir(), 'vgw-cap-')), 'wire.pcap');
  const filter = `(udp portrange ${BARESIP_RTP.min}-${BARESIP_RTP.max}) or ${tlsPorts.map((p) => `(tcp port ${p})`).join(' or ')}`;
  const stopCapture = await startTshark(filter, file);
  return async () => {
    await stopCapture();
    const rows = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload', '-e', 'tcp.payload'], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    const udp: WireDatagram[] = [];
    const tcp: Buffer[] = [];
    for (const line of rows.split('\n').filter((l) => l.trim())) {
      const [src, dst, up, tp] = line.split('\t');
      if (up) udp.push({ src: Number(src), dst: Number(dst), bytes: Buffer.from(up.replace(/:/g, ''), 'hex') });
      if (tp) tcp.push(Buffer.from(tp.replace(/:/g, ''), 'hex'));
    }
    return { udp, tcp };
  };
}

const inBaresipRange = (p: number): boolean => p >= BARESIP_RTP.min && p <= BARESIP_RTP.max;

/** μ-law audio of RTP packets as they are on the wire (header skipped, tag excluded). */
function wireAudio(packets: readonly Buffer[]): Int16Array {
  const out: number[] = [];
  for (const p of packets) for (let i = 12; i < p.length - 10; i++) out.push(ULAW_DECODE[p[i]]);
  return Int16Array.from(out);
}

/** Decrypts captured SRTP with `key` (what the session sent with its local key) and returns the audio. */
function decrypt(packets: readonly Buffer[], srtp: SrtpParams, key: 'localKey' | 'remoteKey'): Int16Array {
  const ctx = SrtpContext.fromMaster(srtp.suite, srtp[key]);
  const out: number[] = [];
  for (const p of packets) {
    const b = Buffer.from(p);
    const n = ctx.unprotectRtp(b, b.length);
    if (n > 12) for (let i = 12; i < n; i++) out.push(ULAW_DECODE[b[i]]);
  }
  return Int16Array.from(out);
}

/** What the gateway's side of the call heard (decrypted), and the SRTP keys it used. */
async function tapCall(t: TestGateway, sid: string): Promise<{ heard: number[]; keys: () => SrtpParams | undefined }> {
  const media = await eventually(() => t.gw.calls.get(sid)?.mediaSession, 10_000, 'the call\'s media session');
  const heard: number[] = [];
  media.onAudio((pcm, info) => { for (let i = 0; i < info.samples; i++) heard.push(pcm[i]); });
  let keys: SrtpParams | undefined;
  await eventually(() => (keys = media.remote?.srtp), 10_000, 'SRTP keys on the session');
  return { heard, keys: () => keys };
}

/** The acceptance checks shared by both directions. */
function checkCall(b: Baresip, gwHeard: number[], keys: SrtpParams, wire: { udp: WireDatagram[]; tcp: Buffer[] }): void {
  const rec = b.recordings();
  const baresipHeard = loudPart(rec.heard);
  assert.ok(toneShare(baresipHeard, GATEWAY_TONE) > 0.8, `baresip hears the gateway's ${GATEWAY_TONE} Hz (share ${toneShare(baresipHeard, GATEWAY_TONE).toFixed(3)}, ${rec.heard.length} samples)\n${b.log().slice(-2000)}`);
  const gw = loudPart(Int16Array.from(gwHeard));
  assert.ok(toneShare(gw, BARESIP_TONE) > 0.8, `the gateway hears baresip's ${BARESIP_TONE} Hz (share ${toneShare(gw, BARESIP_TONE).toFixed(3)}, ${gwHeard.length} samples)`);
  const toBaresip = wire.udp.filter((d) => inBaresipRange(d.dst) && (d.bytes[1] & 0x7f) === 0).map((d) => d.bytes);
  const fromBaresip = wire.udp.filter((d) => inBaresipRange(d.src) && (d.bytes[1] & 0x7f) === 0).map((d) => d.bytes);
  assert.ok(toBaresip.length > 100 && fromBaresip.length > 100, `RTP both ways on the wire (${toBaresip.length}, ${fromBaresip.length})`);
  assert.ok([...toBaresip, ...fromBaresip].every((p) => p.length === 12 + 160 + 10), 'every audio packet carries a 10-byte SRTP tag');
  for (const [dir, packets, hz] of [['to baresip', toBaresip, GATEWAY_TONE], ['from baresip', fromBaresip, BARESIP_TONE]] as const) {
    const clear = wireAudio(packets);
    assert.ok(toneShare(clear, hz) < 0.02, `${dir}: the payloads on the wire are noise, not ${hz} Hz (share ${toneShare(clear, hz).toFixed(4)})`);
  }
  // With the keys the two ends agreed on, the same bytes are the tones: they are SRTP of the call's audio.
  assert.ok(toneShare(loudPart(decrypt(toBaresip, keys, 'localKey')), GATEWAY_TONE) > 0.8, 'what went to baresip decrypts to the gateway\'s tone');
  assert.ok(toneShare(loudPart(decrypt(fromBaresip, keys, 'remoteKey')), BARESIP_TONE) > 0.8, 'what came from baresip decrypts to its tone');
  assert.ok(wire.tcp.length > 0 && wire.tcp.every((seg) => !seg.toString('latin1').includes('SIP/2.0')), 'SIP went over TLS: no SIP text on the wire');
}

const statuses = (seen: readonly HookRequest[]): string[] => seen.filter((r) => r.path === '/status').map((r) => String(r.json.call_status));

test('issue 13 §4: an outbound call through a tls/srtp gateway to baresip (mediaenc=srtp-mand) — audio both ways by frequency, no clear RTP and no clear SIP on the wire', async () => {
  const t = await startTestGateway(tlsEnv());
  const tone = await serveAudio(wavBytes(tones([GATEWAY_TONE], 3000, 8000)));
  const hooks = await startHookServer({ '/app': () => [{ verb: 'play', url: `${tone.url}/tone.wav` }, { verb: 'hangup' }] });
  const sipPort = await freePort();
  const b = startBaresip({ sipPort, aor: 'sip:4989765432@127.0.0.1;transport=tls', source: wavBytes(tones([BARESIP_TONE], 20_000, 8000)), rtpPorts: BARESIP_RTP, cert: pki.server, caFile: pki.caFile });
  try {
    await eventually(() => b.log().includes('baresip is ready'), 10_000, 'baresip');
    const stopCapture = await startWireCapture([sipPort + 1, t.gw.sip.transport.tlsPort ?? 0]);
    const p = await provisionSippCarrier(t, hooks.url, []);
    const gw = await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '127.0.0.1', port: sipPort + 1, inbound: false, outbound: true, protocol: 'tls/srtp' });
    assert.equal(gw.status, 201, JSON.stringify(gw.body));
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '+4989765432', trunk: 'sipp-carrier' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const tap = await tapCall(t, (res.body as { sid: string }).sid);
    await eventually(() => statuses(hooks.seen).includes('completed') || statuses(hooks.seen).includes('failed'), 30_000, 'the end of the call');
    assert.ok(statuses(hooks.seen).includes('in-progress'), `${statuses(hooks.seen).join()}\n${b.log()}`);
    const wire = await stopCapture();
    const keys = tap.keys();
    assert.ok(keys);
    // baresip completes its recordings' WAV headers when it closes them: read them once it has exited.
    await b.stop();
    checkCall(b, tap.heard, keys, wire);
  } finally {
    await b.stop();
    await hooks.close();
    await tone.close();
    await t.close();
  }
});

test('issue 13 §4: an inbound call from baresip over TLS with an RTP/SAVP offer is answered with crypto — audio both ways by frequency, no clear RTP and no clear SIP on the wire', async () => {
  const t = await startTestGateway(tlsEnv());
  const tone = await serveAudio(wavBytes(tones([GATEWAY_TONE], 3000, 8000)));
  const hooks = await startHookServer({ '/app': () => [{ verb: 'play', url: `${tone.url}/tone.wav` }, { verb: 'hangup' }] });
  const sipPort = await freePort();
  const tlsPort = t.gw.sip.transport.tlsPort ?? 0;
  let b: Baresip | undefined;
  try {
    const p = await provisionSippCarrier(t, hooks.url, []);
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false, protocol: 'tls/srtp' });
    const stopCapture = await startWireCapture([sipPort + 1, tlsPort]);
    b = startBaresip({
      sipPort, aor: 'sip:caller@127.0.0.1;transport=tls', source: wavBytes(tones([BARESIP_TONE], 20_000, 8000)), rtpPorts: BARESIP_RTP, cert: pki.server, caFile: pki.caFile,
      commands: [`/dial sip:${p.from.slice(1)}@127.0.0.1:${tlsPort};transport=tls`],
    });
    const session = await eventually(() => hooks.seen.find((h) => h.path === '/app'), 15_000, 'session:new');
    assert.equal((session.json.sip as { protocol?: string }).protocol, 'tls');
    assert.match(String((session.json.sip as { body?: string }).body), /RTP\/SAVP/);
    const tap = await tapCall(t, String(session.json.call_sid));
    await eventually(() => statuses(hooks.seen).includes('completed'), 30_000, 'completed');
    const wire = await stopCapture();
    const keys = tap.keys();
    assert.ok(keys);
    await b.stop();
    checkCall(b, tap.heard, keys, wire);
  } finally {
    await b?.stop();
    await hooks.close();
    await tone.close();
    await t.close();
  }
});
