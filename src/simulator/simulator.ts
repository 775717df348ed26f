/**
 * The embedded simulator carrier: an in-process SIP UAS on loopback with its own SIP stack and
 * media engine (own RTP range), so that the gateway can place real calls without a real carrier.
 * The dialled number picks the behaviour (numbers.ts); every call is remembered (last N).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { Emitter } from '../kernel/emitter.js';
import type { Logger } from '../kernel/logger.js';
import { MediaEngine, type PortRange } from '../media/index.js';
import { createSipStack, type IncomingInvite, type SipStack } from '../sip/index.js';
import { SimulatedCall, type SimulatorCallRecord } from './call.js';
import { SimulatorError } from './errors.js';
import { SimulatorPrompts, type SimulatorTts } from './prompts.js';

export const DEFAULT_SIMULATOR_PORT = 15060;

export interface SimulatorOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** UDP and TCP port; default 15060, 0 for any free port. */
  readonly port?: number;
  /** Address the SIP and RTP sockets bind to. Default 127.0.0.1. */
  readonly bindAddress?: string;
  /** Address put in Via/Contact and SDP. Default 127.0.0.1. */
  readonly publicAddress?: string;
  /** The simulator's own RTP ports, apart from the gateway's. */
  readonly rtpPorts: PortRange;
  /** Recordings go to `<dataDir>/simulator/`, the TTS cache to `<dataDir>/simulator/tts/`. */
  readonly dataDir: string;
  /** Speech for the prompts; default espeak-ng (cached on disk). */
  readonly tts?: SimulatorTts;
  /** The simulator's BYE after this long (default 60 000 ms). */
  readonly maxCallMs?: number;
  /** Ringing before the human and voicemail numbers answer (default 500 ms). */
  readonly answerDelayMs?: number;
  /** Silence before "Hello?" and before the beep (default 300 ms). */
  readonly promptGapMs?: number;
  /** How many call records to keep (default 100). */
  readonly keepCalls?: number;
  /** Folder of the bundled audio (default `<repo>/assets/simulator`). */
  readonly assetsDir?: string;
}

export type SimulatorEvents = {
  'call-started': [record: SimulatorCallRecord];
  'call-ended': [record: SimulatorCallRecord];
};

/** A running simulator carrier. */
export interface Simulator {
  readonly port: number;
  readonly address: string;
  /** Snapshots of the last calls, oldest first. */
  readonly calls: readonly SimulatorCallRecord[];
  /** The newest record of a Call-ID. */
  call(callId: string): SimulatorCallRecord | undefined;
  on<K extends keyof SimulatorEvents>(event: K, fn: (...args: SimulatorEvents[K]) => void): () => void;
  /** Resolves with the record once the call has ended (at once if it already has). */
  waitForEnd(callId: string): Promise<SimulatorCallRecord>;
  /** Hangs up live calls, then closes the SIP stack, the RTP sessions and the engine. Idempotent. */
  close(): Promise<void>;
}

class SimulatorCarrier extends Emitter<SimulatorEvents> implements Simulator {
  readonly #records: SimulatedCall[] = [];
  readonly #live = new Set<SimulatedCall>();
  #closing: Promise<void> | undefined;

  constructor(
    private readonly o: SimulatorOptions,
    private readonly log: Logger,
    private readonly stack: SipStack,
    private readonly engine: MediaEngine,
    private readonly prompts: SimulatorPrompts,
    private readonly recordDir: string,
  ) {
    super((e) => log.error('simulator listener failed', { err: e instanceof Error ? e : String(e) }));
    stack.ua.on('invite', (inv) => this.#onInvite(inv));
  }

  get port(): number {
    return this.stack.transport.port;
  }

  get address(): string {
    return this.o.publicAddress ?? '127.0.0.1';
  }

  get calls(): readonly SimulatorCallRecord[] {
    return this.#records.map((c) => ({ ...c.record }));
  }

  call(callId: string): SimulatorCallRecord | undefined {
    for (let i = this.#records.length - 1; i >= 0; i--) if (this.#records[i].record.callId === callId) return { ...this.#records[i].record };
    return undefined;
  }

  waitForEnd(callId: string): Promise<SimulatorCallRecord> {
    const now = this.call(callId);
    if (now?.endedAt !== undefined) return Promise.resolve(now);
    return new Promise((resolve) => {
      const off = this.on('call-ended', (r) => {
        if (r.callId !== callId) return;
        off();
        resolve(r);
      });
    });
  }

  #onInvite(inv: IncomingInvite): void {
    if (this.#closing) {
      inv.reject(503, { reason: 'Simulator Shutting Down' });
      return;
    }
    const call = new SimulatedCall(inv, {
      clock: this.o.clock, logger: this.log, engine: this.engine, publicAddress: this.address, prompts: this.prompts,
      recordDir: this.recordDir, maxCallMs: this.o.maxCallMs ?? 60_000, answerDelayMs: this.o.answerDelayMs ?? 500,
      promptGapMs: this.o.promptGapMs ?? 300, onEnded: (c) => this.#ended(c),
    });
    this.#records.push(call);
    const keep = Math.max(1, this.o.keepCalls ?? 100);
    while (this.#records.length > keep) this.#records.shift();
    this.#live.add(call);
    this.emit('call-started', { ...call.record });
    detach(this.log, 'simulator call', call.start());
  }

  #ended(call: SimulatedCall): void {
    this.#live.delete(call);
    this.emit('call-ended', { ...call.record });
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#live].map((c) => c.hangUp()));
      await this.engine.close();
      await this.stack.close();
      this.log.info('simulator carrier stopped');
    })();
    return this.#closing;
  }
}

/** Starts the simulator carrier; rejects with SIMULATOR_START_FAILED when its port is taken. */
export async function startSimulator(o: SimulatorOptions): Promise<Simulator> {
  const log = o.logger.child({ component: 'simulator' });
  const bindAddress = o.bindAddress ?? '127.0.0.1';
  const base = join(o.dataDir, 'simulator');
  await mkdir(base, { recursive: true }).catch((e: unknown) => {
    throw new SimulatorError('SIMULATOR_START_FAILED', `cannot create ${base}`, { cause: e });
  });
  const engine = new MediaEngine({ clock: o.clock, logger: log, portRange: o.rtpPorts, bindAddress });
  let stack: SipStack;
  try {
    stack = await createSipStack({
      clock: o.clock, logger: log, bindAddress, port: o.port ?? DEFAULT_SIMULATOR_PORT, publicAddress: o.publicAddress ?? '127.0.0.1', product: 'vgw-simulator',
    });
  } catch (e) {
    await engine.close();
    throw new SimulatorError('SIMULATOR_START_FAILED', `simulator cannot listen on ${bindAddress}:${o.port ?? DEFAULT_SIMULATOR_PORT}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const prompts = new SimulatorPrompts({ clock: o.clock, logger: log, cacheDir: join(base, 'tts'), tts: o.tts, assetsDir: o.assetsDir });
  prompts.warm();
  const sim = new SimulatorCarrier(o, log, stack, engine, prompts, base);
  log.info('simulator carrier listening', { address: bindAddress, port: sim.port });
  return sim;
}
