import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallInfo } from '../call/control.js';
import { CallError } from '../call/errors.js';
import type { CallObserver } from '../app/application-runner.js';
import type { CreateCallBody, CreateCallOptions } from '../app/calls-service.js';
import { CampaignEvents } from '../app/campaigns/events.js';
import { Dialer, type CallPlacer } from '../app/campaigns/dialer.js';
import { newSid } from '../kernel/ids.js';
import { nullLogger } from '../kernel/logger.js';
import { openStore, type Store } from '../store/index.js';
import type { WebhookSender } from '../verbs/index.js';
import { FakeClock } from './fake-clock.js';

export type FakeBehaviour = 'human' | 'machine' | 'busy' | 'no-answer' | 'failed';

/** The simulator's number plan in short: 0486 busy, 0487 no answer, 0101 voicemail, 0503 failed, the rest human. */
export function behaviourOf(number: string): FakeBehaviour {
  if (number.endsWith('0486')) return 'busy';
  if (number.endsWith('0487')) return 'no-answer';
  if (number.endsWith('0101')) return 'machine';
  if (number.endsWith('0503')) return 'failed';
  return 'human';
}

export interface FakeStart {
  readonly at: number;
  readonly number: string;
  readonly sid: string;
  readonly body: CreateCallBody;
}

/**
 * A carrier for dialer tests, driven by the fake clock: answers after 500 ms (AMD verdict at
 * 700 ms), rejects busy / failed after 100 ms, rings out at the ring timeout; a voicemail plays
 * its beep at 3 s. Records every start, the live peak, hang-ups and voicemail drops.
 */
export class FakeCarrier implements CallPlacer {
  readonly starts: FakeStart[] = [];
  readonly drops: { sid: string; verbs: readonly unknown[]; at: number }[] = [];
  readonly hangups: string[] = [];
  live = 0;
  peak = 0;
  /** The next n creates are refused with CALL_LIMIT (429). */
  limitFailures = 0;
  callMs = 2000;
  private n = 0;
  private dead = false;

  constructor(private readonly clock: FakeClock) {}

  async create(accountSid: string, body: CreateCallBody, opts: CreateCallOptions = {}): Promise<{ sid: string }> {
    const observer = opts.observer;
    if (this.limitFailures > 0) {
      this.limitFailures -= 1;
      throw new CallError('CALL_LIMIT', 'the account allows 1 new calls per second', undefined, 1);
    }
    this.n += 1;
    const sid = opts.callSid ?? `call-${this.n}-${newSid().slice(0, 8)}`;
    const number = body.to.number ?? '';
    this.starts.push({ at: this.clock.now(), number, sid, body });
    this.live += 1;
    this.peak = Math.max(this.peak, this.live);
    this.script(sid, accountSid, number, body.timeout ?? 60, observer);
    return { sid };
  }

  /** The node is gone: its calls say nothing more. */
  kill(): void {
    this.dead = true;
  }

  private script(sid: string, accountSid: string, number: string, timeout: number, o: CallObserver | undefined): void {
    let ended = false;
    const info = (call_status: CallInfo['call_status'], sip_status: number): CallInfo => ({
      call_sid: sid, direction: 'outbound', from: '+12125550000', to: number, call_id: sid, sip_status, call_status, account_sid: accountSid, trace_id: '', fs_sip_address: '',
    });
    const end = (status: CallInfo['call_status'], sip: number): void => {
      if (ended) return;
      ended = true;
      this.live -= 1;
      o?.status?.(info(status, sip));
    };
    const at = (ms: number, f: () => void): void => void this.clock.setTimer(ms, () => { if (!ended && !this.dead) f(); });
    const control = {
      replace: (verbs: readonly unknown[]) => {
        this.drops.push({ sid, verbs, at: this.clock.now() });
        at(2000, () => end('completed', 200));
      },
      hangup: async () => {
        this.hangups.push(sid);
        end('completed', 200);
      },
    };
    const b = behaviourOf(number);
    if (b === 'busy') return at(100, () => end('busy', 486));
    if (b === 'failed') return at(100, () => end('failed', 503));
    if (b === 'no-answer') return at(timeout * 1000, () => end('no-answer', 487));
    at(500, () => o?.status?.(info('in-progress', 200)));
    at(700, () => o?.amd?.({ type: b === 'human' ? 'amd_human_detected' : 'amd_machine_detected' }, control));
    if (b === 'machine') at(3000, () => o?.amd?.({ type: 'amd_tone_detected', frequency: 1000 }, control));
    at(this.callMs + (b === 'machine' ? 8000 : 0), () => end('completed', 200));
  }
}

/** Lets the store's promises and the dialer's steps run between clock moves. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
}

/** Advances the fake clock `ms` in `step` slices, flushing after each. */
export async function runFor(clock: FakeClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

export interface DialerHarness {
  readonly clock: FakeClock;
  readonly store: Store;
  readonly carrier: FakeCarrier;
  readonly dialer: Dialer;
  readonly events: CampaignEvents;
  readonly hookPayloads: Readonly<Record<string, unknown>>[];
  readonly webhooks: WebhookSender;
  readonly accountSid: string;
  close(): Promise<void>;
}

/** A dialer over a real SQLite store in a temp dir, a fake clock at `wallStart`, and the fake carrier. */
export async function dialerHarness(wallStart = Date.parse('2026-12-02T12:00:00Z'), account: { max_calls_per_second?: number; max_concurrent_calls?: number } = {}): Promise<DialerHarness> {
  const clock = new FakeClock(wallStart);
  const dir = mkdtempSync(join(tmpdir(), 'vgw-dialer-'));
  const store = await openStore({ dataDir: dir, logger: nullLogger, clock });
  const acct = await store.accounts.create({ name: 'dialer', ...account });
  const hookPayloads: Readonly<Record<string, unknown>>[] = [];
  const webhooks: WebhookSender = {
    async send(req) {
      hookPayloads.push(req.payload);
      return { status: 200, json: undefined, latencyMs: 1, attempts: 1 } as Awaited<ReturnType<WebhookSender['send']>>;
    },
  };
  const events = new CampaignEvents({ webhooks, store, clock, logger: nullLogger });
  const carrier = new FakeCarrier(clock);
  const dialer = new Dialer({ clock, logger: nullLogger, store, calls: carrier, events });
  return {
    clock, store, carrier, dialer, events, hookPayloads, webhooks, accountSid: acct.account_sid,
    async close() {
      dialer.close();
      await events.idle();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
