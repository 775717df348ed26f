import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../kernel/clock.js';
import { CallManager } from '../call/manager.js';
import { MediaEngine } from '../media/index.js';
import { createDefaultTtsRegistry, type TtsRegistry } from '../speech/index.js';
import { openStore, type Store } from '../store/index.js';
import type { SipStack } from '../sip/index.js';
import { startTestStack, testLogger } from './sip-stack.js';

export interface CallHarness {
  readonly dir: string;
  readonly store: Store;
  readonly sip: SipStack;
  readonly media: MediaEngine;
  readonly tts: TtsRegistry;
  readonly calls: CallManager;
  readonly accountSid: string;
  close(): Promise<void>;
}

/** A per-process RTP range so parallel test files never share ports. */
export function testRtpRange(): { min: number; max: number } {
  const base = 20000 + (process.pid % 200) * 100;
  return { min: base, max: base + 99 };
}

/** Store (SQLite in a temp dir) + SIP stack + media engine + TTS + call manager, all real. */
export async function startCallHarness(o: { readonly wrapStore?: (s: Store) => Store } = {}): Promise<CallHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-call-'));
  const logger = testLogger();
  const opened = await openStore({ dataDir: dir, logger });
  const store = o.wrapStore ? o.wrapStore(opened) : opened;
  const account = await store.accounts.create({ name: 'test account' });
  const sip = await startTestStack();
  const media = new MediaEngine({ clock: systemClock, logger, portRange: testRtpRange(), bindAddress: '127.0.0.1' });
  const tts = createDefaultTtsRegistry({ clock: systemClock, cacheDir: join(dir, 'tts') });
  const calls = new CallManager({
    clock: systemClock, logger, ua: sip.ua, media, store, tts,
    publicAddress: '127.0.0.1', sipAddress: `127.0.0.1:${sip.transport.port}`, searchPath: process.env.PATH,
  });
  return {
    dir, store, sip, media, tts, calls, accountSid: account.account_sid,
    async close() {
      await calls.shutdown(0);
      await media.close();
      await sip.close();
      await store.close();
    },
  };
}
