/**
 * Issue 15 acceptance 4: a stuck stream consumer on one call does not delay RTP for the other
 * calls. Real media engine and UDP on loopback: one call streams (24 kHz stereo) to a consumer
 * that never reads — its socket's buffer only grows, as `ws` reports for a peer that stopped
 * reading — while four other calls play a tone; their packets' departure gaps are measured at
 * the receiving peers (a generous bound; `npm run bench:stream` gives the figure).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { systemClock } from '../../kernel/clock.js';
import { nullLogger } from '../../kernel/logger.js';
import { MediaEngine, pcmSource } from '../../media/index.js';
import { tones } from '../../testkit/audio.js';
import { RtpPeer } from '../../testkit/rtp-peer.js';
import type { CallInfo } from '../control.js';
import { Timeline } from '../timeline.js';
import { startAudioStream } from './stream.js';
import { StreamTotals } from './totals.js';

const engine = new MediaEngine({ clock: systemClock, logger: nullLogger, portRange: { min: 33000, max: 33999 }, bindAddress: '127.0.0.1' });
after(() => engine.close());
const remote = (port: number) => ({ address: '127.0.0.1', port, codec: 'PCMU' as const, payloadType: 0, dtmfPayloadType: 101 });

/** A WebSocket whose peer never reads: open, and everything sent stays buffered. */
class StuckSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sends = 0;
  send(data: Buffer | string): void {
    this.sends++;
    this.bufferedAmount += data.length;
  }
  close(): void {
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

const INFO = { call_sid: 'stuck', direction: 'inbound', from: 'a', to: 'b', call_id: 'x', sip_status: 200, call_status: 'in-progress', account_sid: 'acc', trace_id: 't', fs_sip_address: 'h' } as CallInfo;

function departureGaps(peer: RtpPeer): number[] {
  const audio = peer.packets.filter((p) => p.payloadType === 0);
  const gaps: number[] = [];
  for (let i = 1; i < audio.length; i++) gaps.push(audio[i].at - audio[i - 1].at);
  return gaps;
}

test('issue 15 acceptance 4: a stream consumer that never reads costs its own call dropped frames, not the other calls\' RTP timing', async () => {
  const socket = new StuckSocket();
  const totals = new StreamTotals();
  const stuckPeer = await RtpPeer.open();
  const stuck = await engine.createSession();
  stuck.setRemote(remote(stuckPeer.port));
  const stream = startAudioStream(
    { clock: systemClock, logger: nullLogger, totals, openSocket: () => {
      setImmediate(() => socket.emit('open'));
      return Promise.resolve(socket as unknown as WebSocket);
    } },
    { timeline: new Timeline(systemClock), info: () => INFO, onDtmf: () => () => undefined, play: async () => ({ interrupted: false }), interrupt: () => undefined },
    stuck,
    { url: 'ws://consumer.invalid/', sampleRate: 24000, mixType: 'stereo', passDtmf: false, bidirectional: { enabled: false, streaming: false } },
    new AbortController().signal,
  );
  const others = await Promise.all([0, 1, 2, 3].map(async () => {
    const peer = await RtpPeer.open();
    const s = await engine.createSession();
    s.setRemote(remote(peer.port));
    return { peer, s };
  }));
  try {
    const playing = others.map((o) => o.s.play(pcmSource(tones([700], 3000))));
    // The stuck call hears 3 s from its far end, so its stream has 150 frames to send.
    await stuckPeer.sendPcm(tones([1400], 3000), stuck.localPort);
    await Promise.all(playing);
    stream.stop();
    const end = await stream.ended;
    assert.ok(end.framesDropped > 50, `${end.framesDropped} frames dropped on the stuck socket`);
    assert.ok(socket.bufferedAmount <= 64 * 1024, `the stuck socket holds ${socket.bufferedAmount} bytes (bounded)`);
    assert.equal(totals.framesDropped, end.framesDropped);
    assert.equal(totals.active, 0);
    for (const [i, o] of others.entries()) {
      const gaps = departureGaps(o.peer);
      assert.ok(gaps.length > 140, `call ${i}: ${gaps.length + 1} packets`);
      const worst = Math.max(...gaps);
      // Generous: a loaded 2-core machine; the bench measures the real figure.
      assert.ok(worst < 80, `call ${i}: largest gap ${worst.toFixed(1)} ms`);
    }
  } finally {
    stuckPeer.close();
    await stuck.close();
    for (const o of others) {
      o.peer.close();
      await o.s.close();
    }
  }
});
