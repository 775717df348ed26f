/**
 * baresip (Debian `baresip` 1.0) as an independent SIP peer over TLS with SDES-SRTP: a headless UA
 * whose microphone is a WAV file (aufile), whose speaker is a dummy device (aubridge), and which
 * records what it sends (-enc.wav) and hears (-dec.wav) with sndfile. Its own TLS listener takes
 * the port after `sipPort` (libre's rule) and presents `cert`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PemPair } from './tls.js';

export interface BaresipOptions {
  /** UDP/TCP port of sip_listen; TLS listens on the next one. */
  readonly sipPort: number;
  /** Account AOR, e.g. `sip:4989765432@127.0.0.1;transport=tls`. */
  readonly aor: string;
  /** 8 kHz mono 16-bit WAV played as the microphone (baresip hangs up when it ends: make it long). */
  readonly source: Buffer;
  readonly rtpPorts: { readonly min: number; readonly max: number };
  readonly cert: PemPair;
  readonly caFile: string;
  /** `mediaenc` of the account (RFC 4568 SDES: srtp-mand). */
  readonly mediaenc?: string;
  /** Commands run at start (`-e`), e.g. `/dial sip:…`. */
  readonly commands?: readonly string[];
}

export interface Baresip {
  readonly dir: string;
  /** stdout and stderr so far. */
  log(): string;
  /** The WAVs sndfile wrote: `-enc` what baresip sent, `-dec` what it heard, as PCM. */
  recordings(): { sent: Int16Array; heard: Int16Array };
  stop(): Promise<void>;
}

function config(dir: string, o: BaresipOptions): string {
  return [
    'poll_method epoll', 'net_interface 127.0.0.1', `sip_listen 127.0.0.1:${o.sipPort}`, `sip_certificate ${join(dir, 'tls.pem')}`, `sip_cafile ${o.caFile}`,
    'call_local_timeout 120', 'call_max_calls 4',
    'audio_player aubridge,nowhere', `audio_source aufile,${join(dir, 'source.wav')}`, 'audio_alert aubridge,nowhere',
    'ausrc_srate 8000', 'auplay_srate 8000', 'ausrc_channels 1', 'auplay_channels 1',
    `rtp_ports ${o.rtpPorts.min}-${o.rtpPorts.max}`, 'jitter_buffer_delay 0-5', `snd_path ${join(dir, 'rec')}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so', 'module aufile.so', 'module aubridge.so', 'module sndfile.so', 'module srtp.so',
    'module_tmp account.so', 'module_app menu.so', '',
  ].join('\n');
}

/** The samples of a 16-bit PCM WAV (the `data` chunk). */
export function wavSamples(bytes: Buffer): Int16Array {
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, bytes.length - at - 8) / 2);
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes.readInt16LE(at + 8 + 2 * i);
      return out;
    }
    at += 8 + size + (size & 1);
  }
  return new Int16Array(0);
}

export function startBaresip(o: BaresipOptions): Baresip {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-baresip-'));
  mkdirSync(join(dir, 'rec'));
  writeFileSync(join(dir, 'tls.pem'), `${o.cert.cert}${o.cert.key}`);
  writeFileSync(join(dir, 'source.wav'), o.source);
  writeFileSync(join(dir, 'config'), config(dir, o));
  writeFileSync(join(dir, 'accounts'), `<${o.aor}>;regint=0;answermode=auto;audio_codecs=pcmu;mediaenc=${o.mediaenc ?? 'srtp-mand'}\n`);
  writeFileSync(join(dir, 'contacts'), '');
  const args = ['-4', '-f', dir, ...(o.commands ?? []).flatMap((c) => ['-e', c])];
  const child: ChildProcess = spawn('baresip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const wav = (suffix: string): Int16Array => {
    const f = readdirSync(join(dir, 'rec')).find((n) => n.endsWith(`${suffix}.wav`));
    return f ? wavSamples(readFileSync(join(dir, 'rec', f))) : new Int16Array(0);
  };
  return {
    dir,
    log: () => out,
    recordings: () => ({ sent: wav('-enc'), heard: wav('-dec') }),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
