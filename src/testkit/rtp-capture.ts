import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALAW_DECODE, ULAW_DECODE } from '../media/codec/g711.js';

/** One RTP packet as tshark decoded it off the loopback interface. */
export interface WirePacket {
  readonly time: number;
  readonly seq: number;
  readonly timestamp: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly payload: Buffer;
  /** Tells the streams of several calls sent to one port apart. */
  readonly ssrc: number;
}

/**
 * Captures UDP to `port` on `lo` with tshark (Debian `tshark`, needs root as on CI) and decodes
 * it as RTP: the far end's view of what we sent.
 */
export async function startRtpCapture(port: number): Promise<{ stop(): Promise<WirePacket[]> }> {
  const file = join(mkdtempSync(join(tmpdir(), 'cap-')), 'cap.pcap');
  const stopCapture = await startTshark(`udp dst port ${port}`, file);
  let stopped: Promise<WirePacket[]> | undefined;
  const stop = async (): Promise<WirePacket[]> => {
      await stopCapture();
      const out = spawnSync('tshark', ['-r', file, '-d', `udp.port==${port},rtp`, '-Y', 'rtp', '-T', 'fields',
        '-e', 'frame.time_relative', '-e', 'rtp.seq', '-e', 'rtp.timestamp', '-e', 'rtp.p_type', '-e', 'rtp.marker', '-e', 'rtp.payload', '-e', 'rtp.ssrc'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      return out.stdout.split('\n').filter((l) => l.trim()).map((l) => {
        const [time, seq, ts, pt, marker, payload, ssrc] = l.split('\t');
        return { time: Number(time), seq: Number(seq), timestamp: Number(ts), payloadType: Number(pt), marker: marker === '1' || marker === 'True', payload: Buffer.from((payload ?? '').replace(/:/g, ''), 'hex'), ssrc: Number(ssrc) };
      });
  };
  /** Idempotent: later calls return the same packets. */
  return { stop: () => (stopped ??= stop()) };
}

/** The audio of the PCMU (0) or PCMA (8) packets, in arrival order, as 8 kHz PCM. */
export function decodeG711(packets: readonly WirePacket[]): Int16Array {
  const audio = packets.filter((p) => p.payloadType === 0 || p.payloadType === 8);
  const out = new Int16Array(audio.reduce((n, p) => n + p.payload.length, 0));
  let i = 0;
  for (const p of audio) {
    const table = p.payloadType === 0 ? ULAW_DECODE : ALAW_DECODE;
    for (const b of p.payload) out[i++] = table[b];
  }
  return out;
}

/** The largest gap between consecutive audio packets, in ms. */
export function largestGapMs(packets: readonly WirePacket[]): number {
  const audio = packets.filter((p) => p.payloadType === 0 || p.payloadType === 8);
  let max = 0;
  for (let i = 1; i < audio.length; i++) max = Math.max(max, (audio[i].time - audio[i - 1].time) * 1000);
  return max;
}

/**
 * tshark capturing `filter` on `lo` into `file` (pcap); resolves once it is capturing. The
 * returned function lets the last packets in (300 ms), stops it and waits for the file.
 */
export async function startTshark(filter: string, file: string): Promise<() => Promise<void>> {
  const child = spawn('tshark', ['-i', 'lo', '-f', filter, '-F', 'pcap', '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => reject(new Error(`tshark did not start: ${err}`)), 10_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('Capturing on')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`tshark exited: ${err}`)));
  });
  return async () => {
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    await exited;
  };
}
